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

import numpy as np
import pandas as pd

from seqsleepnet.errors import FileFormatError
from seqsleepnet.evaluation.metrics import StagingMetrics, compute_metrics, markdown_table
from seqsleepnet.evaluation.plots import plot_confusion
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.training.cross_validation import PREDICTIONS_NAME, fold_folder, read_folds

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
        Row label of the table (default: the model name of ``fold-0``'s run,
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
    folds, _ = read_folds(folder)
    missing = [
        f.index for f in folds if not (fold_folder(folder, f.index) / PREDICTIONS_NAME).is_file()
    ]
    if missing:
        raise FileFormatError(
            folder,
            f"fold(s) {missing} of {len(folds)} have no {PREDICTIONS_NAME}",
            "run 'seqsleepnet cv --fold K' for each of them first",
        )
    true, pred, rows = [], [], []
    for fold in folds:
        with np.load(fold_folder(folder, fold.index) / PREDICTIONS_NAME) as data:
            t, p, offsets = data["true"], data["pred"], data["offsets"]
            subjects = data["subjects"]
        true.append(t)
        pred.append(p)
        for subject in sorted(set(subjects.tolist())):
            index = np.flatnonzero(subjects == subject)
            sel = np.concatenate([np.arange(offsets[r], offsets[r + 1]) for r in index])
            m = compute_metrics(t[sel], p[sel])
            rows.append(
                {
                    "subject": subject,
                    "fold": fold.index,
                    "recordings": int(index.size),
                    "epochs": m.epochs,
                    "accuracy": m.accuracy,
                    "kappa": m.kappa,
                    "macro_f1": m.macro_f1,
                }
            )
    metrics = compute_metrics(np.concatenate(true), np.concatenate(pred))
    if label is None:
        config_path = fold_folder(folder, 0) / "run" / "config.json"
        label = json.loads(config_path.read_text())["model"] if config_path.is_file() else "pooled"
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
