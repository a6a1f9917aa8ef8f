"""ISRUC-Sleep (Khalighi et al. 2016, https://sleeptight.isr.uc.pt/).

File naming: one folder per subject, inside subgroup folders, searched
recursively::

    <subgroup>/<s>/<s>.rec     PSG (EDF with the extension .rec; C3-A2, C4-A1,
                               LOC-A2, ROC-A1, X1 = chin EMG, ...)
    <subgroup>/<s>/<s>_1.txt   stages of scorer 1, one code per 30-s epoch
    <subgroup>/<s>/<s>_2.txt   stages of scorer 2

Each ``.rec`` is paired with the file of one scorer in its folder (scorer 1
by default), read in the ``isruc`` format (0 W, 1 N1, 2 N2, 3 N3, 5 REM; see
:mod:`seqsleepnet.io.hypnogram_isruc`). The subject id is the subject
folder's path below the input folder, parts joined by ``-`` (``subgroupI-1``
when the input holds subgroup folders, ``1`` when it is a subgroup folder);
it is also the recording id, one night per folder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from seqsleepnet.data.sources.base import DatasetSource, RecordingSpec, SourceListing
from seqsleepnet.errors import ConfigError

__all__ = ["IsrucSource"]

_PSG = re.compile(r"(?P<key>\d+)\.rec", re.IGNORECASE)
_SCORERS = (1, 2)


class IsrucSource(DatasetSource):
    """Pairs ``<s>/<s>.rec`` with ``<s>/<s>_<scorer>.txt`` (recursive).

    Parameters
    ----------
    scorer : {1, 2}
        Whose stages to use.

    Raises
    ------
    ConfigError
        If ``scorer`` is not 1 or 2.
    """

    name: ClassVar[str] = "isruc"
    in_bed_default: ClassVar[bool] = False

    def __init__(self, scorer: int = 1) -> None:
        if isinstance(scorer, bool) or scorer not in _SCORERS:
            raise ConfigError(f"ISRUC scorer must be one of {list(_SCORERS)}, got {scorer!r}")
        self.scorer = scorer

    def pair(self, files: Sequence[Path], root: Path) -> SourceListing:
        """Pair the ISRUC-Sleep files among ``files`` (a scorer file beside its ``.rec``)."""
        scored = re.compile(rf"(?P<key>\d+)_{self.scorer}\.txt", re.IGNORECASE)
        psgs: dict[tuple[Path, str], Path] = {}
        scores: dict[tuple[Path, str], Path] = {}
        for path in files:
            if (match := _PSG.fullmatch(path.name)) is not None:
                psgs[(path.parent, match.group("key"))] = path
            elif (match := scored.fullmatch(path.name)) is not None:
                scores[(path.parent, match.group("key"))] = path
        specs = []
        for key, psg in psgs.items():
            if key in scores:
                subject = _subject(psg.parent, root)
                specs.append(RecordingSpec(subject, subject, 1, psg, scores[key], "isruc"))
        unpaired = [psg for key, psg in psgs.items() if key not in scores]
        unpaired += [path for key, path in scores.items() if key not in psgs]
        return SourceListing(specs, unpaired)

    def describe(self) -> str:
        """Expected naming."""
        return f"'<s>/<s>.rec' + '<s>/<s>_{self.scorer}.txt'"


def _subject(folder: Path, input_dir: Path) -> str:
    """Subject id of a subject folder: its path below ``input_dir``, joined by ``-``."""
    parts = folder.relative_to(input_dir).parts if folder.is_relative_to(input_dir) else ()
    return "-".join(parts) if parts else folder.resolve().name
