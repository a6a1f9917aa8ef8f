"""Bland-Altman agreement, checked against a direct NumPy/SciPy computation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from seqsleepnet.errors import ConfigError
from seqsleepnet.evaluation.bland_altman import bland_altman


def test_bias_limits_and_slope_match_a_direct_computation() -> None:
    rng = np.random.default_rng(3)
    expert = rng.uniform(300, 480, size=12)
    predicted = expert + 5 + 0.1 * expert + rng.normal(0, 8, size=12)
    result = bland_altman(expert, predicted, "tst")
    d, m = predicted - expert, (predicted + expert) / 2
    sd = np.sqrt(((d - d.mean()) ** 2).sum() / (d.size - 1))
    assert result.n == 12
    assert result.bias == pytest.approx(d.mean())
    assert result.sd == pytest.approx(sd)
    assert result.loa_low == pytest.approx(d.mean() - 1.96 * sd)
    assert result.loa_high == pytest.approx(d.mean() + 1.96 * sd)
    half = stats.t.ppf(0.975, 11) * sd / np.sqrt(12)
    assert result.bias_ci == pytest.approx((d.mean() - half, d.mean() + half))
    line = stats.linregress(m, d)
    assert result.slope == pytest.approx(line.slope)
    assert result.intercept == pytest.approx(line.intercept)
    assert result.slope_p == pytest.approx(line.pvalue)
    spread = stats.t.ppf(0.975, 10) * line.stderr
    assert result.slope_ci == pytest.approx((line.slope - spread, line.slope + spread))


def test_few_nights_leave_what_they_cannot_estimate_undefined() -> None:
    one = bland_altman([400.0], [410.0], "tst")
    assert one.bias == 10.0 and one.sd is None and one.loa_low is None and one.slope is None
    two = bland_altman([400.0, 420.0], [410.0, 440.0], "tst")
    assert two.sd == pytest.approx(np.std([10.0, 20.0], ddof=1)) and two.slope is None
    flat = bland_altman([100.0, 200.0, 300.0], [110.0, 210.0, 310.0], "tst")
    assert flat.sd == 0 and flat.slope == pytest.approx(0.0) and flat.slope_p == 1.0


def test_to_dict_is_json_ready() -> None:
    values = bland_altman([1.0, 2.0, 4.0], [1.5, 2.0, 5.0], "waso").to_dict()
    assert values["statistic"] == "waso" and isinstance(values["bias_ci"], list)


@pytest.mark.parametrize(
    ("expert", "predicted", "message"),
    [
        ([], [], "one expert and one predicted"),
        ([1.0], [1.0, 2.0], "shapes"),
        ([1.0, np.nan], [1.0, 2.0], "finite"),
    ],
)
def test_bad_values_are_refused(expert: list[float], predicted: list[float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        bland_altman(expert, predicted, "tst")
