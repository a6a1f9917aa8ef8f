"""seqsleepnet: automatic sleep staging with SeqSleepNet (Phan et al., IEEE TNSRE 2019).

>>> from seqsleepnet import SleepStager               # doctest: +SKIP
>>> result = SleepStager.default().predict("night.edf")  # doctest: +SKIP

Importing the package imports nothing but the standard library: the names below
load their module (NumPy, PyTorch, MNE) on first use, so the command line starts
fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from seqsleepnet._version import __version__
from seqsleepnet.errors import SeqSleepNetError

if TYPE_CHECKING:
    from seqsleepnet.result import StagingResult
    from seqsleepnet.stages import STAGE_NAMES, UNSCORED, SleepStage
    from seqsleepnet.staging import SleepStager

__all__ = [
    "STAGE_NAMES",
    "UNSCORED",
    "SeqSleepNetError",
    "SleepStage",
    "SleepStager",
    "StagingResult",
    "__version__",
]

_LAZY = {
    "STAGE_NAMES": "seqsleepnet.stages",
    "UNSCORED": "seqsleepnet.stages",
    "SleepStage": "seqsleepnet.stages",
    "SleepStager": "seqsleepnet.staging",
    "StagingResult": "seqsleepnet.result",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (NumPy, or PyTorch and MNE)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'seqsleepnet' has no attribute {name!r}")
