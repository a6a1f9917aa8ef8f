"""SHHS (Sleep Heart Health Study, distributed by the NSRR).

File naming: ``shhs1-2000ss.edf`` with its NSRR XML annotations
``shhs1-2000ss-nsrr.xml``, anywhere below the input folder, so the NSRR
layout (``polysomnography/edfs/shhs1/`` and
``polysomnography/annotations-events-nsrr/shhs1/``) works as downloaded. A
recording without them is paired with its Compumedics Profusion scoring
``shhs1-2000ss-profusion.xml`` (``annotations-events-profusion/``), which holds
the same stages without a start time.
Recording id: the file stem (``shhs1-200001``); subject: the number
(``200001``), shared by a participant's two visits; night: 1 for ``shhs1``,
2 for ``shhs2``.
"""

from __future__ import annotations

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

__all__ = ["ShhsSource"]

_PSG = re.compile(r"(?P<key>shhs(?P<visit>[12])-(?P<subject>\d+))\.edf", re.IGNORECASE)
_HYPNOGRAM = re.compile(r"(?P<key>shhs[12]-\d+)-(?P<kind>nsrr|profusion)\.xml", re.IGNORECASE)


class ShhsSource(DatasetSource):
    """Pairs ``shhsV-NNNNNN.edf`` with ``shhsV-NNNNNN-nsrr.xml``, else ``-profusion.xml``."""

    name: ClassVar[str] = "shhs"
    in_bed_default: ClassVar[bool] = False
    hypnogram_name: ClassVar[re.Pattern[str] | None] = _HYPNOGRAM

    def pair(self, files: Sequence[Path], root: Path) -> SourceListing:
        """Pair the SHHS files among ``files``."""
        pairs, unpaired = pair_by_key(_nsrr_first(files), _PSG, _HYPNOGRAM)
        specs = [
            RecordingSpec(
                recording=match.group("key").lower(),
                subject=match.group("subject"),
                night=int(match.group("visit")),
                psg=psg,
                hypnogram=hypnogram,
            )
            for match, psg, hypnogram in pairs
        ]
        return SourceListing(specs, unpaired)

    def describe(self) -> str:
        """Expected naming."""
        return "shhs1-2000ss.edf + shhs1-2000ss-nsrr.xml (or shhs1-2000ss-profusion.xml)"


def _nsrr_first(files: Sequence[Path]) -> list[Path]:
    """``files`` without the Profusion scorings of recordings that have an NSRR XML."""
    kinds = [(f, _HYPNOGRAM.fullmatch(f.name)) for f in files]
    nsrr = {m.group("key").upper() for _, m in kinds if m and m.group("kind").lower() == "nsrr"}
    return [
        f
        for f, m in kinds
        if not (m and m.group("kind").lower() == "profusion" and m.group("key").upper() in nsrr)
    ]
