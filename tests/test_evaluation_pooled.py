"""Bootstrap intervals of pooled metrics, checked against a direct NumPy computation."""

from __future__ import annotations

import numpy as np
import pytest

from seqsleepnet.errors import ConfigError
from seqsleepnet.evaluation.metrics import confusion_matrix
from seqsleepnet.evaluation.pooled import POOLED_METRICS, bootstrap_pooled_ci


def _confusions(nights: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(nights):
        true = rng.integers(0, 5, size=200)
        pred = np.where(rng.random(200) < rng.uniform(0.5, 0.9), true, rng.integers(0, 5, 200))
        out.append(confusion_matrix(true, pred))
    return np.stack(out)


def test_accuracy_and_kappa_intervals_match_a_direct_bootstrap() -> None:
    cms = _confusions(8)
    intervals = bootstrap_pooled_ci(cms, n_boot=300, seed=4)
    draws = np.random.default_rng(4).integers(0, 8, size=(300, 8))
    accuracy, kappa = [], []
    for row in draws:
        pooled = cms[row].sum(axis=0).astype(float)
        total = pooled.sum()
        observed = np.trace(pooled) / total
        expected = (pooled.sum(axis=1) * pooled.sum(axis=0)).sum() / total**2
        accuracy.append(observed)
        kappa.append((observed - expected) / (1 - expected))
    assert intervals["accuracy"] == pytest.approx(tuple(np.quantile(accuracy, [0.025, 0.975])))
    assert intervals["kappa"] == pytest.approx(tuple(np.quantile(kappa, [0.025, 0.975])))
    assert set(intervals) == set(POOLED_METRICS)


def test_the_seed_makes_it_reproducible_and_the_interval_holds_the_estimate() -> None:
    cms = _confusions(6, seed=1)
    first = bootstrap_pooled_ci(cms, n_boot=200, seed=7)
    assert first == bootstrap_pooled_ci(cms, n_boot=200, seed=7)
    assert first != bootstrap_pooled_ci(cms, n_boot=200, seed=8)
    pooled = cms.sum(axis=0)
    accuracy = np.trace(pooled) / pooled.sum()
    low, high = first["accuracy"]
    assert low <= accuracy <= high and low < high


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_boot": 0}, "whole number >= 1"), ({"level": 1.0}, "between 0 and 1")],
)
def test_bad_settings_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        bootstrap_pooled_ci(_confusions(2), **kwargs)  # type: ignore[arg-type]


def test_a_wrong_shape_is_refused() -> None:
    with pytest.raises(ConfigError, match="one \\(5, 5\\) confusion per night"):
        bootstrap_pooled_ci(np.zeros((0, 5, 5)))
