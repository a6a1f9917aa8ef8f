"""Sleep-staging metrics: accuracy, Cohen's kappa, macro F1, sensitivity, specificity.

All metrics come from one confusion matrix over the five stages (rows: true
stage, columns: predicted stage, order W, N1, N2, N3, REM). Epochs whose true
or predicted stage is unscored (-1) are left out. Kappa is the plain Cohen's
kappa of the labels as given (no search over label permutations); it is
undefined (NaN, ``null`` in JSON) when both scorings use one and the same
stage only. A per-stage ratio whose denominator is zero counts as 0, as
scikit-learn's ``zero_division=0`` does, and the macro averages (F1,
sensitivity, specificity) run over the stages that occur in either scoring,
as scikit-learn's do: a night without N3 in either scoring is not marked down
for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import HypnogramError
from seqsleepnet.stages import STAGE_NAMES, UNSCORED

__all__ = [
    "NOT_USED",
    "StagingMetrics",
    "compute_metrics",
    "confusion_matrix",
    "kappa_text",
    "markdown_table",
    "row_normalised",
]

N_STAGES = len(STAGE_NAMES)


def _labels(values: npt.ArrayLike, name: str) -> npt.NDArray[np.int64]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise HypnogramError(f"{name} must be 1-D (one stage per epoch), got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise HypnogramError(f"{name} must hold integer stages -1..4, got dtype {array.dtype}")
    out = array.astype(np.int64)
    bad = (out < UNSCORED) | (out >= N_STAGES)
    if bad.any():
        raise HypnogramError(
            f"{name} holds {sorted({int(v) for v in out[bad]})[:10]}; allowed are "
            f"0..{N_STAGES - 1} (W..REM) and {UNSCORED} (unscored)"
        )
    return out


def confusion_matrix(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Count epochs per (true, predicted) stage pair.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (E,)
        Stages 0..4 (W..REM); -1 (unscored) in either leaves the epoch out.

    Returns
    -------
    numpy.ndarray of int64, shape (5, 5)
        ``cm[i, j]``: epochs of true stage i predicted as j.

    Raises
    ------
    HypnogramError
        If the arrays differ in length, are not 1-D or hold other values.
    """
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise HypnogramError(
            f"y_true has {t.size} epochs but y_pred has {p.size}; align them first"
        )
    keep = (t != UNSCORED) & (p != UNSCORED)
    flat = t[keep] * N_STAGES + p[keep]
    return np.bincount(flat, minlength=N_STAGES**2).reshape(N_STAGES, N_STAGES)


def row_normalised(confusion: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Each row of a confusion matrix as fractions of its true stage (a row of zeros stays 0).

    Parameters
    ----------
    confusion : array_like, shape (K, K)
        Counts, rows true stage.

    Returns
    -------
    numpy.ndarray of float64, shape (K, K)
        Rows sum to 1 (or 0 for a stage that never occurs).
    """
    cm = np.asarray(confusion, dtype=np.float64)
    rows = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)


def _ratio(num: npt.NDArray[np.float64], den: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


@dataclass(frozen=True)
class StagingMetrics:
    """Metrics of one comparison (all fractions in 0..1).

    Attributes
    ----------
    accuracy, kappa, macro_f1, sensitivity, specificity : float
        Overall accuracy, Cohen's kappa (NaN when undefined: one stage only in
        both), F1, recall and one-vs-rest specificity averaged over the stages
        that occur in either scoring.
    per_stage : dict
        ``{stage: {"precision", "recall", "f1", "specificity", "support"}}``.
    confusion : numpy.ndarray of int64, shape (5, 5)
        Rows true stage, columns predicted stage.
    epochs : int
        Number of epochs compared (scored in both).
    """

    accuracy: float
    kappa: float
    macro_f1: float
    sensitivity: float
    specificity: float
    per_stage: dict[str, dict[str, float]]
    confusion: npt.NDArray[np.int64]
    epochs: int

    @classmethod
    def from_confusion(cls, confusion: npt.ArrayLike) -> StagingMetrics:
        """Compute every metric from a (5, 5) confusion matrix."""
        cm = np.asarray(confusion, dtype=np.int64)
        if cm.shape != (N_STAGES, N_STAGES) or (cm < 0).any():
            raise HypnogramError(f"confusion must be a (5, 5) count matrix, got {cm.shape}")
        c = cm.astype(np.float64)
        total = c.sum()
        tp = np.diag(c)
        true_n, pred_n = c.sum(axis=1), c.sum(axis=0)
        precision, recall = _ratio(tp, pred_n), _ratio(tp, true_n)
        f1 = _ratio(2 * tp, true_n + pred_n)
        tn = total - true_n - pred_n + tp
        specificity = _ratio(tn, total - true_n)
        accuracy = float(tp.sum() / total) if total else 0.0
        expected = float((true_n * pred_n).sum() / total**2) if total else 0.0
        kappa = (accuracy - expected) / (1 - expected) if expected < 1 else float("nan")
        present = (true_n + pred_n) > 0  # the stages either scoring uses
        if not present.any():
            present[:] = True  # no epoch at all: every average is 0
        per_stage = {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "specificity": float(specificity[i]),
                "support": int(cm[i].sum()),
            }
            for i, name in enumerate(STAGE_NAMES)
        }
        return cls(
            accuracy=accuracy,
            kappa=float(kappa),
            macro_f1=float(f1[present].mean()),
            sensitivity=float(recall[present].mean()),
            specificity=float(specificity[present].mean()),
            per_stage=per_stage,
            confusion=cm,
            epochs=int(total),
        )

    def stage_used(self, stage: str) -> bool:
        """Whether either scoring uses ``stage`` (else its F1 and recall mean nothing)."""
        i = STAGE_NAMES.index(stage)
        return bool(self.confusion[i].sum() + self.confusion[:, i].sum() > 0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the keys of the command-line ``--json`` output."""
        return {
            "accuracy": self.accuracy,
            "kappa": None if np.isnan(self.kappa) else self.kappa,
            "macro_f1": self.macro_f1,
            "sensitivity": self.sensitivity,
            "specificity": self.specificity,
            "per_stage": self.per_stage,
            "confusion": self.confusion.tolist(),
            "epochs": self.epochs,
        }


NOT_USED = "n/a"
"""What tables show for the F1, recall and precision of a stage neither scoring uses."""


def kappa_text(kappa: float, digits: int = 3) -> str:
    """Kappa for people: its value, or ``undefined`` when both scorings use one stage only."""
    return "undefined (one stage only)" if np.isnan(kappa) else f"{kappa:.{digits}f}"


def compute_metrics(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> StagingMetrics:
    """Compare predicted stages with true stages.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (E,)
        Stages 0..4 (W, N1, N2, N3, REM); -1 (unscored) in either array
        leaves the epoch out.

    Returns
    -------
    StagingMetrics

    Raises
    ------
    HypnogramError
        If the arrays differ in length or hold values other than -1..4.
    """
    return StagingMetrics.from_confusion(confusion_matrix(y_true, y_pred))


def markdown_table(rows: dict[str, StagingMetrics]) -> str:
    """Markdown table in the paper's format, one row per entry.

    Columns: accuracy, kappa, macro F1, macro sensitivity and specificity
    (percent, kappa as a fraction) and the F1 of each stage (percent).

    Parameters
    ----------
    rows : dict of str to StagingMetrics
        Row label (e.g. the model name) to its metrics.

    Returns
    -------
    str
        The table, ending with a newline.
    """
    head = ["", "Acc", "κ", "MF1", "Sens", "Spec", *(f"{s} F1" for s in STAGE_NAMES), "epochs"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, m in rows.items():
        cells = [
            label,
            f"{100 * m.accuracy:.1f}",
            kappa_text(m.kappa),
            f"{100 * m.macro_f1:.1f}",
            f"{100 * m.sensitivity:.1f}",
            f"{100 * m.specificity:.1f}",
            *(
                f"{100 * m.per_stage[s]['f1']:.1f}" if m.stage_used(s) else NOT_USED
                for s in STAGE_NAMES
            ),
            str(m.epochs),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
