import numpy as np
import pytest

from seqsleepnet.errors import ConfigError
from seqsleepnet.features.conditioning import condition, resample
from seqsleepnet.features.config import ConditioningConfig


def _tone(freq: float, sfreq: float, seconds: float = 60.0) -> np.ndarray:
    t = np.arange(round(seconds * sfreq)) / sfreq
    return np.sin(2 * np.pi * freq * t)


def _gain(y: np.ndarray, x: np.ndarray) -> float:
    core = slice(y.size // 4, 3 * y.size // 4)  # away from the edges
    return float(np.std(y[core]) / np.std(x[core]))


@pytest.mark.parametrize(("freq", "passes"), [(0.02, False), (10.0, True), (48.0, False)])
def test_eeg_bandpass_keeps_the_band_and_removes_the_rest(freq: float, passes: bool) -> None:
    x = _tone(freq, 256.0, seconds=200.0)
    gain = _gain(condition(x, 256.0, "eeg", ConditioningConfig()), x)
    assert gain > 0.9 if passes else gain < 0.3


def test_bandpass_is_zero_phase() -> None:
    x = _tone(10.0, 100.0)
    y = condition(x, 100.0, "eog", ConditioningConfig())
    core = slice(1000, 5000)
    lag = np.argmax(np.correlate(y[core], x[core], mode="full")) - (core.stop - core.start - 1)
    assert lag == 0


@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_emg_notch_removes_mains_and_highpass_removes_slow_drift(mains: float) -> None:
    sfreq = 256.0
    muscle = _tone(30.0, sfreq)
    y = condition(
        muscle + _tone(mains, sfreq) + 5 * _tone(1.0, sfreq), sfreq, "emg", ConditioningConfig()
    )
    residual = y - condition(muscle, sfreq, "emg", ConditioningConfig())
    assert _gain(residual, _tone(mains, sfreq)) < 0.05
    assert _gain(y, muscle) == pytest.approx(1.0, abs=0.1)


def test_emg_envelope_too_slow_to_filter_is_left_alone() -> None:
    x = np.abs(_tone(0.01, 1.0, seconds=3600)) + 3
    np.testing.assert_array_equal(condition(x, 1.0, "emg", ConditioningConfig()), x)


def test_disabled_conditioning_returns_input() -> None:
    x = _tone(0.01, 100.0)
    np.testing.assert_array_equal(condition(x, 100.0, "eeg", ConditioningConfig(enabled=False)), x)


@pytest.mark.parametrize("sfreq", [256.0, 200.0, 125.0, 50.0, 1.0])
def test_resample_to_100_hz_keeps_duration(sfreq: float) -> None:
    x = _tone(0.2, sfreq, seconds=256.0)
    assert resample(x, sfreq, 100.0).size == 25600


def test_authors_fir_alone_barely_removes_slow_drift() -> None:
    x = _tone(0.02, 256.0, seconds=400.0)
    authors = ConditioningConfig(strict_highpass=False)
    assert _gain(condition(x, 256.0, "eeg", authors), x) > 0.5


def test_resample_removes_content_above_the_new_nyquist() -> None:
    x = _tone(70.0, 256.0)  # would alias to 30 Hz at 100 Hz without anti-aliasing
    assert np.std(resample(x, 256.0, 100.0)) < 0.05


@pytest.mark.parametrize("sfreq", [256.0, 200.0])
def test_a_dc_offset_leaves_no_transient_at_the_ends(sfreq: float) -> None:
    """10 mV of offset, as DC-coupled amplifiers record, under 20 uV of 10-Hz activity."""
    x = 20.0 * _tone(10.0, sfreq, seconds=120.0)
    clean = condition(resample(x, sfreq, 100.0), 100.0, "eeg", ConditioningConfig())
    offset = condition(resample(x + 10_000.0, sfreq, 100.0), 100.0, "eeg", ConditioningConfig())
    assert np.abs(offset - clean).max() < 2.0  # uV (of 10,000), everywhere, its ends included


def test_config_is_validated() -> None:
    with pytest.raises(ConfigError, match="band must satisfy"):
        ConditioningConfig(band=(40.0, 0.3))
    with pytest.raises(ConfigError, match="fir_order must be an even number"):
        ConditioningConfig(fir_order=101)
