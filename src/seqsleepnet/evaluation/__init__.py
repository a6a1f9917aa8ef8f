"""Evaluation: metrics and confusion-matrix plots."""

from seqsleepnet.evaluation.metrics import (
    StagingMetrics,
    compute_metrics,
    confusion_matrix,
    markdown_table,
)

__all__ = [
    "StagingMetrics",
    "compute_metrics",
    "confusion_matrix",
    "markdown_table",
]
