"""EDF+ hypnograms (Sleep-EDF, MASS): annotations ``Sleep stage W/1/2/3/4/R/?``.

Reading and writing both go through :mod:`edfio`, which parses and writes the
EDF+ header and time-stamped annotation lists; this module only maps
annotations to epochs. An annotation may span several epochs (Sleep-EDF
merges runs of the same stage); annotations must be contiguous.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from pathlib import Path

import edfio

from seqsleepnet.errors import FileFormatError, HypnogramError, UnknownStageError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.edf_header import check_edf_year, read_edf_header
from seqsleepnet.io.hypnogram_formats import check_size, events_to_stages, run_lengths
from seqsleepnet.stages import EPOCH_SECONDS, UNSCORED, parse_stages

__all__ = ["EDF_LABELS", "encode_edf", "read_edf_hypnogram"]

EDF_LABELS: dict[int, str] = {
    0: "Sleep stage W",
    1: "Sleep stage 1",
    2: "Sleep stage 2",
    3: "Sleep stage 3",
    4: "Sleep stage R",
    UNSCORED: "Sleep stage ?",
}
"""Label written for each stage index (Sleep-EDF convention: N3 as "Sleep stage 3")."""

_EDF_MAGIC = b"0       "
# edfio parses untrusted bytes; damaged headers surface as assorted exceptions
# (seen: ValueError, IndexError, UnicodeError, UnboundLocalError)
_PARSE_ERRORS = (
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    UnicodeError,
    OverflowError,
    EOFError,
    NameError,
    AttributeError,
    ZeroDivisionError,
    MemoryError,
)


def _start_time(edf: edfio.Edf) -> dt.datetime | None:
    """Wall clock of the recording start from the header, or None if anonymised."""
    try:
        return dt.datetime.combine(edf.startdate, edf.starttime)
    except (edfio.AnonymizedDateError, ValueError):
        return None


def read_edf_hypnogram(path: Path, epoch_length: float | None) -> Hypnogram:
    """Read stage annotations from an EDF+ file.

    Parameters
    ----------
    path : Path
        EDF+ file with stage annotations (signals, if any, are not loaded).
    epoch_length : float or None
        Seconds per epoch; None infers it as in
        :func:`~seqsleepnet.io.hypnogram_formats.events_to_stages`.

    Returns
    -------
    Hypnogram
        Labels (E,), the first annotation's onset and the header's start time.

    Raises
    ------
    FileFormatError
        If the file is not EDF, is truncated, cannot be parsed, or holds no
        annotations.
    UnknownStageError
        Listing every annotation text that is not a sleep stage.
    HypnogramError
        On gaps, overlaps, negative onsets or durations off the epoch grid.
    """
    with open(path, "rb") as handle:
        magic = handle.read(8)
    if magic != _EDF_MAGIC:
        raise FileFormatError(
            path,
            "not an EDF file (the header does not start with version '0')",
            "give an EDF+ hypnogram such as Sleep-EDF's *-Hypnogram.edf",
        )
    header = read_edf_header(path)  # bounded and self-consistent before edfio sizes anything
    annotation_bytes = (
        2 * header.n_records * sum(s.samples_per_record for s in header.signals if s.is_annotation)
    )
    check_size(path, annotation_bytes, what="annotation section")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # truncation is refused above, by the header
            edf = edfio.read_edf(path, lazy_load_data=True)
            annotations = edf.annotations
    except _PARSE_ERRORS as error:
        raise FileFormatError(
            path,
            f"EDF header or annotations cannot be parsed ({error!r})",
            "check that the file is a complete EDF+ file",
        ) from None
    if not annotations:
        raise FileFormatError(
            path,
            "EDF file holds no annotations",
            "a hypnogram must be EDF+ with 'Sleep stage ...' annotations",
        )
    source = str(path)
    try:
        stages = parse_stages([a.text.strip() for a in annotations])
    except UnknownStageError as error:
        raise UnknownStageError(error.labels, source=source, mixed=error.mixed) from None
    missing = [a.onset for a in annotations if a.duration is None]
    if missing:
        raise HypnogramError(
            f"{source}: annotation at onset {missing[0]:g} s has no duration; "
            "stage annotations must give their duration"
        )
    return events_to_stages(
        [a.onset for a in annotations],
        [float(a.duration or 0.0) for a in annotations],
        stages,
        epoch_length,
        source,
        _start_time(edf),
    )


def encode_edf(hypnogram: Hypnogram) -> bytes:
    """EDF+ annotations-only file with ``Sleep stage X`` annotations.

    With 30-s epochs each run of a stage becomes one annotation (as in
    Sleep-EDF). With other epoch lengths every epoch gets its own annotation
    (as in MASS), so that a reader can infer the epoch length from the file.
    """
    length = hypnogram.epoch_length
    if length == EPOCH_SECONDS:
        runs = run_lengths(hypnogram.stages)
    else:
        runs = [(i, 1, int(stage)) for i, stage in enumerate(hypnogram.stages)]
    annotations = [
        edfio.EdfAnnotation(
            onset=hypnogram.onset + start * length,
            duration=count * length,
            text=EDF_LABELS[stage],
        )
        for start, count, stage in runs
    ]
    start = hypnogram.start_time
    if start is not None:
        check_edf_year(start, hypnogram.source, "the EDF+ header")
    recording = edfio.Recording(startdate=start.date()) if start is not None else None
    edf = edfio.Edf(
        signals=[],
        annotations=annotations,
        starttime=start.time().replace(tzinfo=None) if start is not None else None,
        recording=recording,
    )
    buffer = io.BytesIO()
    edf.write(buffer)
    return buffer.getvalue()
