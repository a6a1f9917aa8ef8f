"""Bootstrap confidence intervals of metrics pooled over nights.

The pooled metrics of a set of nights come from the sum of their confusion
matrices. Resampling the *nights* with replacement (epochs of one night are
not independent) and pooling each resample gives the percentile bootstrap
interval of every metric. Resample b draws S nights with
``numpy.random.default_rng(seed).integers(0, S, size=(n_boot, S))[b]``, the
same scheme as :func:`seqsleepnet.evaluation.paired.bootstrap_mean_ci`, so a
seed gives the same intervals on every machine.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError
from seqsleepnet.evaluation.metrics import StagingMetrics
from seqsleepnet.stages import STAGE_NAMES

__all__ = ["POOLED_METRICS", "bootstrap_pooled_ci", "check_bootstrap", "metric_values"]

POOLED_METRICS: tuple[str, ...] = (
    "accuracy",
    "kappa",
    "macro_f1",
    "sensitivity",
    "specificity",
    *(f"f1_{stage}" for stage in STAGE_NAMES),
)
"""The metrics given a confidence interval: overall ones, then the F1 of each stage."""


def metric_values(metrics: StagingMetrics) -> dict[str, float]:
    """The value of each of :data:`POOLED_METRICS`; NaN where undefined.

    Kappa is undefined when both scorings use one stage only, and a stage's F1
    when neither scoring uses the stage (a night without N3 has no F1 of N3,
    rather than an F1 of 0).
    """
    values = {name: float(getattr(metrics, name)) for name in POOLED_METRICS[:5]}
    values.update(
        {
            f"f1_{s}": metrics.per_stage[s]["f1"] if metrics.stage_used(s) else float("nan")
            for s in STAGE_NAMES
        }
    )
    return values


def check_bootstrap(n_boot: int, level: float = 0.95) -> None:
    """:class:`ConfigError` unless ``n_boot`` is a whole number >= 1 and 0 < ``level`` < 1."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
        raise ConfigError(f"--bootstrap={n_boot!r} must be a whole number >= 1 (e.g. 2000)")
    if not 0 < level < 1:
        raise ConfigError(f"level={level!r} must be between 0 and 1 (e.g. 0.95)")


def bootstrap_pooled_ci(
    confusions: npt.ArrayLike, *, n_boot: int = 2000, seed: int = 0, level: float = 0.95
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals of the pooled metrics, resampling nights.

    Parameters
    ----------
    confusions : array_like of int, shape (S, 5, 5)
        One confusion matrix per night (rows true stage), S >= 1.
    n_boot : int
        Bootstrap resamples (>= 1).
    seed : int
        Seed of ``numpy.random.default_rng``.
    level : float
        Coverage in (0, 1).

    Returns
    -------
    dict of str to (low, high)
        For each of :data:`POOLED_METRICS`, the ``(1 - level) / 2`` and
        ``(1 + level) / 2`` quantiles over the resamples.

    Raises
    ------
    ConfigError
        If ``confusions`` is not (S, 5, 5) with S >= 1, ``n_boot < 1`` or
        ``level`` is outside (0, 1).
    """
    cms = np.asarray(confusions, dtype=np.int64)
    k = len(STAGE_NAMES)
    if cms.ndim != 3 or cms.shape[1:] != (k, k) or cms.shape[0] == 0:
        raise ConfigError(f"bootstrap needs one (5, 5) confusion per night, got {cms.shape}")
    check_bootstrap(n_boot, level)
    nights = cms.shape[0]
    draws = np.random.default_rng(seed).integers(0, nights, size=(n_boot, nights))
    weights = np.zeros((n_boot, nights), dtype=np.int64)  # (B, S) times each night is drawn
    np.add.at(weights, (np.arange(n_boot)[:, None], draws), 1)
    pooled = (weights @ cms.reshape(nights, k * k)).reshape(n_boot, k, k)  # (B, 5, 5)
    samples = [metric_values(StagingMetrics.from_confusion(cm)) for cm in pooled]
    quantiles = ((1 - level) / 2, (1 + level) / 2)
    intervals = {}
    for name in POOLED_METRICS:
        values = np.array([sample[name] for sample in samples])
        defined = values[~np.isnan(values)]
        low, high = np.quantile(defined, quantiles) if defined.size else (np.nan, np.nan)
        intervals[name] = (float(low), float(high))
    return intervals
