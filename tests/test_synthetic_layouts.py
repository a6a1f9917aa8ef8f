"""EDF files in dataset layouts: channel names, rates, header, hypnogram next to it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import edfio
import mne
import numpy as np
import pytest

from seqsleepnet.data.synthetic import LAYOUTS, SubjectProfile, write_synthetic_night
from seqsleepnet.data.synthetic.layouts import file_stem
from seqsleepnet.errors import ConfigError, FileFormatError, HypnogramError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram

STAGES = np.array([0, 0, 1, 2, 2, 3, 3, 2, 4, 4, -1, 0], dtype=np.int8)

EXPECTED = {
    "sleep-edf": (
        "SC4032E0-PSG.edf",
        "SC4032EC-Hypnogram.edf",
        {
            "EEG Fpz-Cz": 100.0,
            "EEG Pz-Oz": 100.0,
            "EOG horizontal": 100.0,
            "Resp oro-nasal": 1.0,
            "EMG submental": 1.0,
            "Temp rectal": 1.0,
            "Event marker": 1.0,
        },
    ),
    "mass": (
        "01-03-0003-2 PSG.edf",
        "01-03-0003-2 Base.edf",
        {
            "EEG F4-CLE": 256.0,
            "EEG C4-CLE": 256.0,
            "EEG O2-CLE": 256.0,
            "EOG Right Horiz": 256.0,
            "EOG Left Horiz": 256.0,
            "EMG Chin1": 256.0,
            "EMG Chin2": 256.0,
        },
    ),
    "shhs": (
        "shhs2-200003.edf",
        "shhs2-200003-nsrr.xml",
        {"EEG(sec)": 125.0, "EEG": 125.0, "EOG(L)": 50.0, "EOG(R)": 50.0, "EMG": 125.0},
    ),
    "aasm": (
        "synth-03-night2.edf",
        "synth-03-night2.tsv",
        {
            "C4-M1": 200.0,
            "F4-M1": 200.0,
            "O2-M1": 200.0,
            "E1-M2": 200.0,
            "E2-M1": 200.0,
            "Chin1-Chin2": 200.0,
        },
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_files_open_with_expected_channels(layout: str, tmp_path: Path) -> None:
    files = write_synthetic_night(
        STAGES, tmp_path, layout=layout, seed=1, subject=3, night=2, fs=200.0
    )
    psg_name, hyp_name, channels = EXPECTED[layout]
    assert files.psg == tmp_path / psg_name
    assert files.hypnogram == tmp_path / hyp_name

    raw = mne.io.read_raw_edf(files.psg, preload=True, verbose="error")
    assert raw.ch_names == list(channels)
    assert raw.n_times / raw.info["sfreq"] == pytest.approx(STAGES.size * 30.0)
    edf = edfio.read_edf(files.psg)
    assert {s.label: s.sampling_frequency for s in edf.signals} == channels
    assert edf.startdate == dt.date(2000, 1, 2)
    eeg = next(
        s for s in edf.signals if s.label in ("EEG Fpz-Cz", "EEG F4-CLE", "EEG(sec)", "F4-M1")
    )
    assert eeg.physical_dimension == "uV"
    assert (eeg.physical_min, eeg.physical_max) == (-500.0, 500.0)
    assert 3.0 < float(np.std(eeg.data)) < 150.0

    hypnogram = read_hypnogram(files.hypnogram)
    np.testing.assert_array_equal(hypnogram.stages, STAGES)
    assert hypnogram.onset == 0.0


def test_sleep_edf_emg_channel_is_an_envelope(tmp_path: Path) -> None:
    stages = np.array([0] * 6 + [4] * 6)
    files = write_synthetic_night(
        stages, tmp_path, seed=2, fs=200.0, profile=SubjectProfile(emg_level=2.0)
    )
    emg = edfio.read_edf(files.psg).get_signal("EMG submental").data
    assert emg.size == stages.size * 30
    assert (emg >= 0).all()
    assert np.median(emg[:180]) > 2.0 * np.median(emg[180:])  # wake tone >> REM atonia


def test_same_seed_same_file_and_hypnogram_start(tmp_path: Path) -> None:
    start = dt.datetime(1989, 4, 24, 16, 13)
    hyp = Hypnogram(STAGES, onset=60.0, start_time=start)
    a = write_synthetic_night(hyp, tmp_path / "a", layout="aasm", seed=4, fs=128.0)
    b = write_synthetic_night(hyp, tmp_path / "b", layout="aasm", seed=4, fs=128.0)
    assert a.psg.read_bytes() == b.psg.read_bytes()
    assert edfio.read_edf(a.psg).startdatetime == start + dt.timedelta(seconds=60)


def test_accepts_a_hypnogram_file(tmp_path: Path) -> None:
    source = write_hypnogram(Hypnogram(STAGES), tmp_path / "in.tsv")
    files = write_synthetic_night(source, tmp_path / "out", layout="mass", fs=128.0)
    np.testing.assert_array_equal(read_hypnogram(files.hypnogram).stages, STAGES)


def test_values_beyond_physical_range_are_clipped(tmp_path: Path) -> None:
    profile = SubjectProfile(amplitude=5.0, slow_wave_amplitude=3.0)
    files = write_synthetic_night(np.full(6, 3), tmp_path, layout="aasm", profile=profile, fs=128.0)
    data = edfio.read_edf(files.psg).get_signal("F4-M1").data
    assert data.max() <= 500.0 + 0.1 and data.min() >= -500.0 - 0.1
    assert np.isclose(np.abs(data), 500.0, atol=0.1).any()


def test_unknown_layout_raises(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="layout='edf-x' is not allowed"):
        write_synthetic_night(STAGES, tmp_path, layout="edf-x")


def test_subject_outside_file_scheme_raises() -> None:
    with pytest.raises(ConfigError, match=r"subject 0\.\.99"):
        file_stem("sleep-edf", 120, 1)


def test_other_epoch_length_raises(tmp_path: Path) -> None:
    with pytest.raises(HypnogramError, match="epochs of 20 s"):
        write_synthetic_night(Hypnogram(STAGES, epoch_length=20.0), tmp_path)


def test_output_path_that_is_a_file_raises(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(FileFormatError, match="is a file, not a folder"):
        write_synthetic_night(STAGES, target)
