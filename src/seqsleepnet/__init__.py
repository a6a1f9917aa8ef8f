"""seqsleepnet: automatic sleep staging with SeqSleepNet (Phan et al., IEEE TNSRE 2019)."""

from seqsleepnet.errors import SeqSleepNetError
from seqsleepnet.stages import STAGE_NAMES, UNSCORED, SleepStage

__version__ = "0.1.0"

__all__ = ["STAGE_NAMES", "UNSCORED", "SeqSleepNetError", "SleepStage", "__version__"]
