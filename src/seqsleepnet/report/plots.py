"""Plots of a staged night: hypnogram (paper Fig. 3), probabilities, attention (Fig. 4).

Functions build :class:`matplotlib.figure.Figure` objects directly (no pyplot
state), so they work in scripts, servers and notebooks alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from seqsleepnet.hypnogram import clock_after
from seqsleepnet.stages import STAGE_NAMES, UNSCORED

__all__ = [
    "STAGE_COLORS",
    "mark_spans",
    "mark_times",
    "plot_attention",
    "plot_hypnogram",
    "plot_night",
    "plot_probabilities",
    "time_axis",
]

STAGE_COLORS: dict[str, str] = {
    "W": "#f2b134",
    "N1": "#8fc1e3",
    "N2": "#3a78b5",
    "N3": "#1b3a6b",
    "REM": "#d1495b",
}
# Clinical display order, top to bottom: W, REM, N1, N2, N3.
_LEVEL = {0: 4, 4: 3, 1: 2, 2: 1, 3: 0}
_LEVEL_LABELS = ["N3", "N2", "N1", "REM", "W"]


def _hours(n_epochs: int, epoch_length: float, onset: float) -> npt.NDArray[np.float64]:
    return np.asarray((onset + np.arange(n_epochs + 1) * epoch_length) / 3600.0, dtype=np.float64)


def time_axis(ax: Axes, start_time: datetime | None) -> None:
    """Label an axis of hours from the recording start with clock time, if the start is known.

    Ticks fall on whole clock hours (half hours for nights under 4 h).
    """
    if start_time is None:
        ax.set_xlabel("time from recording start (h)")
        return
    low, high = ax.get_xlim()
    step = 1.0 if high - low >= 4 else 0.5
    midnight = datetime.combine(start_time.date(), datetime.min.time(), start_time.tzinfo)
    past = (start_time - midnight).total_seconds() / 3600.0  # hours since midnight at the start
    ax.xaxis.set_major_locator(MultipleLocator(step, offset=-past % step))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda h, _: clock_after(start_time, 3600.0 * h).strftime("%H:%M"))
    )
    ax.set_xlabel(f"clock time (recording started {start_time:%Y-%m-%d %H:%M:%S})")


def _figure(width: float, height: float, *, right: float = 0.2, top: float = 0.15) -> Figure:
    """A figure with fixed margins in inches (room for tick labels, axis labels, a legend).

    Fixed margins cost nothing to lay out, where a layout engine measures every
    text on each staged night (about a third of the time its report takes).
    """
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(
        left=0.9 / width,
        right=1 - right / width,
        bottom=0.6 / height,
        top=1 - top / height,
        hspace=0.12,
    )
    return fig


def mark_times(ax: Axes, marks: Sequence[tuple[float, str]]) -> None:
    """Dashed vertical lines with labels at seconds from the recording start (lights off/on)."""
    low, high = ax.get_xlim()
    for seconds, label in marks:
        hours = seconds / 3600.0
        right_half = hours > (low + high) / 2  # label inside the plot, on the side of the middle
        ax.axvline(hours, color="#2a9d8f", linestyle="--", linewidth=1.4)
        ax.annotate(
            label,
            (hours, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(-3 if right_half else 3, 3),
            textcoords="offset points",
            ha="right" if right_half else "left",
            va="bottom",
            fontsize="small",
            color="#2a9d8f",
        )


FLAGGED_COLOR = "#e76f51"


def mark_spans(
    ax: Axes, spans: Sequence[tuple[float, float, str]], *, label: bool = True, over: bool = False
) -> None:
    """Hatched bands over spans of flagged signal: (start s, end s, role) from the start.

    ``label``: one legend entry per role ("EEG flagged"); ``over``: drawn over
    what the axes hold (a probability band that fills them), not under it.
    """
    named: set[str] = set()
    for start, end, role in spans:
        text = f"{role.upper()} flagged" if label and role not in named else None
        named.add(role)
        ax.axvspan(
            start / 3600.0,
            end / 3600.0,
            facecolor=FLAGGED_COLOR,
            alpha=0.25,
            hatch="//",
            edgecolor=FLAGGED_COLOR,
            linewidth=0,
            zorder=3 if over else 0,
            label=text,
        )


def _grey_epochs(ax: Axes, t: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_]) -> None:
    """Grey bands over the runs of masked epochs (``t``: their E + 1 edges in hours)."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    for first, stop in zip(edges[::2], edges[1::2], strict=True):
        ax.axvspan(t[first], t[stop], color="0.9", linewidth=0, zorder=0)


def _draw_hypnogram(
    ax: Axes,
    stages: npt.NDArray[np.int_],
    epoch_length: float,
    onset: float,
    label: str,
    color: str,
    offset: float = 0.0,
) -> None:
    t = _hours(stages.size, epoch_length, onset)
    levels = np.array([_LEVEL.get(int(s), np.nan) for s in stages], dtype=float) + offset
    ax.stairs(levels, t, baseline=None, color=color, linewidth=1.2, label=label)
    rem = np.where(stages == 4, levels, np.nan)
    ax.stairs(rem, t, baseline=None, color=STAGE_COLORS["REM"], linewidth=3)
    _grey_epochs(ax, t, stages == UNSCORED)


def plot_hypnogram(
    stages: npt.ArrayLike,
    *,
    epoch_length: float = 30.0,
    onset: float = 0.0,
    true: npt.ArrayLike | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    start_time: datetime | None = None,
    marks: Sequence[tuple[float, str]] = (),
    flagged: Sequence[tuple[float, float, str]] = (),
) -> Figure:
    """Hypnogram in the clinical layout (W at the top, REM in red).

    Parameters
    ----------
    stages : array_like of int, shape (E,)
        Stage per epoch (0..4, -1 unscored, drawn as a grey band).
    epoch_length, onset : float
        Seconds per epoch and of the first epoch from the recording start.
    true : array_like of int, shape (E,), optional
        An expert hypnogram drawn beside the predicted one (paper Fig. 3).
    ax : Axes, optional
        Where to draw; a new figure otherwise.
    title : str, optional
    start_time : datetime, optional
        Recording start: the axis shows clock time (hours from the start without it).
    marks : sequence of (float, str)
        Seconds from the recording start and labels of vertical marks (lights off/on).
    flagged : sequence of (float, float, str)
        Start and end (seconds from the recording start) and role of spans
        whose signal was flagged (:meth:`seqsleepnet.quality.QualityReport.flagged_spans`),
        drawn as hatched bands.

    Returns
    -------
    Figure
    """
    predicted = np.asarray(stages, dtype=int)
    if ax is None:
        fig = _figure(11, 3.2 if true is None else 4.2, top=0.4 if title else 0.15)
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    if true is not None:
        _draw_hypnogram(
            ax, np.asarray(true, dtype=int), epoch_length, onset, "expert", "0.55", 0.12
        )
    _draw_hypnogram(
        ax, predicted, epoch_length, onset, "predicted" if true is not None else "", "black"
    )
    ax.set_yticks(range(5), _LEVEL_LABELS)
    ax.set_ylim(-0.5, 4.5)
    ax.set_xlim(onset / 3600, (onset + predicted.size * epoch_length) / 3600)
    time_axis(ax, start_time)
    mark_times(ax, marks)
    mark_spans(ax, flagged)
    ax.grid(axis="x", alpha=0.3)
    if true is not None or flagged:
        ax.legend(loc="upper right", fontsize="small", ncols=2 if true is None else 3)
    if title:
        ax.set_title(title)
    return fig


def plot_probabilities(
    probabilities: npt.ArrayLike,
    *,
    epoch_length: float = 30.0,
    onset: float = 0.0,
    ax: Axes | None = None,
    start_time: datetime | None = None,
) -> Figure:
    """Stacked stage probabilities over the night.

    Parameters
    ----------
    probabilities : array_like, shape (E, 5)
        Per-epoch probabilities of W, N1, N2, N3, REM (rows sum to 1).
    start_time : datetime, optional
        Recording start: the axis shows clock time (hours from the start without it).
    """
    p = np.asarray(probabilities, dtype=float)
    if ax is None:
        fig = _figure(11, 2.4, right=0.95)  # the legend stands right of the axes
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    t = _hours(p.shape[0], epoch_length, onset)
    _grey_epochs(ax, t, np.isnan(p).any(axis=1))  # no signal recorded there (EDF+D gaps)
    ax.stackplot(
        np.repeat(t, 2)[1:-1],
        np.repeat(p.T, 2, axis=1),
        labels=list(STAGE_NAMES),
        colors=[STAGE_COLORS[n] for n in STAGE_NAMES],
        linewidth=0,
    )
    ax.set_ylim(0, 1)
    ax.set_xlim(t[0], t[-1])
    ax.set_ylabel("probability")
    time_axis(ax, start_time)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    return fig


def plot_night(
    stages: npt.ArrayLike,
    probabilities: npt.ArrayLike,
    *,
    epoch_length: float = 30.0,
    onset: float = 0.0,
    true: npt.ArrayLike | None = None,
    title: str | None = None,
    start_time: datetime | None = None,
    marks: Sequence[tuple[float, str]] = (),
    flagged: Sequence[tuple[float, float, str]] = (),
) -> Figure:
    """Hypnogram above its probability band, sharing the (clock) time axis, the marks
    and the hatched spans of flagged signal (see :func:`plot_hypnogram`)."""
    fig = _figure(11, 5.2, right=0.95, top=0.4 if title else 0.15)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2.2, 1])
    plot_hypnogram(
        stages,
        epoch_length=epoch_length,
        onset=onset,
        true=true,
        ax=top,
        title=title,
        start_time=start_time,
        marks=marks,
        flagged=flagged,
    )
    top.set_xlabel("")
    plot_probabilities(
        probabilities, epoch_length=epoch_length, onset=onset, ax=bottom, start_time=start_time
    )
    for seconds, _ in marks:
        bottom.axvline(seconds / 3600.0, color="#2a9d8f", linestyle="--", linewidth=1.4)
    mark_spans(bottom, flagged, label=False, over=True)
    return fig


def plot_attention(
    attention: npt.ArrayLike, stages: npt.ArrayLike, *, epoch_seconds: float = 30.0
) -> Figure:
    """Mean attention over the frames of an epoch, per predicted stage (paper Fig. 4).

    Parameters
    ----------
    attention : array_like, shape (E, T)
        Frame attention weights of each epoch (rows sum to 1).
    stages : array_like of int, shape (E,)
        Stage of each epoch.
    """
    a = np.asarray(attention, dtype=float)
    s = np.asarray(stages, dtype=int)
    frame_times = (np.arange(a.shape[1]) + 1) * epoch_seconds / (a.shape[1] + 1)
    fig = _figure(7, 3.2)
    ax = fig.add_subplot()
    for index, name in enumerate(STAGE_NAMES):
        rows = a[s == index]
        if rows.size:
            mean = rows.mean(axis=0)
            ax.plot(frame_times, mean, color=STAGE_COLORS[name], label=f"{name} ({len(rows)})")
    ax.axhline(1 / a.shape[1], color="0.6", linestyle=":", label="uniform")
    ax.set_xlabel("time within the epoch (s)")
    ax.set_ylabel("attention weight")
    ax.legend(fontsize="small", ncols=3)
    return fig
