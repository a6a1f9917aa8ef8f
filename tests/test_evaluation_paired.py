"""Paired differences and their bootstrap CI against a plain NumPy bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from seqsleepnet.errors import ConfigError
from seqsleepnet.evaluation.paired import bootstrap_mean_ci, paired_difference


def plain_bootstrap(values: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = [values[rng.integers(0, values.size, values.size)].mean() for _ in range(n_boot)]
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


@pytest.mark.parametrize("seed", [0, 5])
def test_ci_matches_a_plain_bootstrap(seed: int) -> None:
    values = np.random.default_rng(seed + 1).normal(0.02, 0.05, size=13)
    low, high = bootstrap_mean_ci(values, n_boot=500, seed=seed)
    # drawing row by row from one generator gives the same indices as one (n_boot, S) draw
    assert (low, high) == pytest.approx(plain_bootstrap(values, 500, seed))
    assert low < values.mean() < high
    assert bootstrap_mean_ci(values, n_boot=500, seed=seed + 1) != (low, high)


def test_a_constant_difference_has_a_zero_width_ci() -> None:
    assert bootstrap_mean_ci([0.25, 0.25, 0.25], n_boot=50) == pytest.approx((0.25, 0.25))


def test_paired_difference_uses_only_common_subjects() -> None:
    ref = {"a": 0.8, "b": 0.7, "c": 0.9}
    other = {"b": 0.75, "c": 0.8, "d": 0.1}
    d = paired_difference("accuracy", ref, other, n_boot=200, seed=3)
    assert d.subjects == ["b", "c"]
    np.testing.assert_allclose(d.differences, [0.05, -0.1])
    assert d.mean == pytest.approx(-0.025)
    assert (d.ci_low, d.ci_high) == pytest.approx(plain_bootstrap(np.array([0.05, -0.1]), 200, 3))
    assert d.to_dict()["per_subject"] == pytest.approx({"b": 0.05, "c": -0.1})


def test_bad_input_raises() -> None:
    with pytest.raises(ConfigError, match="no common subject"):
        paired_difference("kappa", {"a": 1.0}, {"b": 1.0})
    with pytest.raises(ConfigError, match="bootstrap=0 must be a whole number >= 1"):
        bootstrap_mean_ci([1.0], n_boot=0)
    with pytest.raises(ConfigError, match=r"S >= 1\), got \(0,\)"):
        bootstrap_mean_ci([])
    with pytest.raises(ConfigError, match=r"level=1\.5"):
        bootstrap_mean_ci([1.0], level=1.5)


def test_subjects_with_an_undefined_value_are_left_out_and_named() -> None:
    nan = float("nan")
    d = paired_difference("kappa", {"a": 0.5, "b": nan, "c": 0.7}, {"a": 0.6, "b": 0.2, "c": 0.6})
    assert d.subjects == ["a", "c"] and d.undefined == ["b"]
    assert d.mean == pytest.approx(0.0)
    none = paired_difference("kappa", {"a": nan}, {"a": nan}, n_boot=10)
    assert none.subjects == [] and none.undefined == ["a"] and np.isnan(none.mean)
    assert none.to_dict()["mean"] is None and none.to_dict()["ci_low"] is None
