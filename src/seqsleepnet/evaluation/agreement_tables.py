"""The tables of an agreement study: console Markdown and the frames written as CSV."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from seqsleepnet.evaluation.bland_altman import BlandAltman
from seqsleepnet.evaluation.cohort_agreement import CohortAgreement, EvaluatedNight
from seqsleepnet.evaluation.metrics import row_normalised
from seqsleepnet.evaluation.pooled import POOLED_METRICS, metric_values
from seqsleepnet.evaluation.sleep_stats import COMPARED_STATISTICS
from seqsleepnet.evaluation.transitions import TransitionAgreement
from seqsleepnet.stages import STAGE_NAMES, UNSCORED, stage_names

__all__ = [
    "BLAND_ALTMAN_HEADER",
    "METRICS_HEADER",
    "METRIC_LABELS",
    "bland_altman_frame",
    "bland_altman_markdown",
    "bland_altman_rows",
    "confusion_frame",
    "confusion_markdown",
    "epochs_frame",
    "metrics_markdown",
    "metrics_rows",
    "nights_frame",
    "summary_markdown",
    "transitions_line",
]

METRIC_LABELS: dict[str, str] = {
    "accuracy": "accuracy",
    "kappa": "Cohen's kappa",
    "macro_f1": "macro F1",
    "sensitivity": "sensitivity (mean over stages)",
    "specificity": "specificity (mean over stages)",
    **{f"f1_{s}": f"F1 {s}" for s in STAGE_NAMES},
}
"""Row label of each of :data:`~seqsleepnet.evaluation.pooled.POOLED_METRICS`."""


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _value(name: str, value: float) -> str:
    """Kappa as a fraction, every other metric in percent; "-" where undefined (NaN)."""
    if math.isnan(value):
        return "-"
    return f"{value:.3f}" if name == "kappa" else f"{100 * value:.1f}%"


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


METRICS_HEADER = ["metric", "pooled", "95% CI", "mean of nights", "SD of nights"]


def metrics_rows(cohort: CohortAgreement) -> list[list[str]]:
    """Rows of :data:`METRICS_HEADER`: pooled metric, bootstrap CI, mean and SD over nights.

    Percent, kappa as a fraction.
    """
    pooled = metric_values(cohort.pooled)
    rows = []
    for name in POOLED_METRICS:
        ci = "-" if cohort.ci is None else " to ".join(_value(name, v) for v in cohort.ci[name])
        spread = cohort.across_nights[name]
        rows.append(
            [
                METRIC_LABELS[name],
                _value(name, pooled[name]),
                ci,
                _value(name, spread["mean"]),
                _value(name, spread["sd"]),
            ]
        )
    return rows


def metrics_markdown(cohort: CohortAgreement) -> str:
    """:func:`metrics_rows` as a Markdown table."""
    return _markdown(METRICS_HEADER, metrics_rows(cohort))


def confusion_markdown(confusion: npt.ArrayLike) -> str:
    """Counts with the percent of the expert stage, rows expert, columns predicted."""
    cm = np.asarray(confusion, dtype=np.int64)
    share = 100 * row_normalised(cm)
    rows = [
        [name, *(f"{cm[i, j]} ({share[i, j]:.1f}%)" for j in range(len(STAGE_NAMES)))]
        for i, name in enumerate(STAGE_NAMES)
    ]
    return _markdown(["expert \\ predicted", *STAGE_NAMES], rows)


def transitions_line(transitions: TransitionAgreement) -> str:
    """Agreement next to expert stage changes versus elsewhere, in one sentence."""

    def part(accuracy: float | None, epochs: int) -> str:
        return "no epoch" if accuracy is None else f"{100 * accuracy:.1f}% of {epochs} epochs"

    return (
        "Agreement next to an expert stage change: "
        f"{part(transitions.near_accuracy, transitions.near_epochs)}; elsewhere: "
        f"{part(transitions.other_accuracy, transitions.other_epochs)}"
    )


def _p_value(p: float | None) -> str:
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _interval(pair: tuple[float, float] | None, digits: int = 1) -> str:
    return "-" if pair is None else f"{pair[0]:.{digits}f} to {pair[1]:.{digits}f}"


BLAND_ALTMAN_HEADER = [
    "statistic",
    "nights",
    "bias",
    "95% CI of bias",
    "95% limits of agreement",
    "slope on mean",
    "p (slope)",
]


def bland_altman_rows(results: dict[str, BlandAltman]) -> list[list[str]]:
    """Rows of :data:`BLAND_ALTMAN_HEADER`, one per statistic with a result."""
    rows = []
    for statistic in COMPARED_STATISTICS:
        ba = results.get(statistic.key)
        if ba is None:
            continue
        limits = None if ba.loa_low is None or ba.loa_high is None else (ba.loa_low, ba.loa_high)
        rows.append(
            [
                f"{statistic.label} ({statistic.unit})",
                str(ba.n),
                f"{ba.bias:+.1f}",
                _interval(ba.bias_ci),
                _interval(limits),
                _number(ba.slope, 3),
                _p_value(ba.slope_p),
            ]
        )
    return rows


def bland_altman_markdown(results: dict[str, BlandAltman]) -> str:
    """:func:`bland_altman_rows` as a Markdown table."""
    return _markdown(BLAND_ALTMAN_HEADER, bland_altman_rows(results))


def summary_markdown(cohort: CohortAgreement) -> str:
    """Everything ``evaluate`` prints after the per-night lines."""
    nights = len(cohort.comparable)
    resampled = (
        f"bootstrap 95% CI over nights ({cohort.n_boot} resamples, seed {cohort.seed})"
        if cohort.ci is not None
        else "no confidence interval from a single night"
    )
    trimmed = (
        f"; wake kept up to {cohort.wake_trim_min:g} min around the expert's sleep"
        if cohort.wake_trim_min is not None
        else ""
    )
    return "\n\n".join(
        [
            f"Pooled over {nights} night(s), {cohort.pooled.epochs} epochs; {resampled}{trimmed}",
            metrics_markdown(cohort),
            "Confusion matrix (epochs and % of the expert stage)",
            confusion_markdown(cohort.pooled.confusion),
            transitions_line(cohort.transitions),
            f"Bland-Altman agreement over nights (predicted - expert)\n\n"
            f"{bland_altman_markdown(cohort.bland_altman)}",
        ]
    )


def epochs_frame(night: EvaluatedNight) -> pd.DataFrame:
    """One row per compared epoch: onset, duration, expert and predicted stage, agreement.

    ``onset`` is in seconds from the expert recording's start; ``agree`` is
    empty where either stage is unscored (``UNS``).
    """
    length = night.comparison.epoch_length
    scored = (night.true != UNSCORED) & (night.pred != UNSCORED)
    agree = np.where(scored, (night.true == night.pred).astype(int).astype(str), "")
    return pd.DataFrame(
        {
            "onset": night.onset + np.arange(night.true.size) * length,
            "duration": np.full(night.true.size, length),
            "true": stage_names(night.true),
            "pred": stage_names(night.pred),
            "agree": agree,
        }
    )


def _night_row(night: EvaluatedNight) -> dict[str, Any]:
    a = night.agreement
    row: dict[str, Any] = {
        "night": night.name,
        "true_file": str(night.comparison.true_file),
        "pred_file": str(night.comparison.pred_file),
        "epochs": a.metrics.epochs,
        "comparable": a.comparable,
    }
    if a.comparable:
        row.update(metric_values(a.metrics))
        for stage, values in a.metrics.per_stage.items():
            row[f"sensitivity_{stage}"] = values["recall"]
            row[f"specificity_{stage}"] = values["specificity"]
            row[f"precision_{stage}"] = values["precision"]
        row["near_change_accuracy"] = a.transitions.near_accuracy
        row["elsewhere_accuracy"] = a.transitions.other_accuracy
    if a.statistics is not None:
        for statistic in COMPARED_STATISTICS:
            row[f"{statistic.key}_expert"] = a.statistics.expert[statistic.key]
            row[f"{statistic.key}_predicted"] = a.statistics.predicted[statistic.key]
    return row


def nights_frame(cohort: CohortAgreement) -> pd.DataFrame:
    """One row per night: metrics (fractions), transition agreement and both scorings' statistics.

    A night with nothing comparable has its name, files and ``comparable`` False only.
    """
    return pd.DataFrame([_night_row(n) for n in cohort.nights])


def confusion_frame(confusion: npt.ArrayLike) -> pd.DataFrame:
    """Rows expert stage; columns ``count_<stage>`` then ``fraction_<stage>`` (of the row)."""
    cm = np.asarray(confusion, dtype=np.int64)
    share = row_normalised(cm)
    frame = pd.DataFrame({"expert": list(STAGE_NAMES)})
    for j, stage in enumerate(STAGE_NAMES):
        frame[f"count_{stage}"] = cm[:, j]
    for j, stage in enumerate(STAGE_NAMES):
        frame[f"fraction_{stage}"] = share[:, j]
    return frame


def bland_altman_frame(results: dict[str, BlandAltman]) -> pd.DataFrame:
    """One row per statistic, with its unit; confidence intervals split into low and high."""
    rows = []
    for statistic in COMPARED_STATISTICS:
        ba = results.get(statistic.key)
        if ba is None:
            continue
        bias_ci = ba.bias_ci or (None, None)
        slope_ci = ba.slope_ci or (None, None)
        rows.append(
            {
                "statistic": statistic.key,
                "unit": statistic.unit,
                "nights": ba.n,
                "bias": ba.bias,
                "bias_ci_low": bias_ci[0],
                "bias_ci_high": bias_ci[1],
                "sd": ba.sd,
                "loa_low": ba.loa_low,
                "loa_high": ba.loa_high,
                "slope": ba.slope,
                "slope_ci_low": slope_ci[0],
                "slope_ci_high": slope_ci[1],
                "slope_p": ba.slope_p,
                "intercept": ba.intercept,
            }
        )
    return pd.DataFrame(rows)
