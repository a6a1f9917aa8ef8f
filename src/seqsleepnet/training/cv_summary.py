"""Pool the test predictions of every cross-validation fold into one set of metrics.

Writes into the cross-validation folder: ``metrics.json`` (the pooled
metrics, as ``evaluate --json`` prints them, plus ``folds``), ``summary.md``
(the paper's table), ``confusion.png`` and ``per_subject.tsv`` (one row per
test subject: fold, recordings, epochs, accuracy, kappa, macro F1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from seqsleepnet.evaluation.metrics import StagingMetrics, compute_metrics, markdown_table
from seqsleepnet.evaluation.plots import plot_confusion
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.training.cv_results import read_cv_results

__all__ = ["CVSummary", "summarize_cv"]


@dataclass(frozen=True)
class CVSummary:
    """Pooled cross-validation results."""

    metrics: StagingMetrics
    per_subject: pd.DataFrame
    table: str  # Markdown, the paper's format


def summarize_cv(cv: Path, *, label: str | None = None) -> CVSummary:
    """Pool every fold's test predictions and write the summary files.

    Parameters
    ----------
    cv : Path
        Cross-validation folder (``folds.json`` and ``fold-k/predictions.npz``).
    label : str, optional
        Row label of the table (default: the model name of the first fold's run,
        else ``"pooled"``).

    Returns
    -------
    CVSummary

    Raises
    ------
    FileFormatError
        If ``folds.json`` is missing, or folds have no predictions yet (all
        missing folds are named).
    """
    folder = Path(cv)
    results = read_cv_results(folder)
    rows = []
    for subject in results.subjects.values():
        m = compute_metrics(subject.true, subject.pred)
        rows.append(
            {
                "subject": subject.subject,
                "fold": subject.fold,
                "recordings": subject.recordings,
                "epochs": m.epochs,
                "accuracy": m.accuracy,
                "kappa": m.kappa,
                "macro_f1": m.macro_f1,
            }
        )
    metrics = compute_metrics(*results.pooled())
    folds = results.folds
    if label is None:
        label = results.model or "pooled"
    table = markdown_table({label: metrics})
    per_subject = pd.DataFrame(rows)
    with atomic_write(folder / "metrics.json") as handle:
        json.dump({**metrics.to_dict(), "folds": len(folds)}, handle, indent=1)
    with atomic_write(folder / "summary.md") as handle:
        handle.write(f"Pooled test predictions of {len(folds)} folds.\n\n{table}")
    with atomic_write(folder / "per_subject.tsv") as handle:
        per_subject.to_csv(handle, sep="\t", index=False, float_format="%.4f")
    plot_confusion(metrics.confusion, folder / "confusion.png", title=f"{label}: pooled test folds")
    return CVSummary(metrics, per_subject, table)
