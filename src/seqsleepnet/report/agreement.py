"""The report's section on agreement with the expert hypnogram (``stage --true``).

It shows what :func:`seqsleepnet.evaluation.agreement.night_agreement` computes,
the same figures ``evaluate`` gives for the pair: accuracy, kappa and macro
F1, the expert and predicted hypnograms one above the other, per-stage
figures, the confusion matrix, agreement next to expert stage changes, and
the sleep statistics of both scorings side by side; a footnote defines each.
"""

from __future__ import annotations

import html

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from seqsleepnet.evaluation.agreement import (
    METRIC_DEFINITIONS,
    NOTHING_COMPARABLE,
    NightAgreement,
    night_agreement,
)
from seqsleepnet.evaluation.metrics import NOT_USED, kappa_text
from seqsleepnet.evaluation.sleep_stats import (
    COMPARED_EPOCHS,
    COMPARED_STATISTICS,
    StatisticsComparison,
)
from seqsleepnet.evaluation.transitions import TransitionAgreement
from seqsleepnet.period import SleepPeriod
from seqsleepnet.report.html_parts import confusion_table, definitions, png, table
from seqsleepnet.report.plots import plot_hypnogram
from seqsleepnet.result import StagingResult

__all__ = ["agreement_section", "staged_agreement"]


def _value(value: float | None, unit: str, signed: bool = False) -> str:
    if value is None:
        return "-"
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value:.1f} {unit}"


def _statistics_table(statistics: StatisticsComparison) -> str:
    rows = [
        [
            s.label,
            _value(statistics.expert[s.key], s.unit),
            _value(statistics.predicted[s.key], s.unit),
            _value(statistics.difference(s.key), s.unit, signed=True),
        ]
        for s in COMPARED_STATISTICS
    ]
    return table(["statistic", "expert", "predicted", "predicted - expert"], rows)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _transitions(t: TransitionAgreement) -> str:
    return table(
        ["epochs", "count", "agreement"],
        [
            ["next to an expert stage change", str(t.near_epochs), _percent(t.near_accuracy)],
            ["elsewhere", str(t.other_epochs), _percent(t.other_accuracy)],
        ],
    )


def _hypnograms(result: StagingResult, true: npt.NDArray[np.int8]) -> str:
    figure = Figure(figsize=(11, 4.4), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    onset = float(result.onsets[0]) if result.n_epochs else 0.0
    for stages, ax, title in ((true, top, "expert"), (result.stages, bottom, "predicted")):
        plot_hypnogram(
            stages,
            epoch_length=result.epoch_length,
            onset=onset,
            ax=ax,
            title=title,
            start_time=result.start_time,
        )
    top.set_xlabel("")
    return png(figure, "expert and predicted hypnograms")


def staged_agreement(
    result: StagingResult, true: npt.NDArray[np.int8], period: SleepPeriod | None
) -> NightAgreement:
    """Agreement of a staged night with its aligned expert stages, as the report and
    ``stats.json`` give it: every epoch compared, the statistics over the analysed period."""
    within = None if period is None else period.epochs(result.to_hypnogram())
    return night_agreement(true, result.stages, result.epoch_length, period=within)


def agreement_section(
    result: StagingResult, true: npt.NDArray[np.int8], agreement: NightAgreement
) -> str:
    """The agreement section of a staged night's report.

    Parameters
    ----------
    result : StagingResult
    true : ndarray of int8, shape (E,)
        Expert stages aligned with ``result`` (-1 unscored).
    agreement : NightAgreement
        :func:`~seqsleepnet.evaluation.agreement.night_agreement` of ``true`` and
        ``result.stages``.

    Returns
    -------
    str
        HTML, starting with its ``<h2>``.
    """
    head = "<h2>Agreement with the expert hypnogram</h2>"
    if not agreement.comparable:
        return f'{head}<p class="note">{html.escape(NOTHING_COMPARABLE.capitalize())}.</p>'
    m = agreement.metrics
    per_stage = table(
        ["stage", "F1", "sensitivity", "precision", "specificity"],
        [
            [
                name,
                *(
                    f"{v[key]:.3f}" if m.stage_used(name) else NOT_USED
                    for key in ("f1", "recall", "precision")
                ),
                f"{v['specificity']:.3f}",
            ]
            for name, v in m.per_stage.items()
        ],
    )
    if not all(m.stage_used(name) for name in m.per_stage):
        per_stage += (
            f'<p class="muted">{NOT_USED}: a stage neither scoring uses has no F1, '
            "sensitivity or precision (the macro averages leave it out).</p>"
        )
    statistics = (
        f"<h3>Sleep statistics: expert and predicted</h3>"
        '<p class="muted">Over the analysed period, as the statistics above.</p>'
        f"{_statistics_table(agreement.statistics)}"
        if agreement.statistics is not None
        else ""
    )
    return (
        f"{head}<p>Accuracy <b>{100 * m.accuracy:.1f} %</b>, "
        f"Cohen's kappa <b>{kappa_text(m.kappa)}</b>, "
        f"macro F1 {100 * m.macro_f1:.1f} % over {m.epochs} epochs scored by both.</p>"
        f"{_hypnograms(result, true)}"
        '<div class="grid">'
        f"<div><h3>Confusion matrix</h3>{confusion_table(m.confusion)}"
        '<p class="muted">Rows: expert stage; columns: predicted stage; each cell the percent '
        "of the expert stage and the epochs.</p></div>"
        f"<div><h3>Per stage</h3>{per_stage}</div></div>"
        '<div class="grid">'
        f"<div>{statistics}</div>"
        f"<div><h3>Agreement at stage changes</h3>{_transitions(agreement.transitions)}</div>"
        "</div>"
        f"{definitions([COMPARED_EPOCHS, *METRIC_DEFINITIONS])}"
    )
