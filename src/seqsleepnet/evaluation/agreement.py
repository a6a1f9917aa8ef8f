"""Agreement of one night's predicted stages with the expert's, epoch by epoch.

One function, :func:`night_agreement`, serves ``evaluate`` (each night of a
folder) and ``stage --true`` (the report and ``stats.json``), so both give
the same figures for the same pair: the metrics of
:mod:`seqsleepnet.evaluation.metrics`, the confusion matrix (counts and
row-normalised), agreement next to expert stage changes
(:mod:`seqsleepnet.evaluation.transitions`) and the sleep statistics of both
scorings side by side (:mod:`seqsleepnet.evaluation.sleep_stats`). A night
with no epoch scored by both is *not comparable*: it has no accuracy, rather
than an accuracy of 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.evaluation.metrics import StagingMetrics, compute_metrics, row_normalised
from seqsleepnet.evaluation.sleep_stats import StatisticsComparison, compare_statistics
from seqsleepnet.evaluation.transitions import TransitionAgreement, transition_agreement
from seqsleepnet.stages import UNSCORED

__all__ = [
    "METRIC_DEFINITIONS",
    "NOTHING_COMPARABLE",
    "NightAgreement",
    "left_out",
    "night_agreement",
]

NOTHING_COMPARABLE = "nothing comparable: no epoch is scored by both the expert and the model"

METRIC_DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Accuracy", "share of the epochs scored by both where the stages agree"),
    (
        "Cohen's kappa",
        "agreement beyond chance: (accuracy - p_e) / (1 - p_e), p_e the agreement expected "
        "from each scorer's stage proportions; undefined when both score one stage only",
    ),
    (
        "Sensitivity, precision, F1",
        "per stage S: epochs both call S out of the expert's S epochs (sensitivity, recall), "
        "out of the model's S epochs (precision), and their harmonic mean (F1); macro F1 is the "
        "mean F1 of the stages either scorer uses",
    ),
    ("Specificity", "per stage S: epochs both call not-S out of the expert's not-S epochs"),
    (
        "Next to a stage change",
        "epochs scored by both whose previous or next epoch the expert scored with another "
        "stage; every other epoch scored by both is elsewhere",
    ),
)
"""Term and definition of each agreement measure, for footnotes."""


@dataclass(frozen=True)
class NightAgreement:
    """Agreement of one aligned pair of scorings.

    Attributes
    ----------
    metrics : StagingMetrics
        Over the epochs scored by both (``metrics.epochs`` of them).
    transitions : TransitionAgreement
    statistics : StatisticsComparison or None
        None when the pair has no epoch at all.
    """

    metrics: StagingMetrics
    transitions: TransitionAgreement
    statistics: StatisticsComparison | None

    @property
    def comparable(self) -> bool:
        """Whether any epoch is scored by both (else no metric is defined)."""
        return self.metrics.epochs > 0

    @property
    def confusion_normalised(self) -> npt.NDArray[np.float64]:
        """Rows of the confusion matrix as fractions of the true stage, shape (5, 5)."""
        return row_normalised(self.metrics.confusion)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; a pair with nothing comparable gives its reason and no metric."""
        if not self.comparable:
            return {"comparable": False, "epochs": 0, "message": NOTHING_COMPARABLE}
        return {
            "comparable": True,
            **self.metrics.to_dict(),
            "confusion_normalised": self.confusion_normalised.tolist(),
            "transitions": self.transitions.to_dict(),
            "statistics": None if self.statistics is None else self.statistics.to_dict(),
        }


def night_agreement(
    true: npt.ArrayLike,
    pred: npt.ArrayLike,
    epoch_length: float = 30.0,
    *,
    period: slice | None = None,
) -> NightAgreement:
    """Compare one night's aligned expert and predicted stages.

    Parameters
    ----------
    true, pred : array_like of int, shape (E,)
        Stages 0..4 (W..REM), -1 unscored; epoch i of one is epoch i of the other.
    epoch_length : float
        Seconds per epoch (for the sleep statistics).
    period : slice, optional
        The epochs of the analysed period (lights off to lights on): the sleep
        statistics of both scorings are computed over these, as the night's
        own statistics are; the epoch-by-epoch agreement covers every epoch.

    Returns
    -------
    NightAgreement

    Raises
    ------
    HypnogramError
        If the arrays differ in length or hold values other than -1..4.
    """
    t, p = np.asarray(true), np.asarray(pred)
    metrics = compute_metrics(t, p)
    within = slice(None) if period is None else period
    statistics = compare_statistics(t[within], p[within], epoch_length) if t[within].size else None
    return NightAgreement(metrics, transition_agreement(t, p), statistics)


def left_out(true: npt.ArrayLike, pred: npt.ArrayLike) -> str | None:
    """The aligned epochs an agreement leaves out, in words; None when both scored every one.

    Only epochs scored by both are compared. An epoch the expert scored and
    the model left unscored (a gap of a discontinuous recording, a span left
    out) is lost to the comparison as surely as the expert's own unscored
    epochs, and the count of compared epochs alone does not say which.

    Parameters
    ----------
    true, pred : array_like of int, shape (E,)
        Aligned expert and predicted stages; -1 unscored.

    Returns
    -------
    str or None
        For example ``"100 scored by the expert only, 2 by neither"``.
    """
    t, p = np.asarray(true) != UNSCORED, np.asarray(pred) != UNSCORED
    counts = (
        (int(np.count_nonzero(t & ~p)), "the expert only"),
        (int(np.count_nonzero(~t & p)), "the model only"),
        (int(np.count_nonzero(~t & ~p)), "neither"),
    )
    parts = [(n, who) for n, who in counts if n]
    if not parts:
        return None
    first, *rest = parts
    return ", ".join([f"{first[0]} scored by {first[1]}", *(f"{n} by {who}" for n, who in rest)])
