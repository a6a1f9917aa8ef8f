"""A one-file HTML report of a staged night that opens offline (no CDN, images inline)."""

from __future__ import annotations

import html
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from seqsleepnet._version import __version__
from seqsleepnet.evaluation.agreement import night_agreement
from seqsleepnet.report.agreement import agreement_section
from seqsleepnet.report.html_parts import STYLE, img, png, table
from seqsleepnet.report.plots import plot_attention
from seqsleepnet.result import StagingResult
from seqsleepnet.stages import STAGE_NAMES

__all__ = ["render_report"]


def _clock(result: StagingResult, seconds: float) -> str:
    if result.start_time is None:
        return f"{seconds / 3600:.2f} h"
    return (result.start_time + timedelta(seconds=seconds)).strftime("%H:%M")


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} min"


def _statistics(result: StagingResult) -> str:
    s = result.statistics()
    overview = table(
        ["measure", "value"],
        [
            ["Time in bed (TIB)", _minutes(s.tib)],
            ["Total sleep time (TST)", _minutes(s.tst)],
            ["Sleep efficiency", f"{s.sleep_efficiency:.1f} %"],
            ["Sleep onset latency", _minutes(s.sleep_onset_latency)],
            ["REM latency", _minutes(s.rem_latency)],
            ["Wake after sleep onset (WASO)", _minutes(s.waso)],
            ["Awakenings", str(s.awakenings)],
            ["Stage transitions", str(s.transitions)],
        ],
    )
    stages = table(
        ["stage", "minutes", "% (W: of TIB, others: of TST)"],
        [[n, f"{s.minutes[n]:.1f}", f"{s.percent[n]:.1f}"] for n in STAGE_NAMES],
    )
    return f'<div class="grid"><div>{overview}</div><div>{stages}</div></div>'


def render_report(
    result: StagingResult,
    *,
    true: npt.NDArray[np.int8] | None = None,
    demo_model: bool = False,
    confidence_threshold: float = 0.6,
    night_png: bytes | None = None,
) -> str:
    """Render the report of one staged night as a self-contained HTML page.

    Parameters
    ----------
    result : StagingResult
    true : ndarray of int8, shape (E,), optional
        Expert stages aligned with ``result`` (-1 unscored) for an agreement section.
    demo_model : bool
        Add the notice that the model is a demonstration model.
    confidence_threshold : float
        Periods of at least 2 minutes below it are listed.
    night_png : bytes, optional
        The hypnogram-and-probabilities picture, if already rendered.

    Returns
    -------
    str
        HTML with inline CSS and base64 PNG images only.
    """
    name = html.escape(result.name)
    notice = (
        '<p class="note">Staged by a <b>demonstration model trained on synthetic PSG</b>; it is '
        "not validated on real recordings. Do not use these stages for clinical decisions.</p>"
        if demo_model
        else ""
    )
    periods = result.low_confidence_periods(confidence_threshold)
    low = (
        table(
            ["from", "to", "mean confidence"],
            [
                [_clock(result, p.start), _clock(result, p.end), f"{p.mean_confidence:.2f}"]
                for p in periods
            ],
        )
        if periods
        else f"<p>No period of 2 minutes or more below {confidence_threshold:.0%} confidence.</p>"
    )
    attention = (
        "<h2>Attention over the epoch (paper Fig. 4)</h2>"
        f"{png(plot_attention(result.attention, result.stages))}"
        '<p class="muted">Mean weight the epoch encoder gives each 2-s frame, per predicted '
        "stage; a flat line is uniform attention.</p>"
        if result.attention is not None
        else ""
    )
    channels = ", ".join(
        f"{r.upper()}: {c}" for r, c in zip(result.roles, result.channels, strict=True)
    )
    agreement = (
        agreement_section(result, true, night_agreement(true, result.stages, result.epoch_length))
        if true is not None
        else ""
    )
    night = img(night_png) if night_png is not None else png(result.plot(true=true))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sleep staging report: {name}</title>
<style>{STYLE}</style></head><body>
<h1>Sleep staging report: {name}</h1>
<p class="muted">{result.n_epochs} epochs of {result.epoch_length:g} s ·
channels {html.escape(channels)} · model {html.escape(result.model)} · seqsleepnet {__version__}</p>
{notice}
<h2>Hypnogram and stage probabilities</h2>{night}
<h2>Sleep statistics</h2>{_statistics(result)}
{agreement}
<h2>Low-confidence periods</h2>
<p class="muted">Mean confidence {float(result.confidence.mean()):.2f}; periods where the top stage
probability stays below {confidence_threshold:.0%}: review these epochs first.</p>{low}
{attention}
</body></html>
"""
