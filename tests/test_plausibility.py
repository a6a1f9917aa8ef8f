"""Channel plausibility verdicts: rate and unit from the header, content from the samples."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import sleep_like
from seqsleepnet.io.plausibility import LIMITS, content_problems, epoch_spread, header_problems


def test_a_one_hertz_emg_is_an_envelope() -> None:
    (problem,) = header_problems("emg", 1.0, "uV")
    assert problem.startswith("is sampled at 1 Hz; at least 50 Hz is needed for a chin EMG")
    assert "envelope" in problem
    assert header_problems("emg", 125.0, "uV") == []


@pytest.mark.parametrize(("role", "sfreq"), [("eeg", 64.0), ("eog", 32.0)])
def test_eeg_and_eog_below_their_rate_are_refused(role: str, sfreq: float) -> None:
    (problem,) = header_problems(role, sfreq, "uV")
    assert f"at least {LIMITS[role].min_sfreq:g} Hz is needed" in problem


@pytest.mark.parametrize("unit", ["uV", "mV", "V", "µV", "", "UV"])
def test_voltage_units_and_a_blank_unit_pass(unit: str) -> None:
    assert header_problems("eeg", 256.0, unit) == []


def test_a_unit_that_is_no_voltage_is_refused() -> None:
    assert header_problems("eeg", 256.0, "DegC") == ["is in 'DegC', not a voltage unit"]


def test_a_plausible_eeg_passes_with_its_measures() -> None:
    problems, measures = content_problems("eeg", sleep_like(600, 256, 1), 256.0)
    assert problems == []
    assert measures["flat_share"] == 0.0
    assert 10.0 < measures["median_sd_uv"] < 60.0
    assert measures["fast_share"] < 0.2


def test_a_flat_channel_is_disconnected() -> None:
    x = np.zeros(256 * 600)
    x[: 256 * 60] = sleep_like(60, 256)  # one minute of signal, then a lost electrode
    problems, measures = content_problems("eeg", x, 256.0)
    assert problems == ["is flat in 90% of its epochs (disconnected or empty)"]
    assert measures["flat_share"] == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("scale", "unit"), [(1e-6, "volts"), (1e-3, "millivolts")], ids=["volts", "millivolts"]
)
def test_amplitudes_in_the_wrong_unit_are_named(scale: float, unit: str) -> None:
    (problem,) = content_problems("eeg", sleep_like(600, 256) * scale, 256.0)[0]
    assert f"the values look like {unit}, not microvolts" in problem


def test_an_amplitude_above_any_eeg_is_a_gain_error() -> None:
    (problem,) = content_problems("eeg", sleep_like(600, 256) * 100, 256.0)[0]
    assert "above the 500 uV of any EEG: a gain or unit error" in problem


def test_microvolts_marked_as_volts_say_how_to_scale_them() -> None:
    """An mne Raw built from microvolts (MNE holds volts) reads a million times too large."""
    (problem,) = content_problems("eeg", sleep_like(600, 256) * 1e6, 256.0)[0]
    assert "microvolts marked as volts (an mne Raw holds volts: multiply" in problem


def test_muscle_activity_under_an_eeg_label_is_refused() -> None:
    rng = np.random.default_rng(0)
    emg = np.diff(rng.normal(0, 20, 256 * 600 + 1))  # white-ish, high-frequency noise
    (problem,) = content_problems("eeg", emg, 256.0)[0]
    assert "like muscle activity (a chin EMG?), not an EEG" in problem
    assert content_problems("emg", emg, 256.0)[0] == []  # the same signal is a fine EMG


def test_nan_samples_are_a_problem() -> None:
    x = sleep_like(60, 100)
    x[10] = np.nan
    assert content_problems("eog", x, 100.0)[0] == ["has 1 NaN/inf samples"]


def test_epoch_spread_is_per_30_s_epoch() -> None:
    x = np.concatenate([np.zeros(3000), np.tile([1.0, -1.0], 1500), np.ones(50)])
    np.testing.assert_allclose(epoch_spread(x, 100.0), [0.0, 1.0])


def test_a_chin_emg_passes_with_its_muscle_share() -> None:
    problems, measures = content_problems("emg", sleep_like(600, 256, 3, scale=5.0), 256.0)
    assert problems == []
    assert measures["muscle_share"] > 0.1


def test_a_slow_envelope_at_a_muscle_channels_rate_is_no_chin_emg() -> None:
    from scipy.signal import resample

    envelope = np.abs(sleep_like(600, 1, 4)) + 5  # Sleep-EDF's 1-Hz "EMG submental"
    upsampled = resample(envelope, 600 * 100)  # as MNE reads it beside 100-Hz channels
    (problem,) = content_problems("emg", upsampled, 100.0)[0]
    assert "of its 0.5-50 Hz power above 10 Hz" in problem
    assert "no muscle activity" in problem
