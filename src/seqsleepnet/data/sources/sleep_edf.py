"""Sleep-EDF Expanded: sleep-cassette (SC) and sleep-telemetry (ST) recordings.

File naming (PhysioNet ``sleep-edfx``)::

    SC4ssNE0-PSG.edf   SC4ssNEx-Hypnogram.edf   (cassette: subject ss, night N)
    ST7ssNJ0-PSG.edf   ST7ssNJx-Hypnogram.edf   (telemetry: subject ss, night N)

A PSG and its hypnogram share their first 7 characters; the 8th character
of the hypnogram names the scorer. Recording ids are the PSG stems without
``-PSG`` (``SC4001E0``). Subjects are ``ss`` for the cassette study
(``"00"``..``"82"``) and ``STss`` for the telemetry study, whose subject
numbers are a different set of people. Cassette recordings last about a
day, so this source keeps only the in-bed period by default (30 minutes of
wake before the first and after the last sleep epoch).

:func:`download_sleep_edf` fetches cassette recordings with MNE's fetcher.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from seqsleepnet.data.sources.base import (
    DatasetSource,
    RecordingSpec,
    SourceListing,
    pair_by_key,
)
from seqsleepnet.errors import ConfigError

__all__ = ["SleepEdfSource", "download_sleep_edf"]

log = logging.getLogger(__name__)

_PSG = re.compile(
    r"(?P<key>(?P<study>SC4|ST7)(?P<subject>\d\d)(?P<night>\d))[A-Z0-9]0-PSG\.edf", re.IGNORECASE
)
_HYPNOGRAM = re.compile(r"(?P<key>(?:SC4|ST7)\d{3})[A-Z0-9]{2}-Hypnogram\.edf", re.IGNORECASE)

CASSETTE_SUBJECTS = range(83)
"""Subject numbers of the sleep-cassette study (39, 68, 69, 78 and 79 were not published)."""


class SleepEdfSource(DatasetSource):
    """Pairs ``*-PSG.edf`` with ``*-Hypnogram.edf`` by their first 7 characters (recursive)."""

    name: ClassVar[str] = "sleep-edf"
    in_bed_default: ClassVar[bool] = True
    hypnogram_name: ClassVar[re.Pattern[str] | None] = _HYPNOGRAM

    def pair(self, files: Sequence[Path], root: Path) -> SourceListing:
        """Pair the Sleep-EDF files among ``files``."""
        pairs, unpaired = pair_by_key(files, _PSG, _HYPNOGRAM)
        specs = []
        for match, psg, hypnogram in pairs:
            study = match.group("study").upper()
            subject = match.group("subject")
            specs.append(
                RecordingSpec(
                    recording=psg.name[: -len("-PSG.edf")].upper(),
                    subject=subject if study == "SC4" else f"ST{subject}",
                    night=int(match.group("night")),
                    psg=psg,
                    hypnogram=hypnogram,
                )
            )
        return SourceListing(specs, unpaired)

    def describe(self) -> str:
        """Expected naming."""
        return (
            "SC4ssNE0-PSG.edf + SC4ssNEx-Hypnogram.edf or ST7ssNJ0-PSG.edf + ST7ssNJx-Hypnogram.edf"
        )


def _fetch(subjects: list[int], nights: list[int], path: Path | None) -> list[list[str]]:
    """The network call: MNE's PhysioNet fetcher (downloads what is not cached yet)."""
    from mne.datasets.sleep_physionet.age import fetch_data

    return fetch_data(
        subjects=subjects,
        recording=nights,
        path=None if path is None else str(path),
        on_missing="warn",
        verbose="error",
    )


def download_sleep_edf(
    subjects: Sequence[int], nights: Sequence[int] = (1, 2), path: str | Path | None = None
) -> list[tuple[Path, Path]]:
    """Download Sleep-EDF sleep-cassette recordings from PhysioNet (needs internet).

    Files already present are not downloaded again. Prepare them afterwards with
    ``seqsleepnet prepare --source sleep-edf --input PATH``.

    Parameters
    ----------
    subjects : sequence of int
        Cassette subject numbers, 0..82 (39, 68, 69, 78, 79 do not exist;
        missing recordings are skipped with a warning).
    nights : sequence of int
        Nights per subject: ``(1,)``, ``(2,)`` or ``(1, 2)``.
    path : str or Path, optional
        Download folder; MNE's default (``~/mne_data``) when omitted.

    Returns
    -------
    list of (Path, Path)
        ``(psg, hypnogram)`` per downloaded recording.

    Raises
    ------
    ConfigError
        If a subject or night number is out of range.
    """
    subject_list = sorted({int(s) for s in subjects})
    night_list = sorted({int(n) for n in nights})
    bad = [s for s in subject_list if s not in CASSETTE_SUBJECTS]
    if bad or not subject_list:
        raise ConfigError(
            f"subjects must be sleep-cassette subject numbers 0..82, got {list(subjects)}"
        )
    if not night_list or any(n not in (1, 2) for n in night_list):
        raise ConfigError(f"nights must be 1 and/or 2, got {list(nights)}")
    folder = None if path is None else Path(path)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    log.info("fetching Sleep-EDF subjects %s, nights %s", subject_list, night_list)
    fetched = _fetch(subject_list, night_list, folder)
    return [(Path(psg), Path(hypnogram)) for psg, hypnogram in fetched]
