"""Bland-Altman agreement of a measurement (a sleep statistic) between two scorers.

For nights i = 1..n with expert value ``e_i`` and predicted value ``p_i``:

- difference ``d_i = p_i - e_i`` and mean ``m_i = (p_i + e_i) / 2``;
- bias: the mean difference, with its 95% confidence interval
  ``bias ± t(0.975, n-1) · sd / √n``;
- 95% limits of agreement: ``bias ± 1.96 · sd``, sd the sample standard
  deviation of the differences (``ddof=1``; Bland & Altman 1986);
- proportional bias: the least-squares slope of ``d`` on ``m`` (Bland & Altman
  1999), with its 95% confidence interval and the two-sided p-value of the
  t-test of slope 0 (n - 2 degrees of freedom). A slope away from 0 means the
  model's error grows (or shrinks) with the size of the measurement.

YASA's ``SleepStatsAgreement`` reports the same bias and limits; it regresses
the difference on the expert value, where this module regresses it on the
mean of the two, as Bland and Altman recommend.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError

__all__ = ["LOA_Z", "BlandAltman", "bland_altman"]

LOA_Z = 1.96
"""Standard deviations of the differences on each side of the bias (95% limits)."""


@dataclass(frozen=True)
class BlandAltman:
    """Agreement of one measurement over n nights (same unit as the measurement).

    Attributes
    ----------
    statistic : str
        What was measured (e.g. ``"tst"``).
    n : int
        Nights with both values defined.
    bias : float
        Mean of predicted minus expert.
    bias_ci : tuple of float, or None
        95% confidence interval of the bias (n >= 2).
    sd : float or None
        Standard deviation of the differences (n >= 2).
    loa_low, loa_high : float or None
        95% limits of agreement (n >= 2).
    slope, intercept : float or None
        Least-squares line of difference on mean (n >= 3 and means not all equal).
    slope_ci : tuple of float, or None
        95% confidence interval of the slope.
    slope_p : float or None
        Two-sided p-value of slope 0.
    """

    statistic: str
    n: int
    bias: float
    bias_ci: tuple[float, float] | None
    sd: float | None
    loa_low: float | None
    loa_high: float | None
    slope: float | None
    intercept: float | None
    slope_ci: tuple[float, float] | None
    slope_p: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; confidence intervals as ``[low, high]`` lists."""
        values = asdict(self)
        for key in ("bias_ci", "slope_ci"):
            if values[key] is not None:
                values[key] = list(values[key])
        return values


def _t_quantile(probability: float, dof: int) -> float:
    from scipy.special import stdtrit  # Student's t quantile; light next to scipy.stats

    return float(stdtrit(dof, probability))


def _slope_p(slope: float, se: float, dof: int) -> float:
    """Two-sided p-value of a slope of 0 from its standard error (t-test, ``dof`` dof)."""
    from scipy.special import stdtr

    if se == 0:  # the differences lie exactly on a line: certain unless it is flat
        return 0.0 if slope != 0 else 1.0
    return float(2.0 * stdtr(dof, -abs(slope / se)))


def bland_altman(expert: npt.ArrayLike, predicted: npt.ArrayLike, statistic: str) -> BlandAltman:
    """Bland-Altman agreement of ``predicted`` with ``expert`` over nights.

    Parameters
    ----------
    expert, predicted : array_like of float, shape (n,), n >= 1
        One value per night from each scorer (NaN-free).
    statistic : str
        Name kept on the result.

    Returns
    -------
    BlandAltman
        Fields that need more nights than given are None.

    Raises
    ------
    ConfigError
        If the arrays differ in length, are empty, or hold NaN or infinity.
    """
    e = np.asarray(expert, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    if e.ndim != 1 or e.shape != p.shape or e.size == 0:
        raise ConfigError(
            f"{statistic}: Bland-Altman needs one expert and one predicted value per night, got "
            f"shapes {e.shape} and {p.shape}"
        )
    if not (np.isfinite(e).all() and np.isfinite(p).all()):
        raise ConfigError(f"{statistic}: Bland-Altman values must be finite numbers")
    n = int(e.size)
    d, m = p - e, (p + e) / 2
    bias = float(d.mean())
    if n < 2:
        return BlandAltman(statistic, n, bias, None, None, None, None, None, None, None, None)
    sd = float(d.std(ddof=1))
    half = _t_quantile(0.975, n - 1) * sd / math.sqrt(n)
    slope = intercept = slope_p = None
    slope_ci = None
    centred = m - m.mean()
    sxx = float(centred @ centred)
    if n >= 3 and sxx > 0:
        slope = float(centred @ (d - bias) / sxx)
        intercept = float(bias - slope * m.mean())
        residual = d - (intercept + slope * m)
        se = math.sqrt(float(residual @ residual) / (n - 2) / sxx)
        spread = _t_quantile(0.975, n - 2) * se
        slope_ci = (slope - spread, slope + spread)
        slope_p = _slope_p(slope, se, n - 2)
    return BlandAltman(
        statistic,
        n,
        bias,
        (bias - half, bias + half),
        sd,
        bias - LOA_Z * sd,
        bias + LOA_Z * sd,
        slope,
        intercept,
        slope_ci,
        slope_p,
    )
