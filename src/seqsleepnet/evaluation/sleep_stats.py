"""The sleep statistics of an expert and a predicted hypnogram, side by side.

Both scorings of a night are summarised by :func:`seqsleepnet.statistics.sleep_statistics`
over the same epochs: an epoch unscored by either is unscored in both, so it
counts in the time in bed of both and in the sleep of neither, and a
difference is the model's, not a difference of coverage.
:data:`COMPARED_STATISTICS` is the one list of the statistics compared (in
the report, in ``evaluate`` and in its Bland-Altman analysis), each with its
definition; a statistic that :class:`~seqsleepnet.statistics.SleepStatistics`
gains is compared by adding it there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import HypnogramError
from seqsleepnet.stages import STAGE_NAMES, UNSCORED
from seqsleepnet.statistics import DEFINITIONS, SleepStatistics, sleep_statistics

__all__ = [
    "COMPARED_EPOCHS",
    "COMPARED_STATISTICS",
    "STATISTIC_TERMS",
    "ComparedStatistic",
    "StatisticsComparison",
    "compare_statistics",
    "statistic_values",
]


@dataclass(frozen=True)
class ComparedStatistic:
    """One sleep statistic compared between scorings.

    Attributes
    ----------
    key : str
        Name in JSON and CSV output, e.g. ``"tst"`` or ``"minutes_N2"``.
    field : tuple of str
        Where it is in :meth:`SleepStatistics.to_dict`: ``("tst",)``, ``("minutes", "N2")``.
    label, unit : str
        Short name for tables (``"TST"``) and unit (``"min"`` or ``"%"``).
    definition : str
        What it measures, for footnotes.
    """

    key: str
    field: tuple[str, ...]
    label: str
    unit: str
    definition: str

    def value(self, statistics: dict[str, Any]) -> float | None:
        """The statistic in a :meth:`SleepStatistics.to_dict` mapping (None: undefined)."""
        value: Any = statistics
        for part in self.field:
            value = value[part]
        return None if value is None else float(value)


def _compared(key: str, label: str, unit: str) -> ComparedStatistic:
    """A statistic of :data:`~seqsleepnet.statistics.DEFINITIONS`, with its definition."""
    return ComparedStatistic(key, (key,), label, unit, DEFINITIONS[key][1])


COMPARED_STATISTICS: tuple[ComparedStatistic, ...] = (
    _compared("tst", "TST", "min"),
    _compared("sleep_efficiency", "SE", "%"),
    _compared("waso", "WASO", "min"),
    _compared("sleep_onset_latency", "SOL", "min"),
    _compared("rem_latency", "REM latency", "min"),
    *(
        ComparedStatistic(
            f"minutes_{stage}",
            ("minutes", stage),
            f"{stage} minutes",
            "min",
            f"minutes scored {stage}",
        )
        for stage in STAGE_NAMES
    ),
)
"""The statistics compared, in display order."""

COMPARED_EPOCHS = (
    "Compared epochs",
    "the statistics of both scorings are computed over the epochs both scored, which are the "
    "analysed period (lights off to lights on); an epoch unscored by either counts in the time "
    "in bed of both and in the sleep of neither",
)
"""How the period of compared statistics is chosen, for footnotes."""

STATISTIC_TERMS: tuple[tuple[str, str], ...] = (
    *((s.label, s.definition) for s in COMPARED_STATISTICS if s.field[0] != "minutes"),
    ("Stage minutes", "minutes scored with each stage (W, N1, N2, N3, REM)"),
    COMPARED_EPOCHS,
)
"""Term and definition of each statistic compared, for footnotes."""


def statistic_values(statistics: SleepStatistics) -> dict[str, float | None]:
    """The value of each of :data:`COMPARED_STATISTICS`, keyed by its ``key``."""
    table = statistics.to_dict()
    return {s.key: s.value(table) for s in COMPARED_STATISTICS}


@dataclass(frozen=True)
class StatisticsComparison:
    """Expert and predicted statistics of one night over the same epochs.

    Attributes
    ----------
    expert, predicted : dict of str to float or None
        Keyed by :attr:`ComparedStatistic.key`; None where undefined (no
        sleep, no REM).
    """

    expert: dict[str, float | None]
    predicted: dict[str, float | None]

    def difference(self, key: str) -> float | None:
        """Predicted minus expert, None if either is undefined."""
        e, p = self.expert[key], self.predicted[key]
        return None if e is None or p is None else p - e

    def to_dict(self) -> dict[str, dict[str, float | None]]:
        """``{key: {"expert", "predicted", "difference"}}``."""
        return {
            s.key: {
                "expert": self.expert[s.key],
                "predicted": self.predicted[s.key],
                "difference": self.difference(s.key),
            }
            for s in COMPARED_STATISTICS
        }


def compare_statistics(
    true: npt.ArrayLike, pred: npt.ArrayLike, epoch_length: float = 30.0
) -> StatisticsComparison:
    """Sleep statistics of both scorings over the epochs both scored.

    Parameters
    ----------
    true, pred : array_like of int, shape (E,), E >= 1
        Expert and predicted stages, aligned; -1 unscored.
    epoch_length : float
        Seconds per epoch.

    Returns
    -------
    StatisticsComparison

    Raises
    ------
    HypnogramError
        If the arrays differ in length or are empty.
    """
    t, p = np.asarray(true, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    if t.shape != p.shape or t.size == 0:
        raise HypnogramError(
            f"sleep statistics need two aligned, non-empty scorings; got {t.size} and {p.size} "
            "epochs"
        )
    shared = (t != UNSCORED) & (p != UNSCORED)
    return StatisticsComparison(
        statistic_values(sleep_statistics(np.where(shared, t, UNSCORED), epoch_length)),
        statistic_values(sleep_statistics(np.where(shared, p, UNSCORED), epoch_length)),
    )
