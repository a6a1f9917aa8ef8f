"""The Sleep-EDF convention: compare only up to N minutes of wake around the expert's night.

Sleep-EDF sleep-cassette recordings last about a day, most of it wake, so the
papers that report on them (SeqSleepNet, DeepSleepNet, U-Time and others)
keep only the epochs from 30 minutes before the expert's first sleep epoch to
30 minutes after the last one. The window is cut from the *expert* scoring,
with the rule :meth:`seqsleepnet.hypnogram.Hypnogram.in_bed` applies for
``prepare``, and both scorings are cut to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError, HypnogramError
from seqsleepnet.hypnogram import Hypnogram

__all__ = ["WakeTrim", "check_wake_trim", "trim_wake"]


@dataclass(frozen=True)
class WakeTrim:
    """The epochs kept: ``first:stop`` of the aligned scorings."""

    first: int
    stop: int

    @property
    def kept(self) -> int:
        """Number of epochs kept."""
        return self.stop - self.first


def check_wake_trim(minutes: float) -> None:
    """:class:`ConfigError` unless ``minutes`` is a finite number >= 0."""
    if not np.isfinite(minutes) or minutes < 0:
        raise ConfigError(f"--wake-trim-min must be minutes >= 0 (e.g. 30), got {minutes!r}")


def trim_wake(
    true: npt.ArrayLike,
    epoch_length: float,
    minutes: float,
    *,
    source: str | None = None,
) -> WakeTrim:
    """The window from ``minutes`` before the expert's first sleep to ``minutes`` after the last.

    Parameters
    ----------
    true : array_like of int, shape (E,)
        Expert stages, aligned with the prediction (0..4, -1 unscored).
    epoch_length : float
        Seconds per epoch.
    minutes : float
        Minutes of wake kept on each side (rounded to whole epochs), >= 0.
    source : str, optional
        The expert file, for messages.

    Returns
    -------
    WakeTrim

    Raises
    ------
    ConfigError
        If ``minutes`` is negative or not finite.
    HypnogramError
        If the expert scored no sleep epoch: there is no night to trim around.
    """
    check_wake_trim(minutes)
    expert = Hypnogram(np.asarray(true), epoch_length, source=source)
    try:
        window = expert.in_bed(minutes)
    except HypnogramError:
        where = f"{source}: " if source else ""
        raise HypnogramError(
            f"{where}the expert scored no sleep epoch in the compared epochs, so "
            "--wake-trim-min has no night to keep wake around; leave this night out or "
            "drop --wake-trim-min"
        ) from None
    first = round(window.onset / epoch_length)
    return WakeTrim(first, first + window.n_epochs)
