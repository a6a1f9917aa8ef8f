"""Compumedics Profusion XML hypnograms: ``CMPStudyConfig/SleepStages/SleepStage``.

The NSRR ships, beside each ``<study>-nsrr.xml``, the scoring as exported from
Compumedics Profusion (``<study>-profusion.xml``: SHHS, MESA, CHAT, CFS, MrOS,
SOF, ...). Its root is ``CMPStudyConfig``; ``EpochLength`` gives the seconds per
epoch and ``SleepStages`` holds one ``SleepStage`` integer per epoch, in order,
from the start of the recording; ``ScoredEvents`` (arousals, apneas, ...) are
not stages and are not read.

The file has no start time: the NSRR translator takes the "Recording Start
Time" of ``-nsrr.xml`` from the EDF header, not from this file
(nsrr/edf-editor-translator, ``AbstractTranslatorFactory.getStartDateTime``),
and luna places the first ``SleepStage`` at 0 s. The hypnogram therefore starts
at the recording start (onset 0) with its start time unknown, as the other
formats without one: it is aligned with the recording from its start.

The document is parsed by :func:`seqsleepnet.io.hypnogram_xml.parse_xml`
(bounded size, no DTD or entities); this module turns its root into a
:class:`~seqsleepnet.hypnogram.Hypnogram`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from seqsleepnet.errors import FileFormatError
from seqsleepnet.hypnogram import TOLERANCE, Hypnogram, check_epoch_length
from seqsleepnet.io.hypnogram_formats import check_epoch_count
from seqsleepnet.stages import UNSCORED, SleepStage

__all__ = ["PROFUSION_CODES", "PROFUSION_ROOT", "profusion_hypnogram"]

PROFUSION_ROOT = "CMPStudyConfig"
"""Root element of a Profusion XML file."""

# Profusion's stage codes are R&K: 0 wake, 1-4 stages 1-4, 5 REM. Sources:
# - nsrr/edf-editor-translator, configuration/nsrr-psg-events-compumedics-mapping.csv
#   (the table NSRR translates these files with): 0 Wake, 1-4 "Stage 1-4 sleep",
#   5 "REM sleep", 6 Movement, 9 Unscored, 10 Artifact; its -nsrr.xml concepts
#   "Stage 4 sleep|4", "Movement|6", "Unscored|9" carry the same numbers;
# - the translator's wiki page "Compumedics Annotation Format": 0 wake, 1-4 sleep
#   stages 1-4, 5 REM (it calls 9 "Active"; either way 9 is no sleep stage);
# - luna (annot.cpp, loadxml) and YASA (load_profusion_hypno: 4 -> 3, 5 -> 4)
#   read 0-5 the same way.
# AASM merges R&K stages 3 and 4 into N3. Movement, unscored and artefact epochs
# are kept and masked. Any other code is refused: its meaning is not documented.
PROFUSION_CODES: dict[int, int] = {
    0: SleepStage.W,
    1: SleepStage.N1,
    2: SleepStage.N2,
    3: SleepStage.N3,
    4: SleepStage.N3,
    5: SleepStage.REM,
    6: UNSCORED,  # movement time
    9: UNSCORED,  # unscored
    10: UNSCORED,  # artefact
}
"""Stage index of each Profusion ``SleepStage`` code."""

_CODES_TEXT = (
    "0 (W), 1 (N1), 2 (N2), 3 or 4 (N3), 5 (REM), 6 (movement), 9 (unscored), 10 (artefact)"
)


def _one_child(root: ET.Element, tag: str, path: Path) -> ET.Element | None:
    found = root.findall(tag)
    if len(found) > 1:
        raise FileFormatError(
            path,
            f"{len(found)} <{tag}> elements under <{PROFUSION_ROOT}>; a Profusion file has one",
            "give the file as exported by Profusion",
        )
    return found[0] if found else None


def _epoch_length(root: ET.Element, path: Path, epoch_length: float | None) -> float:
    """The file's ``EpochLength``; a different ``epoch_length`` given is refused."""
    element = _one_child(root, "EpochLength", path)
    declared = (element.text or "").strip() if element is not None else ""
    if not declared:
        if epoch_length is None:
            raise FileFormatError(
                path,
                "no <EpochLength>: the seconds per <SleepStage> are not given",
                "pass epoch_length= with the epoch length the file was scored in (usually 30)",
            )
        return check_epoch_length(epoch_length)
    try:
        length = check_epoch_length(float(declared))
    except ValueError:  # not a number; ConfigError (a ValueError): NaN, 0, over an hour
        raise FileFormatError(
            path,
            f"EpochLength {declared!r} is not an epoch length of 1 to 3600 s",
            "give seconds, e.g. <EpochLength>30</EpochLength>",
        ) from None
    if epoch_length is not None and abs(check_epoch_length(epoch_length) - length) > TOLERANCE:
        raise FileFormatError(
            path,
            f"EpochLength is {length:g} s but epoch_length={epoch_length:g} was given; each "
            "<SleepStage> is one epoch of the file's length, so another length would move "
            "every stage in time",
            "leave epoch_length unset",
        )
    return length


def profusion_hypnogram(root: ET.Element, path: Path, epoch_length: float | None) -> Hypnogram:
    """The sleep stages of a parsed Profusion XML document.

    Parameters
    ----------
    root : xml.etree.ElementTree.Element
        The ``CMPStudyConfig`` root element.
    path : Path
        The file (named in errors and as the hypnogram's ``source``).
    epoch_length : float or None
        Seconds per epoch; None uses the file's ``EpochLength`` (required then).
        A value that differs from ``EpochLength`` is refused.

    Returns
    -------
    Hypnogram
        One stage (E,) per ``SleepStage``, onset 0, start time unknown.

    Raises
    ------
    FileFormatError
        Missing or invalid ``EpochLength``, no or an empty ``SleepStages``,
        other elements in it, or codes outside :data:`PROFUSION_CODES` (all
        listed with the first epoch where each occurs).
    HypnogramError
        More than 7 days of epochs.
    """
    length = _epoch_length(root, path, epoch_length)
    container = _one_child(root, "SleepStages", path)
    if container is None:
        raise FileFormatError(
            path,
            "no <SleepStages> element: the file holds no sleep staging",
            "give the Profusion file of a scored study",
        )
    elements = list(container)
    others = sorted({element.tag for element in elements if element.tag != "SleepStage"})
    if others:
        raise FileFormatError(
            path,
            f"<SleepStages> holds {[f'<{tag}>' for tag in others][:5]} besides <SleepStage>",
            "give the file as exported by Profusion",
        )
    if not elements:
        raise FileFormatError(
            path,
            "<SleepStages> is empty: no epoch is scored",
            "give the Profusion file of a scored study",
        )
    source = str(path)
    check_epoch_count(len(elements), length, source)  # before any per-epoch work
    stages = np.empty(len(elements), dtype=np.int8)
    unknown: dict[str, int] = {}
    for index, element in enumerate(elements):
        text = (element.text or "").strip()
        stage = PROFUSION_CODES.get(int(text)) if text.isascii() and text.isdigit() else None
        if stage is None:
            unknown.setdefault(text, index + 1)
            continue
        stages[index] = stage
    if unknown:
        shown = [f"{code!r} (first at epoch {epoch})" for code, epoch in list(unknown.items())[:10]]
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise FileFormatError(
            path,
            f"SleepStage code(s) {', '.join(shown)}{more} are not Profusion stage codes "
            f"{_CODES_TEXT}",
            "check that this is a Compumedics Profusion file; other codes are not documented",
        )
    return Hypnogram(stages, length, 0.0, None, source)
