"""The self-contained HTML page of ``evaluate --out``: agreement over a set of nights."""

from __future__ import annotations

import html

from seqsleepnet._version import __version__
from seqsleepnet.evaluation.agreement import METRIC_DEFINITIONS
from seqsleepnet.evaluation.agreement_plots import bland_altman_figure
from seqsleepnet.evaluation.agreement_tables import (
    BLAND_ALTMAN_HEADER,
    METRICS_HEADER,
    bland_altman_rows,
    metrics_rows,
    transitions_line,
)
from seqsleepnet.evaluation.bland_altman import LOA_Z
from seqsleepnet.evaluation.cohort_agreement import CohortAgreement
from seqsleepnet.evaluation.metrics import kappa_text
from seqsleepnet.evaluation.plots import confusion_figure
from seqsleepnet.evaluation.sleep_stats import STATISTIC_TERMS
from seqsleepnet.report.html_parts import STYLE, confusion_table, definitions, png, table

__all__ = ["render_evaluation_page"]


def _bland_altman(cohort: CohortAgreement) -> str:
    if not cohort.bland_altman:
        return "<p>No sleep statistic is defined in both scorings of any night.</p>"
    values = {key: cohort.paired_statistic(key) for key in cohort.bland_altman}
    figure = bland_altman_figure(cohort.bland_altman, values)
    return table(BLAND_ALTMAN_HEADER, bland_altman_rows(cohort.bland_altman)) + png(
        figure, "Bland-Altman plots"
    )


def _nights(cohort: CohortAgreement) -> str:
    rows = []
    for n in cohort.nights:
        a = n.agreement
        if not a.comparable:
            rows.append([n.name, "0", "-", "-", "-", "nothing comparable"])
            continue
        m = a.metrics
        rows.append(
            [
                n.name,
                str(m.epochs),
                f"{100 * m.accuracy:.1f} %",
                kappa_text(m.kappa),
                f"{100 * m.macro_f1:.1f} %",
                "",
            ]
        )
    return table(["night", "epochs", "accuracy", "kappa", "macro F1", ""], rows)


def _footnote(cohort: CohortAgreement) -> str:
    return definitions(
        [
            *STATISTIC_TERMS,
            (
                "Pooled",
                "computed from the confusion matrix summed over the nights; the 95% CI is the "
                f"percentile bootstrap over nights ({cohort.n_boot} resamples, seed "
                f"{cohort.seed})",
            ),
            (
                "Bland-Altman",
                "per night, difference = predicted - expert; bias: the mean difference with its "
                f"t-based 95% CI; limits: bias ± {LOA_Z} SD of the differences; slope: "
                "least-squares slope of the difference on the mean of both (proportional bias), "
                "with the p-value of a slope of 0",
            ),
            *METRIC_DEFINITIONS,
        ]
    )


def render_evaluation_page(cohort: CohortAgreement) -> str:
    """The agreement of a set of nights as one HTML page (inline CSS and PNG only).

    Parameters
    ----------
    cohort : CohortAgreement

    Returns
    -------
    str
    """
    trimmed = (
        f"; wake kept up to {cohort.wake_trim_min:g} min before the expert's sleep onset and "
        "after its last sleep epoch (Sleep-EDF convention)"
        if cohort.wake_trim_min is not None
        else ""
    )
    left_out = len(cohort.nights) - len(cohort.comparable)
    missing = f"; {left_out} night(s) with nothing comparable left out" if left_out else ""
    confusion = cohort.pooled.confusion
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Agreement with the expert hypnograms</title>
<style>{STYLE}</style></head><body>
<h1>Agreement with the expert hypnograms</h1>
<p class="muted">{len(cohort.comparable)} night(s), {cohort.pooled.epochs} epochs scored by
both{html.escape(trimmed + missing)} · seqsleepnet {__version__}</p>
<h2>Pooled metrics</h2>{table(METRICS_HEADER, metrics_rows(cohort))}
<h2>Confusion matrix</h2>
<div class="grid"><div>{confusion_table(confusion)}
<p class="muted">Rows: expert stage; columns: predicted stage.</p></div>
<div>{png(confusion_figure(confusion, title="Pooled confusion matrix"), "confusion matrix", 75)}
</div>
</div>
<h2>Agreement at stage changes</h2><p>{html.escape(transitions_line(cohort.transitions))}.</p>
<h2>Sleep statistics: Bland-Altman agreement</h2>{_bland_altman(cohort)}
<h2>Nights</h2>{_nights(cohort)}
{_footnote(cohort)}
</body></html>
"""
