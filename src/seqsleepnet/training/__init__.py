"""Training with the paper's protocol: sequence windows, Adam, validation, best checkpoint.

:func:`train` runs one training (resumable, distributed under ``torchrun``);
:mod:`seqsleepnet.training.cross_validation` runs subject-wise folds and
pools their test predictions.
"""

from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.cross_validation import (
    Fold,
    make_folds,
    prepare_folds,
    read_folds,
    run_fold,
    write_folds,
)
from seqsleepnet.training.cv_summary import CVSummary, summarize_cv
from seqsleepnet.training.datasets import SequenceDataset, epoch_order
from seqsleepnet.training.loop import TrainResult, train
from seqsleepnet.training.selection import pick_subjects, select_recordings

__all__ = [
    "CVSummary",
    "Fold",
    "SequenceDataset",
    "TrainConfig",
    "TrainResult",
    "epoch_order",
    "make_folds",
    "pick_subjects",
    "prepare_folds",
    "read_folds",
    "run_fold",
    "select_recordings",
    "summarize_cv",
    "train",
    "write_folds",
]
