"""Reading a signal straight from the data records equals MNE's reading, in microvolts."""

from __future__ import annotations

from pathlib import Path

import edfio
import mne
import numpy as np
import pytest

from bad_inputs.cases import write_bdf
from conftest import sleep_like
from seqsleepnet.errors import FileFormatError
from seqsleepnet.io import edf_samples
from seqsleepnet.io.edf import open_psg
from seqsleepnet.io.edf_header import read_edf_header
from seqsleepnet.io.edf_samples import microvolts_per_unit, read_signal


def mne_microvolts(path: Path, name: str) -> np.ndarray:
    reader = mne.io.read_raw_bdf if path.suffix == ".bdf" else mne.io.read_raw_edf
    raw = reader(path, include=[name], preload=True, verbose="error")
    return raw.get_data()[0] * 1e6


def write_mixed_edf(path: Path) -> Path:
    """Signals of different rates, units and ranges, with an annotation signal (EDF+)."""
    rng = np.random.default_rng(3)
    seconds = 90
    signals = [
        edfio.EdfSignal(
            rng.normal(0, 30, seconds * 256),
            sampling_frequency=256,
            label="EEG C3",
            physical_dimension="uV",
            physical_range=(-500, 500),
        ),
        edfio.EdfSignal(
            rng.normal(0, 0.05, seconds * 200),
            sampling_frequency=200,
            label="EOG",
            physical_dimension="mV",
            physical_range=(-1.2, 0.8),
        ),
        edfio.EdfSignal(
            rng.normal(0, 2e-5, seconds * 1),
            sampling_frequency=1,
            label="EMG env",
            physical_dimension="V",
            physical_range=(-1e-4, 1e-4),
        ),
        edfio.EdfSignal(
            rng.normal(0, 10, seconds * 100),
            sampling_frequency=100,
            label="EEG O2",
            physical_dimension="uV",
            physical_range=(-100, 300),
        ),
    ]
    edf = edfio.Edf(signals, annotations=[edfio.EdfAnnotation(5.0, 30.0, "Sleep stage W")])
    edf.write(path)
    return path


@pytest.mark.parametrize("name", ["EEG C3", "EOG", "EMG env", "EEG O2"])
def test_each_signal_of_an_edf_equals_mnes_reading(tmp_path: Path, name: str) -> None:
    path = write_mixed_edf(tmp_path / "mixed.edf")
    header = read_edf_header(path)
    index = [s.label for s in header.signals].index(name)
    ours = read_signal(header, index)
    assert (
        ours.dtype == np.float32
        and ours.size == header.n_records * header.signals[index].samples_per_record
    )
    expected = mne_microvolts(path, name)
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6 * np.abs(expected).max())


def test_a_bdf_signal_equals_mnes_reading(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    x = {"EEG": rng.normal(0, 40, 6000), "EMG": rng.normal(0, 300, 6000)}
    path = write_bdf(tmp_path / "night.bdf", x, sfreq=100.0, physical_range=(-2000.0, 1500.0))
    header = read_edf_header(path)
    for index, name in enumerate(x):
        expected = mne_microvolts(path, name)
        np.testing.assert_allclose(read_signal(header, index), expected, rtol=1e-6, atol=1e-4)
        assert np.abs(read_signal(header, index) - x[name]).max() < 1e-3  # 24-bit resolution


def test_reading_in_pieces_equals_one_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_mixed_edf(tmp_path / "mixed.edf")
    header = read_edf_header(path)
    whole = read_signal(header, 0)
    monkeypatch.setattr(edf_samples, "PIECE_SAMPLES", 700)  # pieces of 2 records of 256 samples
    np.testing.assert_array_equal(read_signal(header, 0), whole)


def test_a_psg_named_rec_reads_like_the_same_file_named_edf(tmp_path: Path) -> None:
    edf = write_mixed_edf(tmp_path / "mixed.edf")
    rec = tmp_path / "mixed.rec"
    rec.write_bytes(edf.read_bytes())
    reads = [open_psg(p, roles=("eeg",), eeg="EEG C3").channel(0) for p in (edf, rec)]
    np.testing.assert_array_equal(reads[0], reads[1])


@pytest.mark.parametrize(
    ("unit", "factor"), [("uV", 1.0), ("µV", 1.0), ("mV", 1e3), ("V", 1e6), ("", 1e6)]
)
def test_units_are_read_as_mne_reads_them(unit: str, factor: float) -> None:
    assert microvolts_per_unit(unit) == factor


def _write_in(
    path: Path, x_uv: np.ndarray, unit: str, factor: float, *, twice: bool = False
) -> Path:
    """An EDF of ``x_uv`` (microvolts) stored in ``unit`` (``factor`` microvolts each); the
    unit is written as ASCII ("uV" placeholder) and then patched in as Latin-1 bytes."""
    limit = 1000.0 / factor
    signals = [
        edfio.EdfSignal(
            x_uv / factor,
            sampling_frequency=256,
            label="C4-M1",
            physical_dimension="uV",
            physical_range=(-limit, limit),
        )
        for _ in range(2 if twice else 1)
    ]
    edfio.Edf(signals, data_record_duration=1.0).write(path)
    data = bytearray(path.read_bytes())
    ns = len(signals)
    start = 256 + ns * (16 + 80)  # the physical dimensions follow the labels and transducers
    for i in range(ns):
        data[start + 8 * i : start + 8 * (i + 1)] = unit.encode("latin-1").ljust(8, b" ")
    path.write_bytes(bytes(data))
    return path


FILE_SPELLINGS = [
    ("uv", 1.0),
    ("UV", 1.0),
    ("\u00b5V", 1.0),  # one Latin-1 byte 0xB5: once refused as non-ASCII
    ("\x83\xcaV", 1.0),  # the Shift-JIS Greek mu
    ("mv", 1e3),
    ("nV", 1e-3),
    ("nv", 1e-3),
    ("V", 1e6),
]


@pytest.mark.parametrize(
    ("unit", "factor"), FILE_SPELLINGS, ids=[repr(u) for u, _ in FILE_SPELLINGS]
)
def test_each_spelling_in_a_file_is_read_at_its_scale(
    unit: str, factor: float, tmp_path: Path
) -> None:
    from seqsleepnet.io.survey import survey_channels

    x = sleep_like(60, 256, 1)  # microvolts
    path = _write_in(tmp_path / "night.edf", x, unit, factor)
    header = read_edf_header(path)
    assert header.signals[0].physical_dimension == unit
    np.testing.assert_allclose(read_signal(header, 0), x, atol=0.05)  # 16-bit over +-1000 uV
    survey = survey_channels(path, roles=("eeg",))
    assert survey.picks == {"eeg": "C4-M1"} and survey.notes == {}  # no "gain or unit error"


def test_a_duplicate_label_read_by_mne_gets_the_same_scale(tmp_path: Path) -> None:
    x = sleep_like(60, 256, 2)
    path = _write_in(tmp_path / "twice.edf", x, "nV", 1e-3, twice=True)  # MNE reads nV as volts
    header = read_edf_header(path)
    from seqsleepnet.io.edf import read_channel

    np.testing.assert_allclose(read_channel(path, header, "C4-M1"), x, atol=0.05)


def test_an_all_capitals_mv_in_a_file_is_refused_not_guessed(tmp_path: Path) -> None:
    from seqsleepnet.errors import SignalError
    from seqsleepnet.features.preprocessing import Preprocessing
    from seqsleepnet.io.survey import survey_channels

    x = sleep_like(60, 256, 3)
    path = _write_in(tmp_path / "caps.edf", x, "MV", 1e3)
    survey = survey_channels(path, roles=("eeg",))
    assert "ambiguous unit" in survey.notes["eeg"] and "eeg" not in survey.picks
    with pytest.raises(SignalError, match="physical dimension 'MV' is ambiguous"):
        Preprocessing(roles=("eeg",)).read(path, eeg="C4-M1")


def test_a_discontinuous_bdf_keeps_its_records_at_their_true_times(tmp_path: Path) -> None:
    from seqsleepnet.features.preprocessing import Preprocessing

    rng = np.random.default_rng(5)
    x = {name: rng.normal(0, 30, 20 * 3000) for name in ("C4-M1", "E1-M2", "Chin1-Chin2")}
    onsets = [30.0 * k + (3600.0 if k >= 10 else 0.0) for k in range(20)]  # 1 h gap at 300 s
    path = write_bdf(tmp_path / "night.bdf", x, sfreq=100.0, record_duration=30.0, onsets=onsets)
    header = read_edf_header(path)
    assert header.kind == "BDF+D"
    assert header.gaps == ((300.0, 3900.0),)
    assert [s.label for s in header.data_signals] == list(x)
    assert np.abs(read_signal(header, 0) - x["C4-M1"]).max() < 1e-3
    with pytest.warns(UserWarning, match=r"discontinuous recording \(BDF\+D\) with 1 gap"):
        recording = Preprocessing().read(path)
    assert recording.gaps == ((300.0, 3900.0),)
    assert recording.data.shape[1] == round(4200 * recording.sfreq)  # the true span, gap included


@pytest.mark.parametrize("first_onset", [0.0, 0.25, 3600.0])
def test_a_continuous_bdf_starts_at_its_first_records_onset(
    tmp_path: Path, first_onset: float
) -> None:
    from datetime import datetime, timedelta

    from seqsleepnet.features.preprocessing import Preprocessing

    rng = np.random.default_rng(6)
    x = {name: rng.normal(0, 30, 10 * 3000) for name in ("C4-M1", "E1-M2", "Chin1-Chin2")}
    onsets = [first_onset + 30.0 * k for k in range(10)]  # contiguous, from first_onset
    path = write_bdf(
        tmp_path / "night.bdf", x, record_duration=30.0, onsets=onsets, continuous=True
    )
    header = read_edf_header(path)
    assert header.kind == "BDF+C"
    assert header.gaps == ()
    start = datetime(2020, 3, 1, 22, 30) + timedelta(seconds=first_onset)
    assert header.start_time == start  # the first sample's time, not the header's alone
    assert Preprocessing().read(path, warn=False).start_time == start


def test_a_first_records_onset_beyond_a_recordings_span_is_refused(tmp_path: Path) -> None:
    first_onset = 700_000.0  # 194 h after the header's start: a damaged onset
    rng = np.random.default_rng(7)
    x = {name: rng.normal(0, 30, 4 * 3000) for name in ("C4-M1", "E1-M2", "Chin1-Chin2")}
    onsets = [first_onset + 30.0 * k for k in range(4)]
    path = write_bdf(
        tmp_path / "night.bdf", x, record_duration=30.0, onsets=onsets, continuous=True
    )
    with pytest.raises(FileFormatError, match=r"first record's onset .* outside 0-168 h"):
        read_edf_header(path)
