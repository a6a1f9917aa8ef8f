"""Domain randomisation of the synthetic generator: seeded, bounded, off by default."""

from __future__ import annotations

import numpy as np
import pytest

from seqsleepnet.data.synthetic import CHANNELS, SubjectProfile, generate_night
from seqsleepnet.data.synthetic.randomise import RANGES, RecordingConditions

FS = 128.0
STAGES = np.repeat(np.array([0, 2, 3, 4]), 12)  # 24 minutes


def test_off_by_default_the_signals_are_unchanged() -> None:
    plain = generate_night(STAGES, seed=5, fs=FS)
    assert plain.conditions is None
    again = generate_night(STAGES, seed=5, fs=FS, randomise=False)
    for name in CHANNELS:
        np.testing.assert_array_equal(plain.signals[name], again.signals[name])


def test_randomised_nights_are_reproducible_and_differ_from_plain_ones() -> None:
    first = generate_night(STAGES, seed=5, fs=FS, randomise=True)
    second = generate_night(STAGES, seed=5, fs=FS, randomise=True)
    plain = generate_night(STAGES, seed=5, fs=FS)
    assert first.conditions == second.conditions and first.conditions is not None
    for name in CHANNELS:
        np.testing.assert_array_equal(first.signals[name], second.signals[name])
        assert not np.allclose(first.signals[name], plain.signals[name])


def test_gain_is_shared_by_a_subjects_nights_and_bounded() -> None:
    draws = {
        (s, n): RecordingConditions.draw(CHANNELS, seed=1, subject=s, night=n)
        for s in range(40)
        for n in (1, 2)
    }
    gains = np.array([c.gain for c in draws.values()])
    low, high = RANGES["gain"]
    assert low <= gains.min() and gains.max() <= high
    assert gains.max() / gains.min() > 4  # a wide spread between subjects
    night_low, night_high = RANGES["night_gain"]
    for s in range(40):
        ratio = draws[(s, 2)].gain / draws[(s, 1)].gain
        if low < draws[(s, 1)].gain < high and low < draws[(s, 2)].gain < high:
            assert night_low / night_high <= ratio <= night_high / night_low
    assert {c.mains_hz for c in draws.values()} == {50.0, 60.0}


def test_gain_scales_the_signals() -> None:
    night = generate_night(STAGES, seed=2, fs=FS, randomise=True)
    plain = generate_night(STAGES, seed=2, fs=FS)
    assert night.conditions is not None
    ratio = np.std(night.signals["eeg_central"]) / np.std(plain.signals["eeg_central"])
    assert 0.3 * night.conditions.gain < ratio < 3 * night.conditions.gain


def _near(power: np.ndarray, freqs: np.ndarray, hz: float) -> float:
    return float(power[np.abs(freqs - hz) < 0.2].sum())


def test_the_mains_frequency_is_in_the_signal() -> None:
    for subject in range(6):
        night = generate_night(STAGES, seed=3, subject=subject, fs=256.0, randomise=True)
        assert night.conditions is not None
        if night.conditions.mains_uv < 3.0:
            continue
        x = night.signals["eeg_central"].astype(np.float64)
        power = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(x.size, 1 / 256.0)
        other = 50.0 if night.conditions.mains_hz == 60.0 else 60.0
        assert _near(power, freqs, night.conditions.mains_hz) > 10 * _near(power, freqs, other)
        return
    pytest.fail("no night with strong mains among six subjects")


def test_stage_signatures_are_jittered_within_the_profile_ranges() -> None:
    profile = SubjectProfile(spindle_density=14.0, alpha_strength=0.1)
    for night in range(1, 8):
        conditions = RecordingConditions.draw(CHANNELS, seed=0, subject=0, night=night)
        jittered = conditions.jitter(profile)
        assert jittered.spindle_density <= 15.0  # clipped to the profile's range
        assert jittered.alpha_strength == pytest.approx(0.1 * conditions.alpha_strength)
        assert jittered.age == profile.age


def test_n3_keeps_more_delta_than_wake_under_randomisation() -> None:
    night = generate_night(STAGES, seed=4, fs=FS, randomise=True)
    epochs = night.epochs("eeg_frontal").astype(np.float64)
    power = np.abs(np.fft.rfft(epochs, axis=1)) ** 2
    freqs = np.fft.rfftfreq(epochs.shape[1], 1 / FS)
    delta = power[:, (freqs >= 0.5) & (freqs < 2)].sum(axis=1)
    assert np.median(delta[STAGES == 3]) > 3 * np.median(delta[STAGES == 0])
