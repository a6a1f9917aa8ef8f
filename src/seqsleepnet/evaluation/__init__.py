"""Evaluation: metrics, aggregation of overlapping windows, confusion-matrix plots."""

from seqsleepnet.evaluation.aggregate import aggregate_windows, window_starts
from seqsleepnet.evaluation.metrics import (
    StagingMetrics,
    compute_metrics,
    confusion_matrix,
    markdown_table,
)

__all__ = [
    "StagingMetrics",
    "aggregate_windows",
    "compute_metrics",
    "confusion_matrix",
    "markdown_table",
    "window_starts",
]
