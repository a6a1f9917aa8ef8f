import numpy as np
import pytest
from scipy import signal

from seqsleepnet.features.config import FeatureConfig
from seqsleepnet.features.stft import stft_log_magnitude


def _scipy_reference(x: np.ndarray) -> np.ndarray:
    """The same STFT through scipy, in the paper's unscaled dB convention, (E, C, T, F)."""
    window = signal.windows.hamming(200, sym=True)
    _, _, z = signal.stft(
        x,
        window=window,
        nperseg=200,
        noverlap=100,
        nfft=256,
        boundary=None,
        padded=False,
        detrend=False,
        axis=-1,
    )
    return np.swapaxes(20 * np.log10(np.abs(z) * window.sum()), -1, -2)


def test_matches_scipy_stft_on_the_same_windows() -> None:
    x = np.random.default_rng(0).normal(scale=20, size=(300, 3, 3000)).astype(np.float32)
    ours = stft_log_magnitude(x)  # 300 epochs: crosses the internal chunk boundary
    assert ours.shape == (300, 3, 29, 129)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, _scipy_reference(x), atol=1e-3)


def test_sine_peaks_at_its_frequency_bin() -> None:
    t = np.arange(3000) / 100
    x = np.sin(2 * np.pi * 12.5 * t)[None, None]
    image = stft_log_magnitude(x)[0, 0]
    assert np.all(image.argmax(axis=1) == 32)  # 12.5 Hz / (100 / 256 Hz per bin)


def test_zeros_hit_the_floor_instead_of_minus_infinity() -> None:
    image = stft_log_magnitude(np.zeros((1, 1, 3000), np.float32))
    assert np.all(image == pytest.approx(20 * np.log10(FeatureConfig().floor)))


def test_scaling_a_signal_shifts_its_image_by_the_gain_in_db() -> None:
    x = np.random.default_rng(1).normal(size=(2, 1, 3000)).astype(np.float32)
    np.testing.assert_allclose(stft_log_magnitude(10 * x), stft_log_magnitude(x) + 20, atol=1e-3)
