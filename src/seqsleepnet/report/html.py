"""A one-file HTML report of a staged night that opens offline (no CDN, images inline)."""

from __future__ import annotations

import html

import numpy as np
import numpy.typing as npt

from seqsleepnet._version import __version__
from seqsleepnet.hypnogram import clock_after
from seqsleepnet.period import SleepPeriod
from seqsleepnet.report.agreement import agreement_section, staged_agreement
from seqsleepnet.report.banner import quality_banner
from seqsleepnet.report.html_parts import STYLE, definitions, img, png, table
from seqsleepnet.report.plots import plot_attention
from seqsleepnet.result import StagingResult
from seqsleepnet.stages import STAGE_NAMES
from seqsleepnet.statistics import DEFINITIONS

__all__ = ["render_report"]


def _mean_confidence(result: StagingResult) -> str:
    """Mean top-stage probability of the epochs that hold a recorded signal (not EDF+D gaps)."""
    recorded = result.confidence[~np.isnan(result.confidence)]
    return f"{float(recorded.mean()):.2f}" if recorded.size else "-"


def _clock(result: StagingResult, seconds: float) -> str:
    if result.start_time is None:
        return f"{seconds / 3600:.2f} h"
    return clock_after(result.start_time, seconds).strftime("%H:%M")


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} min"


def _statistics(result: StagingResult, period: SleepPeriod | None) -> str:
    s = result.statistics(period)
    latency = s.latency
    rem_from = "sleep onset, AASM" if s.rem_latency_from == "sleep-onset" else "lights off, YASA"
    overview = table(
        ["measure", "value"],
        [
            ["Time in bed (TIB)", _minutes(s.tib)],
            ["Total sleep time (TST)", _minutes(s.tst)],
            ["Sleep period time (SPT)", _minutes(s.spt)],
            ["Sleep efficiency (SE)", f"{s.sleep_efficiency:.1f} %"],
            ["Sleep maintenance efficiency (SME)", f"{s.sleep_maintenance_efficiency:.1f} %"],
            ["NREM sleep", _minutes(s.nrem)],
            ["Sleep onset latency (SOL)", _minutes(s.sleep_onset_latency)],
            [
                f"Latency to persistent sleep ({s.persistent_minutes:g} min)",
                _minutes(s.persistent_sleep_latency),
            ],
            [f"REM latency (from {rem_from})", _minutes(s.rem_latency)],
            ["Wake after sleep onset (WASO)", _minutes(s.waso)],
            [f"Awakenings (>= {s.awakening_epochs} epoch)", str(s.awakenings)],
            ["Sleep fragmentation index", f"{s.sleep_fragmentation_index:.1f} /h"],
            ["Stage transitions", str(s.transitions)],
            ["Unscored (no signal, movement)", _minutes(s.unscored)],
        ],
    )
    stages = table(
        ["stage", "minutes", "% (W: of TIB, others: of TST)", "latency"],
        [
            [n, f"{s.minutes[n]:.1f}", f"{s.percent[n]:.1f}", _minutes(latency.get(n))]
            for n in STAGE_NAMES
        ],
    )
    return f'<div class="grid"><div>{overview}</div><div>{stages}</div></div>'


def _period(result: StagingResult, period: SleepPeriod | None) -> str:
    """The analysed period as a sentence: its rule, its bounds and what the rule left out."""
    if period is None:
        hypnogram = result.to_hypnogram()
        period = SleepPeriod(hypnogram.onset, hypnogram.end)
    how = {
        "lights": "lights off/on as given",
        "in-bed": "in bed: 30 min around sleep",
    }.get(period.rule, "the whole recording, no lights off/on given")
    first, last = period.labels
    text = (
        f"Analysed period ({how}): {first} {_clock(result, period.lights_off)}, "
        f"{last} {_clock(result, period.lights_on)}."
    )
    if period.note is not None:
        text += f" {period.note[0].upper()}{period.note[1:]}."
    return f'<p class="muted">{html.escape(text)}</p>'


def render_report(
    result: StagingResult,
    *,
    true: npt.NDArray[np.int8] | None = None,
    demo_model: bool = False,
    confidence_threshold: float = 0.6,
    night_png: bytes | None = None,
    period: SleepPeriod | None = None,
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
    period : SleepPeriod, optional
        Lights off to lights on, which the statistics describe; by default the
        whole recording.

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
        f"{png(plot_attention(result.attention, result.stages, epoch_seconds=result.epoch_length))}"
        '<p class="muted">Mean weight the epoch encoder gives each spectrogram frame of the '
        "epoch, per predicted stage; a flat line is uniform attention.</p>"
        if result.attention is not None
        else ""
    )
    channels = ", ".join(
        f"{r.upper()}: {c}" for r, c in zip(result.roles, result.channels, strict=True)
    )
    agreement = (
        agreement_section(result, true, staged_agreement(result, true, period))
        if true is not None
        else ""
    )
    night = img(night_png) if night_png is not None else png(result.plot(true, period))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sleep staging report: {name}</title>
<style>{STYLE}</style></head><body>
<h1>Sleep staging report: {name}</h1>
<p class="muted">{result.n_epochs} epochs of {result.epoch_length:g} s ·
channels {html.escape(channels)} · model {html.escape(result.model)} · seqsleepnet {__version__}</p>
{notice}
{quality_banner(result.quality)}
<h2>Hypnogram and stage probabilities</h2>{night}
<h2>Sleep statistics</h2>{_period(result, period)}{_statistics(result, period)}
{agreement}
<h2>Low-confidence periods</h2>
<p class="muted">Mean confidence {_mean_confidence(result)}; periods where the top stage
probability stays below {confidence_threshold:.0%}: review these epochs first.</p>{low}
{attention}
{definitions(list(DEFINITIONS.values()))}
</body></html>
"""
