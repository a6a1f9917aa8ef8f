"""The analysed period of a night: lights off to lights on.

Sleep statistics describe the time in bed, not the whole recording (a
day-long Sleep-EDF cassette recording has a sleep efficiency of about 20 %).
:func:`sleep_period` turns ``stage --lights-off/--lights-on`` (clock times
``HH:MM[:SS]`` or seconds from the recording start) or ``--in-bed`` (the
30-minute rule of ``prepare --in-bed``, :meth:`Hypnogram.in_bed`) into a
:class:`SleepPeriod`.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError
from seqsleepnet.hypnogram import TOLERANCE, Hypnogram, clock_after, seconds_between

__all__ = [
    "IN_BED_MARGIN_MINUTES",
    "SleepPeriod",
    "main_sleep_period",
    "parse_moment",
    "sleep_period",
]

log = logging.getLogger(__name__)

IN_BED_MARGIN_MINUTES = 30.0
"""Wake kept before the first and after the last sleep epoch by ``--in-bed`` (as ``prepare``)."""

_BOUND_LABELS = {
    "lights": ("lights off", "lights on"),
    "in-bed": ("in bed from", "in bed to"),
    "recording": ("recording start", "recording end"),
}
"""How each rule's bounds are named where people read them (:attr:`SleepPeriod.labels`)."""

_CLOCK = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}(?:\.\d+)?))?")


@dataclass(frozen=True)
class SleepPeriod:
    """Lights off to lights on, in seconds from the recording start.

    Attributes
    ----------
    lights_off, lights_on : float
        Bounds of the period; whole epochs inside it are analysed.
    rule : str
        How it was chosen: ``"lights"`` (given), ``"in-bed"`` (30 minutes
        around the sleep period) or ``"recording"`` (the whole recording).
    """

    lights_off: float
    lights_on: float
    rule: str = "recording"
    note: str | None = None  # what the rule left out (stray sleep far from the night)

    def crop(self, hypnogram: Hypnogram) -> Hypnogram:
        """The epochs of ``hypnogram`` that lie inside the period."""
        return hypnogram.crop(self.lights_off, self.lights_on)

    @property
    def labels(self) -> tuple[str, str]:
        """What to call the two bounds where people read them (report, plot marks).

        Only given lights times are called lights off and on; the bounds the
        in-bed rule derives from the predicted sleep, or the whole recording's
        ends, are named as what they are.
        """
        return _BOUND_LABELS.get(self.rule, ("period start", "period end"))

    def epochs(self, hypnogram: Hypnogram) -> slice:
        """Indices of the epochs of ``hypnogram`` that :meth:`crop` keeps."""
        kept = self.crop(hypnogram)
        first = round((kept.onset - hypnogram.onset) / hypnogram.epoch_length)
        return slice(first, first + kept.n_epochs)

    def to_dict(self, start_time: datetime | None) -> dict[str, Any]:
        """JSON-ready bounds: seconds from the start and, when known, ISO clock times."""

        def clock(seconds: float) -> str | None:
            return None if start_time is None else clock_after(start_time, seconds).isoformat()

        values: dict[str, Any] = {
            "rule": self.rule,
            "lights_off_seconds": self.lights_off,
            "lights_on_seconds": self.lights_on,
            "lights_off": clock(self.lights_off),
            "lights_on": clock(self.lights_on),
        }
        if self.note is not None:
            values["note"] = self.note
        return values


def parse_moment(text: str, start_time: datetime | None, option: str) -> float:
    """Seconds from the recording start of ``HH:MM[:SS]`` (clock time) or a number of seconds.

    A clock time earlier in the day than the recording start is on the next
    day (a night that starts at 22:00 and ends at 07:00).

    Raises
    ------
    ConfigError
        If the text is neither, or a clock time is given for a recording
        without start time.
    """
    value = text.strip()
    match = _CLOCK.fullmatch(value)
    if match is None:
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds) or seconds < 0:
            raise ConfigError(
                f"{option} must be a clock time HH:MM[:SS] or seconds >= 0 from the recording "
                f"start, got {text!r}"
            )
        return seconds
    hours, minutes, secs = int(match["h"]), int(match["m"]), float(match["s"] or 0)
    if hours > 23 or minutes > 59 or secs >= 60:
        raise ConfigError(f"{option}={text!r} is not a clock time (HH 0-23, MM and SS 0-59)")
    if start_time is None:
        raise ConfigError(
            f"{option}={text!r} is a clock time but the recording has no start time; give "
            "seconds from the recording start instead"
        )
    moment = datetime.combine(start_time.date(), datetime.min.time(), start_time.tzinfo)
    moment += timedelta(hours=hours, minutes=minutes, seconds=secs)
    if seconds_between(moment, start_time) < 0:
        moment += timedelta(days=1)  # the same clock time on the next day
    return seconds_between(moment, start_time)


def sleep_period(
    hypnogram: Hypnogram,
    *,
    lights_off: str | None = None,
    lights_on: str | None = None,
    in_bed: bool = False,
) -> SleepPeriod:
    """The period to analyse in a staged night.

    Parameters
    ----------
    hypnogram : Hypnogram
        The staged night (onsets from the recording start, with its start time).
    lights_off, lights_on : str, optional
        Clock time ``HH:MM[:SS]`` or seconds from the recording start; by
        default the start and end of the hypnogram.
    in_bed : bool
        Instead, 30 minutes before the first to 30 minutes after the last
        sleep epoch (:meth:`Hypnogram.in_bed`, as ``prepare --in-bed``).

    Returns
    -------
    SleepPeriod

    Raises
    ------
    ConfigError
        If ``in_bed`` is combined with lights, a time cannot be read or lies
        outside the recording, lights on is not after lights off, or no whole
        epoch lies between them. Given lights times are rounded inwards to
        the whole epochs between them: the period is the one analysed.
    HypnogramError
        If ``in_bed`` is asked for a night without sleep.
    """
    where = f"{hypnogram.source}: " if hypnogram.source else ""
    if in_bed:
        if lights_off is not None or lights_on is not None:
            raise ConfigError("--in-bed chooses the period itself; give it or --lights-off/on")
        return _in_bed(hypnogram)
    if lights_off is None and lights_on is None:
        return SleepPeriod(hypnogram.onset, hypnogram.end, "recording")
    start = hypnogram.start_time
    off = hypnogram.onset if lights_off is None else parse_moment(lights_off, start, "--lights-off")
    on = hypnogram.end if lights_on is None else parse_moment(lights_on, start, "--lights-on")
    for name, moment in (("lights off", off), ("lights on", on)):
        if not hypnogram.onset - TOLERANCE <= moment <= hypnogram.end + TOLERANCE:
            raise ConfigError(
                f"{where}{name} ({_when(start, moment)}) lies outside the recording "
                f"({_when(start, hypnogram.onset)} to {_when(start, hypnogram.end)}): the time "
                "in bed and every statistic would describe another period than the one "
                "stated; give a time inside the recording, or leave the option out to use its "
                "start or end"
            )
    if on <= off:
        raise ConfigError(
            f"{where}lights on ({on:g} s from the recording start) must come after lights off "
            f"({off:g} s)"
        )
    length = hypnogram.epoch_length
    first = math.ceil((off - hypnogram.onset) / length - TOLERANCE / length)
    stop = math.floor((on - hypnogram.onset) / length + TOLERANCE / length)
    if stop <= first:
        raise ConfigError(
            f"{where}no whole epoch lies between lights off ({off:g} s) and lights on ({on:g} s); "
            f"the recording covers {hypnogram.onset:g} to {hypnogram.end:g} s from its start"
        )
    # the period analysed: the whole epochs between the two, as the statistics count them
    return SleepPeriod(hypnogram.onset + first * length, hypnogram.onset + stop * length, "lights")


def _in_bed(hypnogram: Hypnogram) -> SleepPeriod:
    """30 minutes before the first to 30 minutes after the last sleep epoch of the night.

    The rule of ``prepare --in-bed`` (:meth:`Hypnogram.in_bed`), with one
    difference for a day-long recording: sleep epochs far from its main sleep
    period (:func:`main_sleep_period`, more than the margin from it: a nap, or
    daytime epochs a model mistook for sleep) would stretch the period over
    the day and every statistic with it, so they are left out, and the
    period's ``note`` says how many and where.
    """
    window = hypnogram.in_bed(IN_BED_MARGIN_MINUTES)  # raises without sleep
    asleep = hypnogram.stages > 0
    length = hypnogram.epoch_length
    main = main_sleep_period(asleep, length, scored=hypnogram.scored)
    if main is None:
        return SleepPeriod(window.onset, window.end, "in-bed")
    margin = round(IN_BED_MARGIN_MINUTES * 60.0 / length)
    sleep = np.flatnonzero(asleep)
    near = (sleep >= main[0] - margin) & (sleep < main[1] + margin)
    if near.all() or not near.any():
        return SleepPeriod(window.onset, window.end, "in-bed")
    first = max(0, int(sleep[near][0]) - margin)
    stop = min(hypnogram.n_epochs, int(sleep[near][-1]) + margin + 1)
    start = hypnogram.start_time
    left = sleep[~near]
    note = (
        f"{left.size} sleep epoch(s) outside the main sleep period were left out of the "
        f"in-bed period (from {_when(start, hypnogram.onset + left[0] * length)} to "
        f"{_when(start, hypnogram.onset + (left[-1] + 1) * length)}; more than "
        f"{IN_BED_MARGIN_MINUTES:g} min from the night's sleep): give --lights-off/--lights-on "
        "to analyse another period"
    )
    log.info("%s", note)
    return SleepPeriod(
        hypnogram.onset + first * length, hypnogram.onset + stop * length, "in-bed", note
    )


def main_sleep_period(
    asleep: npt.NDArray[np.bool_],
    epoch_length: float = 30.0,
    scored: npt.NDArray[np.bool_] | None = None,
) -> tuple[int, int] | None:
    """Epochs ``[first, last + 1)`` of the main sleep period of a staged recording.

    Stray sleep epochs in the daytime of a day-long recording would make the
    first and last sleep epoch span the whole day. Here the share of sleep in
    a centred 30-minute window marks where sleep dominates; such stretches
    less than an hour apart (a long awakening) are one period, and the period
    holding the most sleep epochs is the main one. None without such a stretch.

    Epochs outside ``scored`` (EDF+D gaps, unscored epochs; all are scored by
    default) are neither sleep nor wake: the share counts the scored epochs of
    the window only, and the hour between two stretches counts scored time, so
    that a gap in the recording does not split a night in two.

    Parameters
    ----------
    asleep : numpy.ndarray of bool, shape (E,)
        Epochs staged N1, N2, N3 or REM.
    epoch_length : float
        Seconds per epoch: the window (30 min) and the hour are counted in epochs of it.
    scored : numpy.ndarray of bool, shape (E,), optional
        Epochs that hold a stage; the others count as neither sleep nor wake.

    Returns
    -------
    (int, int) or None
        ``(first, last + 1)`` epoch indices of the main sleep period.
    """
    scored = np.ones(asleep.size, dtype=bool) if scored is None else np.asarray(scored, bool)
    asleep = np.asarray(asleep, bool) & scored
    half = round(900.0 / epoch_length)  # a window of 2 * half + 1 epochs, centred on each
    window = np.ones(2 * half + 1)
    inside = slice(half, half + asleep.size)  # (E,): the window clipped at the night's ends
    counted = np.convolve(scored, window)[inside]  # (E,) scored epochs in each window
    share = np.divide(
        np.convolve(asleep, window)[inside], counted, out=np.zeros(asleep.size), where=counted > 0
    )
    dominant = np.flatnonzero((share > 0.5) & scored)
    if dominant.size == 0:
        return None
    scored_before = np.cumsum(scored)  # (E,) scored epochs up to each: time that was recorded
    breaks = np.flatnonzero(np.diff(scored_before[dominant]) > round(3600.0 / epoch_length))
    starts = np.concatenate(([dominant[0]], dominant[breaks + 1]))
    ends = np.concatenate((dominant[breaks], [dominant[-1]])) + 1
    sleep = [int(asleep[a:b].sum()) for a, b in zip(starts, ends, strict=True)]
    best = int(np.argmax(sleep))
    return int(starts[best]), int(ends[best])


def _when(start: datetime | None, seconds: float) -> str:
    """A moment as a clock time with its date when the start is known, else in seconds."""
    if start is None:
        return f"{seconds:g} s from the start"
    return f"{clock_after(start, seconds):%Y-%m-%d %H:%M:%S}"
