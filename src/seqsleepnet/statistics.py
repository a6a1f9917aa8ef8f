"""Sleep statistics of one night, each with a stated definition.

:data:`DEFINITIONS` holds the one-line definition of every statistic; the
report's footnote, ``stats.json`` and the README print these lines, so they
never disagree. The statistics follow the AASM Manual's "sleep scoring data";
where conventions differ the choice is named:

- REM latency is measured from sleep onset (AASM, the default) or, with
  ``rem_latency_from="record-start"``, from the start of the period as YASA's
  ``Lat_REM`` is; :attr:`SleepStatistics.rem_latency_from` says which.
- The sleep fragmentation index counts sleep-to-wake transitions (as YASA's
  ``SFI``); its original definition also counted shifts to N1.

The hypnogram is the analysis period: lights off to lights on (TIB). Unscored
epochs count in TIB and SPT only. Latencies are None when the stage never
occurs; with no sleep at all, SPT, WASO and the efficiencies of the sleep
period are 0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError, check_option
from seqsleepnet.stages import STAGE_NAMES, UNSCORED, SleepStage

__all__ = ["DEFINITIONS", "REM_LATENCY_FROM", "SleepStatistics", "sleep_statistics"]

REM_LATENCY_FROM = ("sleep-onset", "record-start")
"""Conventions of the REM latency: AASM (from sleep onset) and YASA (from the record start)."""

DEFINITIONS: dict[str, tuple[str, str]] = {
    "tib": ("Time in bed (TIB)", "minutes from lights off to lights on (the analysed period)"),
    "tst": ("Total sleep time (TST)", "minutes of N1, N2, N3 and REM"),
    "spt": (
        "Sleep period time (SPT)",
        "minutes from sleep onset to the end of the last sleep epoch",
    ),
    "sleep_efficiency": ("Sleep efficiency (SE)", "TST / TIB, in %"),
    "sleep_maintenance_efficiency": ("Sleep maintenance efficiency (SME)", "TST / SPT, in %"),
    "nrem": ("NREM sleep", "minutes of N1, N2 and N3"),
    "sleep_onset_latency": (
        "Sleep onset latency (SOL)",
        "minutes from lights off to the first epoch of any sleep stage (sleep onset)",
    ),
    "persistent_sleep_latency": (
        "Latency to persistent sleep",
        "minutes from lights off to the first run of at least 10 minutes of continuous sleep",
    ),
    "latency": (
        "Latency to N1, N2, N3, REM",
        "minutes from lights off to the first epoch of each stage",
    ),
    "rem_latency": (
        "REM latency",
        "minutes from sleep onset to the first REM epoch (AASM); with the YASA convention, "
        "from lights off",
    ),
    "waso": ("Wake after sleep onset (WASO)", "minutes of wake within the SPT"),
    "awakenings": (
        "Awakenings",
        "runs of wake within the SPT lasting at least the stated number of epochs",
    ),
    "sleep_fragmentation_index": (
        "Sleep fragmentation index (SFI)",
        "transitions from sleep to wake per hour of TST",
    ),
    "transitions": ("Stage transitions", "changes of stage between consecutive scored epochs"),
    "unscored": ("Unscored", "minutes of unscored or movement epochs"),
    "minutes": ("Minutes per stage", "minutes of W, N1, N2, N3 and REM"),
    "percent": ("% per stage", "N1, N2, N3 and REM as % of TST; W as % of TIB"),
}
"""Label and one-line definition of every statistic, by field of :class:`SleepStatistics`."""

SLEEP_STAGES = (SleepStage.N1, SleepStage.N2, SleepStage.N3, SleepStage.REM)


@dataclass(frozen=True)
class SleepStatistics:
    """Summary of one night; durations in minutes, percentages in 0..100 (see :data:`DEFINITIONS`).

    ``persistent_minutes``, ``awakening_epochs`` and ``rem_latency_from`` are
    the settings the statistics were computed with.
    """

    tib: float
    tst: float
    spt: float
    sleep_efficiency: float
    sleep_maintenance_efficiency: float
    nrem: float
    sleep_onset_latency: float | None
    persistent_sleep_latency: float | None
    latency: dict[str, float | None]
    rem_latency: float | None
    waso: float
    awakenings: int
    sleep_fragmentation_index: float
    transitions: int
    unscored: float
    minutes: dict[str, float]
    percent: dict[str, float]
    rem_latency_from: str = "sleep-onset"
    persistent_minutes: float = 10.0
    awakening_epochs: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, keyed by field name."""
        return asdict(self)


def _runs(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Starts and lengths of the runs of True in a boolean array."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return starts, stops - starts


def _first(mask: npt.NDArray[np.bool_], per_min: float) -> float | None:
    where = np.flatnonzero(mask)
    return float(where[0] * per_min) if where.size else None


def sleep_statistics(
    stages: npt.ArrayLike,
    epoch_length: float = 30.0,
    *,
    rem_latency_from: Literal["sleep-onset", "record-start"] = "sleep-onset",
    persistent_minutes: float = 10.0,
    awakening_epochs: int = 1,
) -> SleepStatistics:
    """Compute the sleep statistics of one night (definitions: :data:`DEFINITIONS`).

    Parameters
    ----------
    stages : array_like of int, shape (E,)
        Stage per epoch of the analysed period (lights off to lights on):
        0..4 = W, N1, N2, N3, REM; -1 = unscored.
    epoch_length : float
        Seconds per epoch.
    rem_latency_from : {"sleep-onset", "record-start"}
        REM latency from sleep onset (AASM) or from the start of the period (YASA).
    persistent_minutes : float
        Continuous sleep that counts as persistent sleep (10 minutes; YASA's
        ``SOL_5min`` uses 5). Rounded up to whole epochs.
    awakening_epochs : int
        Shortest run of wake, in epochs, counted as an awakening.

    Returns
    -------
    SleepStatistics

    Raises
    ------
    ConfigError
        If ``stages`` is empty or holds values outside -1..4, or a setting is out of range.
    """
    s = np.asarray(stages, dtype=np.int64).ravel()
    if s.size == 0 or s.min() < UNSCORED or s.max() > SleepStage.REM:
        raise ConfigError("stages must be a non-empty array of -1..4 (UNS, W, N1, N2, N3, REM)")
    check_option("rem_latency_from", rem_latency_from, REM_LATENCY_FROM)
    if not math.isfinite(persistent_minutes) or persistent_minutes <= 0:
        raise ConfigError(f"persistent_minutes must be > 0, got {persistent_minutes!r}")
    if isinstance(awakening_epochs, bool) or int(awakening_epochs) != awakening_epochs:
        raise ConfigError(f"awakening_epochs must be a whole number >= 1, got {awakening_epochs!r}")
    if awakening_epochs < 1:
        raise ConfigError(f"awakening_epochs must be a whole number >= 1, got {awakening_epochs!r}")
    per_min = epoch_length / 60.0
    sleep = (s >= SleepStage.N1) & (s <= SleepStage.REM)
    minutes = {
        name: float(np.count_nonzero(s == i) * per_min) for i, name in enumerate(STAGE_NAMES)
    }
    tib = s.size * per_min
    tst = float(np.count_nonzero(sleep) * per_min)
    latency = {STAGE_NAMES[i]: _first(s == i, per_min) for i in SLEEP_STAGES}
    starts, lengths = _runs(sleep)
    persistent = starts[lengths >= math.ceil(persistent_minutes / per_min - 1e-9)]
    sol = _first(sleep, per_min)
    rem_latency = latency["REM"]
    if rem_latency is not None and sol is not None and rem_latency_from == "sleep-onset":
        rem_latency -= sol
    if sleep.any():
        first, last = int(np.argmax(sleep)), int(s.size - 1 - np.argmax(sleep[::-1]))
        period = s[first : last + 1]
        wake = period == SleepStage.W
        _, wake_runs = _runs(wake)
        waso = float(np.count_nonzero(wake) * per_min)
        awakenings = int(np.count_nonzero(wake_runs >= awakening_epochs))
        spt = period.size * per_min
    else:
        waso, awakenings, spt = 0.0, 0, 0.0
    to_wake = int(np.count_nonzero(sleep[:-1] & (s[1:] == SleepStage.W)))
    scored = s[s != UNSCORED]
    percent = {
        name: (100 * minutes[name] / (tib if name == "W" else tst)) if (tst or name == "W") else 0.0
        for name in STAGE_NAMES
    }
    return SleepStatistics(
        tib=tib,
        tst=tst,
        spt=spt,
        sleep_efficiency=100 * tst / tib,
        sleep_maintenance_efficiency=100 * tst / spt if spt else 0.0,
        nrem=minutes["N1"] + minutes["N2"] + minutes["N3"],
        sleep_onset_latency=sol,
        persistent_sleep_latency=float(persistent[0] * per_min) if persistent.size else None,
        latency=latency,
        rem_latency=rem_latency,
        waso=waso,
        awakenings=awakenings,
        sleep_fragmentation_index=to_wake / (tst / 60) if tst else 0.0,
        transitions=int(np.count_nonzero(np.diff(scored))),
        unscored=float(np.count_nonzero(s == UNSCORED) * per_min),
        minutes=minutes,
        percent=percent,
        rem_latency_from=rem_latency_from,
        persistent_minutes=float(persistent_minutes),
        awakening_epochs=int(awakening_epochs),
    )
