"""The hypnogram: one sleep stage per epoch, with its place in the recording.

A :class:`Hypnogram` holds stage indices (0..4 = W, N1, N2, N3, REM; -1 for
unscored or movement epochs, kept and masked, never dropped), the epoch
length, the onset of its first epoch in seconds from the recording start and,
when known, the wall clock of that start. Its operations return new
hypnograms: :meth:`~Hypnogram.crop`, :meth:`~Hypnogram.pad`,
:meth:`~Hypnogram.align_to` (one label per epoch of a recording, by
absolute time), :meth:`~Hypnogram.in_bed`; :meth:`~Hypnogram.statistics`
gives the AASM sleep statistics.

Files are read and written by :mod:`seqsleepnet.io.hypnogram`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

from seqsleepnet.errors import AlignmentError, ConfigError, HypnogramError
from seqsleepnet.stages import EPOCH_SECONDS, STAGE_NAMES, UNSCORED, UNSCORED_NAME, stage_names
from seqsleepnet.statistics import SleepStatistics, sleep_statistics

__all__ = [
    "CLOCK_COLUMN",
    "MAX_EPOCH_LENGTH",
    "MIN_EPOCH_LENGTH",
    "TOLERANCE",
    "Hypnogram",
    "check_epoch_length",
    "clock_after",
    "seconds_between",
]

logger = logging.getLogger(__name__)

TOLERANCE = 1e-3
"""Seconds by which onsets and durations may miss the epoch grid (float rounding)."""

MIN_EPOCH_LENGTH = 1.0
CLOCK_COLUMN = "clock_time"
"""Column of per-epoch tables that gives each epoch's wall-clock start (ISO 8601)."""
MAX_EPOCH_LENGTH = 3600.0


def check_epoch_length(epoch_length: float) -> float:
    """Return ``epoch_length`` as float; :class:`ConfigError` unless 1 s <= it <= 1 h.

    The lower bound also bounds the number of epochs a file can ask for.
    """
    value = float(epoch_length)
    if not MIN_EPOCH_LENGTH <= value <= MAX_EPOCH_LENGTH:  # also refuses NaN
        raise ConfigError(
            f"epoch_length must be a positive number of seconds from {MIN_EPOCH_LENGTH:g} to "
            f"{MAX_EPOCH_LENGTH:g} (usually 30), got {epoch_length!r}"
        )
    return value


def seconds_between(later: datetime, earlier: datetime) -> float:
    """``later - earlier`` in seconds, for any mix of naive and aware times.

    Two aware times compare exactly (in UTC). A naive time (EDF headers, most
    files) is a wall-clock time of an unknown zone, so against it an aware time
    counts by its own wall clock: 23:00+01:00 is 23:00 there, not 22:00.
    """
    if later.tzinfo is not None and earlier.tzinfo is not None:
        # in UTC: Python subtracts two times of one zone on their wall clocks, an hour off
        # across a daylight saving change
        return (later.astimezone(UTC) - earlier.astimezone(UTC)).total_seconds()
    return (later.replace(tzinfo=None) - earlier.replace(tzinfo=None)).total_seconds()


def clock_after(start: datetime, seconds: float) -> datetime:
    """The clock time ``seconds`` after ``start``, in the zone of ``start``.

    Python adds a timedelta to an aware time on its wall clock, which in a zone
    with daylight saving time is an hour off once the clocks change; an aware
    start is therefore moved in UTC and shown in its own zone. A naive start
    (EDF headers, most files) is a wall clock without a zone and moves by
    ``seconds``.

    Parameters
    ----------
    start : datetime
        Wall clock of the recording start, naive or aware.
    seconds : float
        Seconds after it (elapsed time).

    Returns
    -------
    datetime
        Naive if ``start`` is; else aware, in ``start``'s zone.
    """
    if start.tzinfo is None:
        return start + timedelta(seconds=seconds)
    moved = start.astimezone(UTC) + timedelta(seconds=seconds)
    return moved.astimezone(start.tzinfo)


def _whole_epochs(value: object, name: str) -> int:
    """``value`` as an int >= 0; :class:`ConfigError` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ConfigError(f"{name} must be a whole number of epochs >= 0, got {value!r}")
    return int(value)


@dataclass(frozen=True, eq=False, init=False)
class Hypnogram:
    """Sleep stages of consecutive epochs.

    Parameters
    ----------
    stages : array_like of int, shape (E,)
        Stage per epoch: 0..4 = W, N1, N2, N3, REM; -1 = unscored or movement.
        Stored as a new int8 array.
    epoch_length : float
        Seconds per epoch (30 in AASM and R&K scoring; 1 to 3600 accepted).
    onset : float
        Seconds from the recording start to the start of the first epoch (>= 0).
    start_time : datetime, optional
        Wall clock of the recording start, if the file gives it.
    source : str, optional
        File the hypnogram came from, for messages.

    Raises
    ------
    HypnogramError
        If ``stages`` is not 1-D or holds values other than -1..4.
    ConfigError
        If ``epoch_length`` is outside 1..3600 s or ``onset`` is negative or not finite.
    """

    stages: npt.NDArray[np.int8]
    epoch_length: float
    onset: float
    start_time: datetime | None
    source: str | None

    def __init__(
        self,
        stages: npt.ArrayLike,
        epoch_length: float = EPOCH_SECONDS,
        onset: float = 0.0,
        start_time: datetime | None = None,
        source: str | None = None,
    ) -> None:
        values = np.asarray(stages)
        if values.ndim != 1:
            raise HypnogramError(f"stages must be 1-D (one per epoch), got shape {values.shape}")
        integral = np.issubdtype(values.dtype, np.integer) or (
            np.issubdtype(values.dtype, np.floating) and bool(np.all(values == np.round(values)))
        )
        if values.size and not integral:
            raise HypnogramError(f"stages must be integers -1..4, got {values.dtype} values")
        if values.size and (values.min() < UNSCORED or values.max() > len(STAGE_NAMES) - 1):
            bad = sorted({int(v) for v in values[(values < UNSCORED) | (values > 4)]})
            raise HypnogramError(
                f"stages must be -1 (unscored) or 0..4 (W, N1, N2, N3, REM), got {bad[:10]}"
            )
        start = float(onset)
        if not math.isfinite(start) or start < 0:
            raise ConfigError(f"onset must be seconds >= 0 from the recording start, got {start}")
        object.__setattr__(self, "stages", values.astype(np.int8, copy=True))
        object.__setattr__(self, "epoch_length", check_epoch_length(epoch_length))
        object.__setattr__(self, "onset", start)
        object.__setattr__(self, "start_time", start_time)
        object.__setattr__(self, "source", source)

    # ------------------------------------------------------------------ properties

    @property
    def n_epochs(self) -> int:
        """Number of epochs E."""
        return int(self.stages.size)

    @property
    def onsets(self) -> npt.NDArray[np.float64]:
        """Epoch onsets in seconds from the recording start, shape (E,)."""
        return self.onset + np.arange(self.n_epochs, dtype=np.float64) * self.epoch_length

    @property
    def duration(self) -> float:
        """Seconds covered by the epochs (E x epoch length)."""
        return self.n_epochs * self.epoch_length

    @property
    def end(self) -> float:
        """Seconds from the recording start to the end of the last epoch."""
        return self.onset + self.duration

    @property
    def scored(self) -> npt.NDArray[np.bool_]:
        """True for the epochs with a stage (W..REM), False for unscored ones, shape (E,)."""
        return self.stages != UNSCORED

    def _where(self) -> str:
        return f"{self.source}: " if self.source else ""

    def _part(self, first: int, stop: int) -> Hypnogram:
        """Epochs ``first:stop``, with the onset moved to the first of them."""
        return Hypnogram(
            self.stages[first:stop],
            self.epoch_length,
            self.onset + first * self.epoch_length,
            self.start_time,
            self.source,
        )

    # ------------------------------------------------------------------ operations

    def crop(self, start: float | None = None, stop: float | None = None) -> Hypnogram:
        """Keep the whole epochs that lie between ``start`` and ``stop``.

        Parameters
        ----------
        start, stop : float, optional
            Seconds from the recording start; by default the hypnogram's
            first epoch onset and its end. An epoch is kept only if it lies
            wholly inside the window.

        Returns
        -------
        Hypnogram
            The kept epochs, with ``onset`` moved to the first of them.

        Raises
        ------
        ConfigError
            If a bound is not finite or ``stop <= start``.
        HypnogramError
            If no whole epoch lies inside the window.
        """
        low = self.onset if start is None else float(start)
        high = self.end if stop is None else float(stop)
        if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
            raise ConfigError(
                f"crop needs finite seconds with start < stop, got start={start!r}, stop={stop!r}"
            )
        onsets = self.onsets
        keep = np.flatnonzero(
            (onsets >= low - TOLERANCE) & (onsets + self.epoch_length <= high + TOLERANCE)
        )
        if keep.size == 0:
            raise HypnogramError(
                f"{self._where()}crop({low:g}, {high:g}) keeps no whole {self.epoch_length:g}-s "
                f"epoch of the hypnogram, which covers {self.onset:g} to {self.end:g} s from "
                "the recording start; choose a window that overlaps it"
            )
        return self._part(int(keep[0]), int(keep[-1]) + 1)

    def pad(self, before: int = 0, after: int = 0) -> Hypnogram:
        """Add unscored epochs before the first and after the last epoch.

        Parameters
        ----------
        before, after : int
            Number of unscored epochs to add on each side (>= 0). The epochs
            added before must fit between the recording start and ``onset``.

        Returns
        -------
        Hypnogram
            ``before + E + after`` epochs, ``onset`` moved back by ``before`` epochs.

        Raises
        ------
        ConfigError
            If a count is not a whole number >= 0, or ``before`` epochs do not
            fit before ``onset``.
        """
        head, tail = _whole_epochs(before, "before"), _whole_epochs(after, "after")
        onset = self.onset - head * self.epoch_length
        if onset < -TOLERANCE:
            room = math.floor((self.onset + TOLERANCE) / self.epoch_length)
            raise ConfigError(
                f"{self._where()}cannot pad {head} epochs before the first epoch, which starts "
                f"{self.onset:g} s after the recording start; at most {room} fit"
            )
        stages = np.concatenate(
            [
                np.full(head, UNSCORED, dtype=np.int8),
                self.stages,
                np.full(tail, UNSCORED, dtype=np.int8),
            ]
        )
        return Hypnogram(stages, self.epoch_length, max(onset, 0.0), self.start_time, self.source)

    def offset_from(self, start_time: datetime | None) -> float:
        """Seconds from a recording start to this hypnogram's first epoch.

        ``onset``, plus ``self.start_time - start_time`` when both times are
        known (see :func:`seconds_between`). Negative when the hypnogram starts
        before the recording.
        """
        offset = self.onset
        if start_time is not None and self.start_time is not None:
            offset += seconds_between(self.start_time, start_time)
        return offset

    def align_to(
        self,
        n_epochs: int,
        start_time: datetime | None = None,
        *,
        epoch_length: float = EPOCH_SECONDS,
    ) -> Hypnogram:
        """One label per epoch of a recording.

        The recording is cut into ``n_epochs`` whole epochs of
        ``epoch_length`` seconds from its start (a trailing partial epoch is
        never scored). Rules:

        * the hypnogram's epochs must be ``epoch_length`` long;
        * its first epoch starts :meth:`offset_from` ``(start_time)`` seconds
          after the recording start (by absolute time when both start times
          are known); that offset must be a non-negative multiple of the
          epoch length;
        * recording epochs the hypnogram does not cover are -1 (unscored);
        * hypnogram epochs past the end of the recording are dropped if
          unscored (Sleep-EDF pads every file to 24 h with "?"); one scored
          epoch past the end is tolerated (a last epoch the recording cut
          short), more raise :class:`AlignmentError`.

        Parameters
        ----------
        n_epochs : int
            Whole epochs in the recording.
        start_time : datetime, optional
            Wall clock of the recording start.
        epoch_length : float
            Seconds per recording epoch.

        Returns
        -------
        Hypnogram
            ``n_epochs`` stages (-1 where unscored), onset 0, ``start_time``
            the recording's, same ``source``.

        Raises
        ------
        AlignmentError
            Wrong epoch length, misaligned or negative offset, or more than one
            scored epoch past the end of the recording.
        """
        where = self._where()
        if isinstance(n_epochs, bool) or int(n_epochs) != n_epochs or n_epochs < 0:
            raise AlignmentError(f"n_epochs must be a whole number >= 0, got {n_epochs!r}")
        n_epochs = int(n_epochs)
        length = check_epoch_length(epoch_length)
        if abs(self.epoch_length - length) > TOLERANCE:
            raise AlignmentError(
                f"{where}hypnogram epochs are {self.epoch_length:g} s, the recording is cut "
                f"into {length:g}-s epochs; re-score or resample the hypnogram to "
                f"{length:g}-s epochs"
            )
        offset = self.offset_from(start_time)
        first = round(offset / length)
        if offset < -TOLERANCE or abs(offset - first * length) > TOLERANCE:
            raise AlignmentError(
                f"{where}hypnogram starts {offset:g} s after the recording start, not a "
                f"non-negative multiple of {length:g} s; check both start times or "
                "crop the recording to the first scored epoch"
            )
        labels = np.full(n_epochs, UNSCORED, dtype=np.int8)
        inside = max(0, min(self.n_epochs, n_epochs - first))
        if inside:
            labels[first : first + inside] = self.stages[:inside]
        beyond = self.stages[inside:]
        scored_beyond = int(np.count_nonzero(beyond != UNSCORED))
        if scored_beyond > 1:
            raise AlignmentError(
                f"{where}hypnogram scores {scored_beyond} epochs past the end of the recording "
                f"({n_epochs * length:g} s, {n_epochs} epochs); is it the hypnogram "
                "of this recording?"
            )
        if beyond.size:
            logger.debug("dropped %d hypnogram epochs past the recording end", beyond.size)
        return Hypnogram(labels, length, 0.0, start_time, self.source)

    def in_bed(self, margin_minutes: float = 30.0) -> Hypnogram:
        """Keep the epochs from ``margin`` before the first to ``margin`` after the last sleep.

        Sleep is N1, N2, N3 or REM. This is the usual way to cut the day-long
        Sleep-EDF sleep-cassette recordings to the night. Epochs inside the
        window keep their labels (unscored ones included).

        Parameters
        ----------
        margin_minutes : float
            Minutes kept on each side of the sleep period (rounded to whole epochs).

        Returns
        -------
        Hypnogram
            The window, with ``onset`` moved to its first epoch.

        Raises
        ------
        HypnogramError
            If the hypnogram has no sleep epoch.
        ConfigError
            If ``margin_minutes`` is negative or not finite.
        """
        if not math.isfinite(margin_minutes) or margin_minutes < 0:
            raise ConfigError(f"margin_minutes must be >= 0, got {margin_minutes!r}")
        sleep = np.flatnonzero(self.stages > 0)
        if sleep.size == 0:
            raise HypnogramError(
                f"{self._where()}hypnogram has no sleep epoch (N1, N2, N3 or REM), so there is "
                "no in-bed period to keep"
            )
        margin = round(margin_minutes * 60.0 / self.epoch_length)
        return self._part(
            max(0, int(sleep[0]) - margin), min(self.n_epochs, int(sleep[-1]) + margin + 1)
        )

    # ------------------------------------------------------------------ summaries

    def statistics(
        self, rem_latency_from: Literal["sleep-onset", "record-start"] = "sleep-onset"
    ) -> SleepStatistics:
        """Sleep statistics of the whole hypnogram (see :mod:`seqsleepnet.statistics`).

        ``rem_latency_from``: from sleep onset (AASM) or the hypnogram's start (YASA).

        Raises
        ------
        ConfigError
            If the hypnogram has no epoch.
        """
        return sleep_statistics(self.stages, self.epoch_length, rem_latency_from=rem_latency_from)

    def counts(self) -> dict[str, int]:
        """Epochs per stage: keys ``W, N1, N2, N3, REM`` and ``UNS`` (unscored/movement)."""
        tally = np.bincount(self.stages.astype(np.int64) + 1, minlength=len(STAGE_NAMES) + 1)
        result = {name: int(tally[i + 1]) for i, name in enumerate(STAGE_NAMES)}
        result[UNSCORED_NAME] = int(tally[0])
        return result

    def clock_times(self) -> list[str] | None:
        """ISO 8601 date and time of each epoch's start, or None if the start time is unknown."""
        if self.start_time is None:
            return None
        start = self.start_time
        return [clock_after(start, float(t)).isoformat() for t in self.onsets]

    def to_frame(self) -> pd.DataFrame:
        """One row per epoch: ``onset`` (s), ``duration`` (s), ``stage`` (W..REM or UNS).

        With a known start time, ``clock_time`` gives each epoch's start as an
        ISO 8601 date and time (see :data:`CLOCK_COLUMN`).
        """
        import pandas as pd

        frame = pd.DataFrame(
            {
                "onset": self.onsets,
                "duration": np.full(self.n_epochs, self.epoch_length),
                "stage": stage_names(self.stages),
            }
        )
        clock = self.clock_times()
        if clock is not None:
            frame[CLOCK_COLUMN] = clock
        return frame

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hypnogram):
            return NotImplemented
        return (
            np.array_equal(self.stages, other.stages)
            and self.epoch_length == other.epoch_length
            and self.onset == other.onset
            and self.start_time == other.start_time
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Hypnogram(n_epochs={self.n_epochs}, epoch_length={self.epoch_length:g}, "
            f"onset={self.onset:g}, start_time={self.start_time}, source={self.source!r})"
        )
