from pathlib import Path

import numpy as np
import pytest

from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.features.normalize import Normalizer


def _features(seed: int, n: int = 20) -> np.ndarray:
    rng = np.random.default_rng(seed)
    loc = np.linspace(-40, 20, 129)[None, None, None, :]
    return (loc + rng.normal(scale=3.0, size=(n, 2, 29, 129))).astype(np.float32)


def test_statistics_are_per_channel_and_bin() -> None:
    x = _features(0)
    norm = Normalizer().fit(x)
    assert norm.mean is not None and norm.mean.shape == (2, 129)
    np.testing.assert_allclose(norm.mean, x.mean(axis=(0, 2)), atol=1e-4)
    z = norm.transform(x)
    np.testing.assert_allclose(z.mean(axis=(0, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(z.std(axis=(0, 2)), 1, atol=1e-3)


def test_streaming_fit_equals_fit_on_the_concatenation() -> None:
    parts = [_features(1, 7), _features(2, 13)]
    streamed = Normalizer().fit(iter(parts))
    whole = Normalizer().fit(np.concatenate(parts))
    np.testing.assert_allclose(streamed.mean, whole.mean, atol=1e-4)
    np.testing.assert_allclose(streamed.std, whole.std, atol=1e-4)


def test_constant_bins_get_a_floor_instead_of_zero_std() -> None:
    norm = Normalizer().fit(np.zeros((3, 1, 29, 129), np.float32))
    assert np.isfinite(norm.transform(np.ones((1, 1, 29, 129), np.float32))).all()


def test_save_and_load(tmp_path: Path) -> None:
    norm = Normalizer().fit(_features(3))
    norm.save(tmp_path / "norm.npz")
    loaded = Normalizer.load(tmp_path / "norm.npz")
    x = _features(4)
    np.testing.assert_array_equal(loaded.transform(x), norm.transform(x))


def test_errors() -> None:
    with pytest.raises(ConfigError, match="not fitted"):
        Normalizer().transform(_features(0))
    with pytest.raises(ConfigError, match="shape \\(E, C, T, F\\)"):
        Normalizer().fit(np.zeros((3, 29, 129), np.float32))
    with pytest.raises(ConfigError, match="zero epochs"):
        Normalizer().fit([])
    with pytest.raises(ConfigError, match="do not match the normaliser"):
        Normalizer().fit(_features(0)).transform(np.zeros((1, 3, 29, 129), np.float32))


def test_loading_a_file_that_is_not_a_normaliser(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(FileFormatError, match="not a normaliser file"):
        Normalizer.load(path)
