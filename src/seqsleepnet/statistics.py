"""Sleep statistics from a hypnogram, following AASM reporting conventions.

Definitions (AASM Manual, "Sleep scoring data" parameters):

- TIB, time in bed: the whole hypnogram (lights off to lights on).
- Sleep onset: start of the first epoch of any sleep stage (N1, N2, N3, REM);
  SOL, sleep onset latency: from the start of the hypnogram to sleep onset.
- SPT, sleep period time: from sleep onset to the end of the last sleep epoch.
- TST, total sleep time: minutes of N1 + N2 + N3 + REM.
- SE, sleep efficiency: TST / TIB in percent.
- WASO, wake after sleep onset: wake minutes within the SPT.
- REM latency: from sleep onset to the first REM epoch.
- Awakenings: runs of wake within the SPT.
- Stage percentages are of TST (W: of TIB). Unscored epochs count in TIB only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError
from seqsleepnet.stages import STAGE_NAMES, UNSCORED, SleepStage

__all__ = ["SleepStatistics", "sleep_statistics"]


@dataclass(frozen=True)
class SleepStatistics:
    """Summary of one night; durations in minutes, percentages in 0..100."""

    tib: float
    tst: float
    spt: float
    sleep_efficiency: float
    sleep_onset_latency: float | None
    rem_latency: float | None
    waso: float
    awakenings: int
    transitions: int
    unscored: float
    minutes: dict[str, float]
    percent: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (keys as in the module docstring, lower case)."""
        return asdict(self)


def _runs(mask: npt.NDArray[np.bool_]) -> int:
    """Number of runs of True in a boolean array."""
    return int(np.count_nonzero(np.diff(mask.astype(np.int8), prepend=0) == 1))


def sleep_statistics(stages: npt.ArrayLike, epoch_length: float = 30.0) -> SleepStatistics:
    """Compute sleep statistics of one night.

    Parameters
    ----------
    stages : array_like of int, shape (E,)
        Stage per epoch: 0..4 = W, N1, N2, N3, REM; -1 = unscored.
    epoch_length : float
        Seconds per epoch.

    Returns
    -------
    SleepStatistics
        Latencies are None when there is no sleep (or no REM).

    Raises
    ------
    ConfigError
        If ``stages`` is empty or holds values outside -1..4.
    """
    s = np.asarray(stages, dtype=np.int64).ravel()
    if s.size == 0 or s.min() < UNSCORED or s.max() > SleepStage.REM:
        raise ConfigError("stages must be a non-empty array of -1..4 (UNS, W, N1, N2, N3, REM)")
    per_min = epoch_length / 60.0
    sleep = (s >= SleepStage.N1) & (s <= SleepStage.REM)
    minutes = {
        name: float(np.count_nonzero(s == i) * per_min) for i, name in enumerate(STAGE_NAMES)
    }
    tib = s.size * per_min
    tst = float(np.count_nonzero(sleep) * per_min)
    if sleep.any():
        first, last = int(np.argmax(sleep)), int(s.size - 1 - np.argmax(sleep[::-1]))
        period = s[first : last + 1]
        rem = np.flatnonzero(period == SleepStage.REM)
        sol: float | None = first * per_min
        rem_latency = float(rem[0] * per_min) if rem.size else None
        wake_in_period = period == SleepStage.W
        waso = float(np.count_nonzero(wake_in_period) * per_min)
        awakenings = _runs(wake_in_period)
        spt = period.size * per_min
    else:
        sol = rem_latency = None
        waso, awakenings, spt = 0.0, 0, 0.0
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
        sleep_onset_latency=sol,
        rem_latency=rem_latency,
        waso=waso,
        awakenings=awakenings,
        transitions=int(np.count_nonzero(np.diff(scored))),
        unscored=float(np.count_nonzero(s == UNSCORED) * per_min),
        minutes=minutes,
        percent=percent,
    )
