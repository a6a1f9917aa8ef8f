"""Building blocks of the generator: shaped noise, event placement, templates."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from seqsleepnet.data.synthetic import waves

FS = 128.0


def test_shaped_noise_has_unit_rms_and_stays_in_band() -> None:
    n = int(600 * FS)
    rng = np.random.default_rng(0)
    x = waves.shaped_noise(waves.white_spectrum(n, rng), waves.band_mask(n, FS, 4.0, 7.5), n)
    assert x.dtype == np.float32
    assert float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) == pytest.approx(1.0, rel=1e-3)
    assert abs(float(x.mean())) < 1e-3
    freqs, psd = scipy.signal.welch(x, FS, nperseg=int(4 * FS))
    core = psd[(freqs >= 4.0) & (freqs <= 7.5)].sum()
    skirts = psd[(freqs >= 3.0) & (freqs <= 7.5 * 1.25)].sum()  # default taper 0.25
    assert core / psd.sum() > 0.75
    assert skirts / psd.sum() > 0.99


def test_disjoint_bands_of_one_spectrum_are_uncorrelated() -> None:
    n = int(600 * FS)
    spectrum = waves.white_spectrum(n, np.random.default_rng(1))
    low = waves.shaped_noise(spectrum, waves.band_mask(n, FS, 0.5, 2.0, taper=0.2), n)
    high = waves.shaped_noise(spectrum, waves.band_mask(n, FS, 16.0, 30.0, taper=0.15), n)
    assert abs(np.corrcoef(low, high)[0, 1]) < 0.01


def test_one_over_f_exponent_sets_the_slope() -> None:
    n = int(600 * FS)
    spectrum = waves.white_spectrum(n, np.random.default_rng(2))
    slopes = []
    for exponent in (1.0, 2.0):
        x = waves.shaped_noise(spectrum, waves.band_mask(n, FS, 0.3, 45.0, exponent=exponent), n)
        freqs, psd = scipy.signal.welch(x, FS, nperseg=int(4 * FS))
        keep = (freqs >= 2.0) & (freqs <= 30.0)
        slopes.append(np.polyfit(np.log10(freqs[keep]), np.log10(psd[keep]), 1)[0])
    assert slopes[0] == pytest.approx(-1.0, abs=0.15)
    assert slopes[1] == pytest.approx(-2.0, abs=0.15)


def test_poisson_onsets_follow_the_rate() -> None:
    rng = np.random.default_rng(3)
    rate = np.concatenate([np.zeros(500), np.full(500, 0.5)])
    onsets = waves.poisson_onsets(rate, 256, rng)
    assert (onsets >= 500 * 256).all()
    assert 200 < onsets.size < 300
    assert np.all(np.diff(onsets) >= 0)


def test_add_events_clips_at_both_ends() -> None:
    x = np.zeros(10, dtype=np.float32)
    template = np.ones(4)
    waves.add_events(x, [-2, 8, 20], [template] * 3, gains=[1.0, 2.0, 5.0])
    np.testing.assert_array_equal(x, [1, 1, 0, 0, 0, 0, 0, 0, 2, 2])


def test_spindle_frequency_and_duration() -> None:
    rng = np.random.default_rng(4)
    s = waves.spindle(FS, 1.5, 13.0, 30.0, rng)
    assert s.size == int(1.5 * FS)
    assert np.abs(s).max() <= 30.0 + 1e-4
    spectrum = np.abs(np.fft.rfft(s, n=8 * s.size))
    peak = np.fft.rfftfreq(8 * s.size, 1 / FS)[np.argmax(spectrum)]
    assert peak == pytest.approx(13.0, abs=0.5)


def test_k_complex_is_negative_first_with_requested_size() -> None:
    k = waves.k_complex(FS, 120.0, np.random.default_rng(5))
    assert np.ptp(k) == pytest.approx(120.0, rel=1e-4)
    assert np.argmin(k) < np.argmax(k)


def test_ecg_spikes_follow_heart_rate() -> None:
    ecg = waves.ecg_spikes(int(300 * FS), FS, 60.0, np.random.default_rng(6))
    peaks, _ = scipy.signal.find_peaks(ecg, height=0.5)
    assert 270 < peaks.size < 330


def test_electrode_pop_decays() -> None:
    pop = waves.electrode_pop(FS, 200.0, np.random.default_rng(7))
    assert pop[0] == pytest.approx(200.0)
    assert abs(pop[-1]) < 0.05 * 200.0
