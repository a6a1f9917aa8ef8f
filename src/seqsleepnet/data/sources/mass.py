"""MASS (Montreal Archive of Sleep Studies).

File naming: ``01-03-00ss PSG.edf`` with its EDF+ annotations
``01-03-00ss Base.edf`` (``Sleep stage W/1/2/3/4/R/?``), searched
recursively. The recording id ``01-03-00ss`` (cohort-subset-subject) is also
the subject id; each subject has one night. MASS annotations start a few
seconds after the PSG, which prepare handles by starting the epoch grid at
the first annotation. Subsets scored in 20-s epochs (SS2, SS4, SS5) cannot
be used with 30-s models and fail with a message saying so.
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

__all__ = ["MassSource"]

_PSG = re.compile(r"(?P<key>\d{2}-\d{2}-\d{4}) PSG\.edf", re.IGNORECASE)
_HYPNOGRAM = re.compile(r"(?P<key>\d{2}-\d{2}-\d{4}) Base\.edf", re.IGNORECASE)


class MassSource(DatasetSource):
    """Pairs ``<id> PSG.edf`` with ``<id> Base.edf`` (recursive)."""

    name: ClassVar[str] = "mass"
    in_bed_default: ClassVar[bool] = False
    hypnogram_name: ClassVar[re.Pattern[str] | None] = _HYPNOGRAM

    def pair(self, files: Sequence[Path], root: Path) -> SourceListing:
        """Pair the MASS files among ``files``."""
        pairs, unpaired = pair_by_key(files, _PSG, _HYPNOGRAM)
        specs = [
            RecordingSpec(match.group("key"), match.group("key"), 1, psg, hypnogram)
            for match, psg, hypnogram in pairs
        ]
        return SourceListing(specs, unpaired)

    def describe(self) -> str:
        """Expected naming."""
        return "'01-03-00ss PSG.edf' + '01-03-00ss Base.edf'"
