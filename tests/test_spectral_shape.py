"""A night's spectral shape ignores gain, not filters, and how far it lies from training nights'."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from seqsleepnet.errors import ConfigError
from seqsleepnet.features.config import FeatureConfig
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.features.recording import Recording
from seqsleepnet.features.spectral_shape import SpectralReference, night_spectral_shape
from seqsleepnet.quality import THRESHOLDS

PREP = Preprocessing(roles=("eeg",), features=FeatureConfig(recording_center=True))


def _night(data: np.ndarray) -> Recording:
    return Recording(data[None].astype(np.float32), ["C4-M1"], ["eeg"], 100.0)


def _noise(seed: int, seconds: float = 3600.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = round(seconds * 100)
    return np.cumsum(rng.normal(0, 5, n)) * 0.05 + rng.normal(0, 10, n)


def test_a_gain_leaves_the_shape_and_a_filter_changes_it() -> None:
    x = _noise(0)
    shape = night_spectral_shape(_night(x), PREP)
    assert shape.shape == (1, 129)
    np.testing.assert_allclose(night_spectral_shape(_night(x * 10), PREP), shape, atol=1e-3)
    lowpassed = sosfilt(butter(4, 20, "lowpass", fs=100, output="sos"), x)
    changed = night_spectral_shape(_night(lowpassed), PREP) - shape
    assert changed[0, 100] < -20 and abs(changed[0, 20]) < 1  # 39 Hz cut, 7.8 Hz kept


def test_the_distance_of_training_like_nights_is_small_and_of_another_shape_large() -> None:
    shapes = [night_spectral_shape(_night(_noise(seed) * (1 + seed)), PREP) for seed in range(6)]
    reference = SpectralReference.fit(shapes)
    assert reference.nights == 6
    limit = THRESHOLDS["spectral_shape"]
    assert reference.distance(night_spectral_shape(_night(_noise(9) * 3), PREP))[0] < limit
    other = sosfilt(butter(2, 8, "lowpass", fs=100, output="sos"), _noise(9))
    assert reference.distance(night_spectral_shape(_night(other), PREP))[0] > 3 * limit
    back = SpectralReference.from_dict(reference.to_dict())
    np.testing.assert_array_equal(back.mean, reference.mean)
    np.testing.assert_array_equal(back.std, reference.std)


@pytest.mark.parametrize(
    "values",
    [
        {"mean": [[0.0]], "std": [[1.0]]},  # nights missing
        {"mean": [[0.0, 1.0]], "std": [[1.0]], "nights": 3},  # shapes differ
        {"mean": [[float("nan")]], "std": [[1.0]], "nights": 3},
        {"mean": [[0.0]], "std": [[1.0]], "nights": 1},
    ],
)
def test_a_damaged_reference_is_refused(values: dict) -> None:
    with pytest.raises(ConfigError, match="spectral reference"):
        SpectralReference.from_dict(values)


def test_a_span_limits_the_shape_to_its_epochs() -> None:
    quiet, loud = (
        _noise(1, 1800.0),
        sosfilt(butter(2, 8, "lowpass", fs=100, output="sos"), _noise(2, 1800.0)),
    )
    night = _night(np.concatenate([quiet, loud]))  # 30 min of one spectrum, then of another
    first = night_spectral_shape(night, PREP, (0.0, 1800.0))
    np.testing.assert_allclose(first, night_spectral_shape(_night(quiet), PREP), atol=1e-6)
    assert np.abs(night_spectral_shape(night, PREP) - first).max() > 3
