"""seqsleepnet: automatic sleep staging with SeqSleepNet (Phan et al., IEEE TNSRE 2019).

>>> from seqsleepnet import SleepStager               # doctest: +SKIP
>>> result = SleepStager.default().predict("night.edf")  # doctest: +SKIP
"""

from typing import Any

from seqsleepnet._version import __version__
from seqsleepnet.errors import SeqSleepNetError
from seqsleepnet.stages import STAGE_NAMES, UNSCORED, SleepStage

__all__ = [
    "STAGE_NAMES",
    "UNSCORED",
    "SeqSleepNetError",
    "SleepStage",
    "SleepStager",
    "StagingResult",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """Import the staging API on first use (it loads PyTorch and MNE)."""
    if name == "SleepStager":
        from seqsleepnet.staging import SleepStager

        return SleepStager
    if name == "StagingResult":
        from seqsleepnet.result import StagingResult

        return StagingResult
    raise AttributeError(f"module 'seqsleepnet' has no attribute {name!r}")
