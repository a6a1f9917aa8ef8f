"""Memory-bounded reading and conditioning of long recordings give the same signals."""

from __future__ import annotations

from pathlib import Path

import mne
import numpy as np
import pytest
import scipy.signal

from conftest import sleep_like, write_test_edf
from seqsleepnet.errors import ConfigError
from seqsleepnet.features.conditioning import condition, condition_in_chunks, fir_filtfilt
from seqsleepnet.features.config import ConditioningConfig
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.io import edf
from seqsleepnet.io.edf_header import read_edf_header


def _drifting(seconds: float, sfreq: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    drift = np.cumsum(rng.normal(size=round(seconds * sfreq))) * 0.2
    return sleep_like(seconds, sfreq, seed=seed) + drift + 150.0  # offset and slow drift


@pytest.mark.parametrize("role", ["eeg", "eog", "emg"])
def test_chunked_conditioning_equals_whole_signal(role: str) -> None:
    sfreq = 128.0
    x = _drifting(610.0, sfreq, seed=3)  # not a whole number of chunks
    whole = condition(x, sfreq, role, ConditioningConfig())
    chunked = condition_in_chunks(
        x, sfreq, role, ConditioningConfig(), chunk_seconds=100.0, overlap_seconds=40.0
    )
    assert chunked.dtype == np.float32
    assert chunked.shape == x.shape
    np.testing.assert_allclose(chunked, whole, atol=1e-3 * whole.std())


def test_chunks_without_overlap_differ_at_the_seams() -> None:
    # the overlap is what makes pieces agree: without it the seams show
    sfreq = 128.0
    x = _drifting(400.0, sfreq, seed=4)
    whole = condition(x, sfreq, "eeg", ConditioningConfig())
    bare = condition_in_chunks(
        x, sfreq, "eeg", ConditioningConfig(), chunk_seconds=100.0, overlap_seconds=0.0
    )
    assert np.max(np.abs(bare - whole)) > 1e-2 * whole.std()


def test_chunked_conditioning_of_a_short_signal_is_the_plain_filter() -> None:
    x = _drifting(90.0, 100.0, seed=5)
    np.testing.assert_allclose(
        condition_in_chunks(x, 100.0, "eeg", ConditioningConfig()),
        condition(x.astype(np.float32), 100.0, "eeg", ConditioningConfig()).astype(np.float32),
    )


def test_conditioning_in_float32_equals_float64_to_float32_precision() -> None:
    x = _drifting(600.0, 100.0, seed=6)
    for role in ("eeg", "emg"):
        exact = condition(x, 100.0, role, ConditioningConfig())
        fast = condition(x.astype(np.float32), 100.0, role, ConditioningConfig())
        assert np.max(np.abs(fast - exact)) < 1e-5 * np.max(np.abs(exact))


@pytest.mark.parametrize(("chunk", "overlap"), [(0.0, 10.0), (-5.0, 10.0), (60.0, -1.0)])
def test_chunk_settings_are_validated(chunk: float, overlap: float) -> None:
    with pytest.raises(ConfigError, match="chunk_seconds must be > 0"):
        condition_in_chunks(
            np.zeros(1000),
            100.0,
            "eeg",
            ConditioningConfig(),
            chunk_seconds=chunk,
            overlap_seconds=overlap,
        )


def test_channel_read_in_pieces_equals_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sfreq = 200.0
    path = write_test_edf(
        tmp_path / "night.edf",
        {
            "EEG C4-M1": (sleep_like(600.0, sfreq, seed=1), sfreq),
            "EMG Chin": (sleep_like(600.0, sfreq, seed=2), sfreq),
        },
    )
    monkeypatch.setattr(edf, "READ_SECONDS", 70.0)  # 9 pieces, the last one short
    x, rate = edf._read_channel(path, read_edf_header(path), "EEG C4-M1")
    reference = mne.io.read_raw_edf(path, include=["EEG C4-M1"], preload=True, verbose="error")
    assert rate == sfreq
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, reference.get_data()[0] * 1e6, rtol=1e-6, atol=1e-3)


def test_recording_from_long_file_matches_whole_signal_conditioning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sfreq = 100.0
    signals = {"EEG Fpz-Cz": (_drifting(900.0, sfreq, seed=6), sfreq)}
    path = write_test_edf(tmp_path / "long.edf", signals)
    monkeypatch.setattr(edf, "READ_SECONDS", 120.0)
    recording = Preprocessing(roles=("eeg",)).read(path)
    stored = mne.io.read_raw_edf(path, preload=True, verbose="error").get_data()[0] * 1e6
    expected = condition(stored, sfreq, "eeg", ConditioningConfig())
    np.testing.assert_allclose(recording.data[0], expected, atol=1e-3 * expected.std())


@pytest.mark.parametrize("padlen", [0, 1, 303, 2000])
def test_fir_filtfilt_equals_scipy_filtfilt(padlen: int) -> None:
    x = _drifting(40.0, 256.0, seed=7)
    taps = scipy.signal.firwin(101, [0.3, 40.0], pass_zero=False, fs=256.0)
    expected = scipy.signal.filtfilt(taps, [1.0], x, padlen=padlen)
    np.testing.assert_allclose(fir_filtfilt(taps, x, padlen), expected, rtol=0, atol=1e-9)


def test_fir_filtfilt_is_zero_phase_and_keeps_the_band() -> None:
    t = np.arange(round(60 * 256.0)) / 256.0
    tone = np.sin(2 * np.pi * 10.0 * t)
    taps = scipy.signal.firwin(101, [0.3, 40.0], pass_zero=False, fs=256.0)
    y = fir_filtfilt(taps, tone, 303)
    core = slice(2000, -2000)
    np.testing.assert_allclose(y[core], tone[core], atol=0.02)
