"""Paired differences between two models over the same subjects, with bootstrap CIs.

Each subject gives one value per model (for instance its accuracy over all
its test epochs); the difference ``other - reference`` per subject is
averaged, and a percentile bootstrap over subjects (subjects drawn with
replacement, ``numpy.random.default_rng(seed)``) gives its 95% confidence
interval. Subjects, not epochs, are resampled: epochs of one night are not
independent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError

__all__ = ["PairedDifference", "bootstrap_mean_ci", "paired_difference"]


def bootstrap_mean_ci(
    values: npt.ArrayLike, *, n_boot: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of a mean.

    Parameters
    ----------
    values : array_like of float, shape (S,)
        One value per subject, S >= 1.
    n_boot : int
        Bootstrap resamples (>= 1). Resample b draws S indices with
        ``rng.integers(0, S, size=(n_boot, S))[b]``.
    seed : int
        Seed of ``numpy.random.default_rng``.
    level : float
        Coverage in (0, 1).

    Returns
    -------
    low, high : float
        The ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the
        resampled means.

    Raises
    ------
    ConfigError
        If ``values`` is empty or not 1-D, ``n_boot < 1`` or ``level`` is
        outside (0, 1).
    """
    data = np.asarray(values, dtype=np.float64)
    if data.ndim != 1 or data.size == 0:
        raise ConfigError(f"bootstrap needs one value per subject (1-D, S >= 1), got {data.shape}")
    if not isinstance(n_boot, int) or n_boot < 1:
        raise ConfigError(f"bootstrap={n_boot!r} must be a whole number >= 1 (e.g. 2000)")
    if not 0 < level < 1:
        raise ConfigError(f"level={level!r} must be between 0 and 1 (e.g. 0.95)")
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(n_boot, data.size))].mean(axis=1)  # (n_boot,)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


@dataclass(frozen=True)
class PairedDifference:
    """One metric of two models compared subject by subject.

    Attributes
    ----------
    metric : str
        E.g. ``"accuracy"`` (fractions; kappa as is).
    subjects : list of str
        The subjects both models were tested on, sorted.
    reference, other : numpy.ndarray of float64, shape (S,)
        The metric per subject, in the order of ``subjects``.
    mean : float
        Mean of ``other - reference``; NaN when no subject has the metric defined.
    ci_low, ci_high : float
        Bootstrap 95% confidence interval of ``mean`` (NaN with it).
    undefined : list of str
        Common subjects left out because the metric is undefined (NaN) for
        either model, e.g. kappa of a subject whose epochs both scorings give
        one stage.
    """

    metric: str
    subjects: list[str]
    reference: npt.NDArray[np.float64]
    other: npt.NDArray[np.float64]
    mean: float
    ci_low: float
    ci_high: float
    undefined: list[str] = field(default_factory=list)

    @property
    def differences(self) -> npt.NDArray[np.float64]:
        """``other - reference`` per subject, shape (S,)."""
        return self.other - self.reference

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: mean, CI (None when undefined), subject count, the difference of
        each subject and the subjects left out as undefined."""
        return {
            "mean": _defined(self.mean),
            "ci_low": _defined(self.ci_low),
            "ci_high": _defined(self.ci_high),
            "subjects": len(self.subjects),
            "per_subject": dict(zip(self.subjects, self.differences.tolist(), strict=True)),
            "undefined": list(self.undefined),
        }


def _defined(value: float) -> float | None:
    """A float for JSON: None for NaN, which JSON cannot hold."""
    return None if np.isnan(value) else value


def paired_difference(
    metric: str,
    reference: Mapping[str, float],
    other: Mapping[str, float],
    *,
    n_boot: int = 2000,
    seed: int = 0,
) -> PairedDifference:
    """Compare one metric per subject over the subjects both mappings have.

    Parameters
    ----------
    metric : str
        Name kept on the result.
    reference, other : mapping of str to float
        Subject id to the metric of the reference and of the other model.
    n_boot, seed : int
        Bootstrap resamples and seed (see :func:`bootstrap_mean_ci`).

    Returns
    -------
    PairedDifference
        Over the common subjects whose metric is defined (not NaN) for both;
        the others are listed in ``undefined``, and with none left the mean
        and CI are NaN.

    Raises
    ------
    ConfigError
        If the two share no subject.
    """
    common = sorted(set(reference) & set(other))
    if not common:
        raise ConfigError(
            f"{metric}: the two models were tested on no common subject; compare "
            "cross-validations of the same subjects"
        )
    undefined = [s for s in common if np.isnan(reference[s]) or np.isnan(other[s])]
    subjects = [s for s in common if s not in undefined]
    ref = np.array([reference[s] for s in subjects], dtype=np.float64)
    oth = np.array([other[s] for s in subjects], dtype=np.float64)
    if not subjects:
        nan = float("nan")
        return PairedDifference(metric, subjects, ref, oth, nan, nan, nan, undefined)
    low, high = bootstrap_mean_ci(oth - ref, n_boot=n_boot, seed=seed)
    mean = float((oth - ref).mean())
    return PairedDifference(metric, subjects, ref, oth, mean, low, high, undefined)
