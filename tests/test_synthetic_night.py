"""The synthetic night generator: stage signatures, reproducibility, subjects, bad input."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import scipy.signal

from seqsleepnet.data.synthetic import CHANNELS, SubjectProfile, SyntheticNight, generate_night
from seqsleepnet.errors import ConfigError, HypnogramError

FS = 128.0
BLOCK = 20
# Three cycles of 10-min blocks of W, N1, N2, N3, REM.
BLOCKS = np.repeat(np.array([0, 1, 2, 3, 4] * 3), BLOCK)


def _middle() -> npt.NDArray[np.bool_]:
    """Epochs in the middle of each block (away from blended transitions)."""
    mid = np.zeros(BLOCKS.size, dtype=bool)
    for b in range(BLOCKS.size // BLOCK):
        mid[b * BLOCK + 4 : b * BLOCK + BLOCK - 4] = True
    return mid


def _per_stage(values: npt.NDArray[np.float64]) -> list[float]:
    mid = _middle()
    return [float(np.median(values[mid & (s == BLOCKS)])) for s in range(5)]


def _band_power(
    night: SyntheticNight, channel: str, low: float, high: float
) -> npt.NDArray[np.float64]:
    freqs, psd = scipy.signal.welch(
        night.epochs(channel), night.fs, nperseg=int(2 * night.fs), axis=-1
    )
    return psd[:, (freqs >= low) & (freqs < high)].sum(axis=1)


@pytest.fixture(scope="module", params=[0, 1])
def night(request: pytest.FixtureRequest) -> SyntheticNight:
    return generate_night(BLOCKS, seed=request.param, profile=SubjectProfile(), fs=FS)


def test_shapes_units_and_content(night: SyntheticNight) -> None:
    assert tuple(night.signals) == CHANNELS
    for x in night.signals.values():
        assert x.dtype == np.float32
        assert x.shape == (BLOCKS.size * 30 * int(FS),)
        assert np.isfinite(x).all()
    assert night.epochs("emg").shape == (BLOCKS.size, 30 * int(FS))
    # EEG in a plausible microvolt range.
    assert 5.0 < float(np.median(np.abs(night.signals["eeg_central"]))) < 60.0
    # Each epoch's label is the majority of its content; blends stay minorities.
    content = night.content
    np.testing.assert_allclose(content.sum(axis=1), 1.0)
    assert (content[np.arange(BLOCKS.size), BLOCKS] > 0.5).all()
    assert (content.max(axis=1) < 1.0).any()


def test_delta_n3_above_n2_above_others(night: SyntheticNight) -> None:
    w, n1, n2, n3, rem = _per_stage(_band_power(night, "eeg_frontal", 0.5, 2.0))
    assert n3 > 1.4 * n2
    assert n2 > max(w, n1, rem)


def test_n3_slow_waves_exceed_75_microvolts(night: SyntheticNight) -> None:
    sos = scipy.signal.butter(2, [0.5, 2.0], "bandpass", fs=FS, output="sos")
    slow = scipy.signal.sosfiltfilt(sos, night.signals["eeg_frontal"]).reshape(BLOCKS.size, -1)
    peak_to_peak = np.ptp(slow, axis=1)
    assert _per_stage(peak_to_peak)[3] > 75.0


def test_sigma_bursts_in_n2(night: SyntheticNight) -> None:
    sos = scipy.signal.butter(4, [11.0, 16.0], "bandpass", fs=FS, output="sos")
    sigma = scipy.signal.sosfiltfilt(sos, night.signals["eeg_central"])
    window = int(FS // 2)
    envelope = np.sqrt(np.convolve(sigma**2, np.ones(window) / window, "same"))
    per_epoch = envelope.reshape(BLOCKS.size, -1)
    burstiness = np.percentile(per_epoch, 95, axis=1) / np.median(per_epoch, axis=1)
    w, _, n2, _, rem = _per_stage(burstiness)
    assert n2 > 1.2 * max(w, rem)


def test_emg_w_above_n1_above_nrem_above_rem(night: SyntheticNight) -> None:
    b, a = scipy.signal.iirnotch(50.0, 30.0, fs=FS)  # mains removed, as in any EMG analysis
    emg = scipy.signal.filtfilt(b, a, night.epochs("emg").astype(np.float64), axis=-1)
    rms = np.sqrt(np.mean(emg**2, axis=1))
    w, n1, n2, n3, rem = _per_stage(rms)
    assert w > n1 > max(n2, n3)
    assert min(n2, n3) > rem


def test_eye_movements_in_rem_and_wake(night: SyntheticNight) -> None:
    horizontal = (night.epochs("eog_left") - night.epochs("eog_right")).astype(np.float64)
    sos = scipy.signal.butter(2, [0.3, 10.0], "bandpass", fs=FS, output="sos")
    activity = np.sqrt(np.mean(scipy.signal.sosfiltfilt(sos, horizontal, axis=-1) ** 2, axis=1))
    w, _, n2, n3, rem = _per_stage(activity)
    assert min(w, rem) > 1.3 * max(n2, n3)


def test_alpha_strongest_in_wake(night: SyntheticNight) -> None:
    relative = _band_power(night, "eeg_occipital", 8.0, 12.0) / _band_power(
        night, "eeg_occipital", 0.5, 30.0
    )
    w, *others = _per_stage(relative)
    assert w > 1.5 * max(others)


def test_eog_movements_opposite_and_slow_waves_in_phase() -> None:
    rem = generate_night(np.full(20, 4), seed=3, profile=SubjectProfile(eog_spillover=0.0), fs=FS)
    sos = scipy.signal.butter(2, [0.3, 10.0], "bandpass", fs=FS, output="sos")
    left = scipy.signal.sosfiltfilt(sos, rem.signals["eog_left"])
    right = scipy.signal.sosfiltfilt(sos, rem.signals["eog_right"])
    assert np.corrcoef(left, right)[0, 1] < -0.5
    n3 = generate_night(np.full(20, 3), seed=3, profile=SubjectProfile(eog_spillover=0.6), fs=FS)
    sos = scipy.signal.butter(2, [0.5, 2.0], "bandpass", fs=FS, output="sos")
    left = scipy.signal.sosfiltfilt(sos, n3.signals["eog_left"])
    right = scipy.signal.sosfiltfilt(sos, n3.signals["eog_right"])
    assert np.corrcoef(left, right)[0, 1] > 0.5


def test_same_seed_same_arrays_and_other_seeds_differ() -> None:
    stages = np.array([0, 0, 1, 2, 2, 3, 3, 2, 4, 4, -1, 0])
    a = generate_night(stages, seed=7, fs=FS)
    b = generate_night(stages, seed=7, fs=FS)
    c = generate_night(stages, seed=8, fs=FS)
    d = generate_night(stages, seed=7, night=2, fs=FS)
    for name in CHANNELS:
        np.testing.assert_array_equal(a.signals[name], b.signals[name])
        assert not np.allclose(a.signals[name], c.signals[name])
        assert not np.allclose(a.signals[name], d.signals[name])
    assert a.profile == b.profile == d.profile  # a subject keeps its profile across nights
    assert a.profile != c.profile


def test_profile_changes_alpha_peak_and_amplitude() -> None:
    wake = np.zeros(30, dtype=int)

    def alpha_peak(profile: SubjectProfile) -> float:
        x = generate_night(wake, seed=1, profile=profile, fs=FS).signals["eeg_occipital"]
        freqs, psd = scipy.signal.welch(x, FS, nperseg=int(8 * FS))
        band = (freqs >= 7.0) & (freqs <= 13.0)
        return float(freqs[band][np.argmax(psd[band])])

    assert abs(alpha_peak(SubjectProfile(alpha_frequency=8.5, alpha_strength=2.0)) - 8.5) < 0.6
    assert abs(alpha_peak(SubjectProfile(alpha_frequency=11.5, alpha_strength=2.0)) - 11.5) < 0.6

    stages = np.array([2, 2, 3, 3, 2, 2] * 3)
    quiet = generate_night(
        stages, seed=2, profile=SubjectProfile(amplitude=0.6, noise_level=0.5), fs=FS
    ).signals["eeg_central"]
    loud = generate_night(
        stages, seed=2, profile=SubjectProfile(amplitude=1.2, noise_level=0.5), fs=FS
    ).signals["eeg_central"]
    ratio = float(np.std(loud) / np.std(quiet))
    assert 1.6 < ratio < 2.4


@pytest.mark.parametrize(
    ("stages", "match"),
    [
        (np.array([0, 1, 5]), r"values \[5\]"),
        (np.array([[0, 1], [2, 3]]), "1-D"),
        (np.array([], dtype=int), "non-empty"),
        (np.array([0.5, 1.0]), "integers"),
    ],
)
def test_bad_stages_raise(stages: npt.NDArray[np.float64], match: str) -> None:
    with pytest.raises(HypnogramError, match=match):
        generate_night(stages, fs=FS)


@pytest.mark.parametrize("fs", [100.0, 2000.0, 200.5])
def test_bad_rate_raises(fs: float) -> None:
    with pytest.raises(ConfigError, match="base rate"):
        generate_night(np.zeros(2, dtype=int), fs=fs)


def test_unknown_channel_raises() -> None:
    night = generate_night(np.zeros(2, dtype=int), fs=FS)
    with pytest.raises(ConfigError, match="not in the synthetic night"):
        night.epochs("EEG Cz")


def test_unscored_epochs_carry_movement_artefacts() -> None:
    stages = np.array([0] * 20 + [-1] * 20)
    night = generate_night(stages, seed=4, profile=SubjectProfile(), fs=FS)
    eeg = np.abs(night.epochs("eeg_central"))
    wake_peak = float(np.percentile(eeg[:20], 99.9))
    movement_peak = float(np.percentile(eeg[20:], 99.9))
    assert movement_peak > 1.5 * wake_peak
    np.testing.assert_array_equal(night.stages, stages)
