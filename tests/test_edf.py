import warnings
from pathlib import Path

import mne
import numpy as np
import pytest

from conftest import EdfWriter, sleep_like
from seqsleepnet.errors import ChannelError, FileFormatError, SignalError
from seqsleepnet.features.config import ConditioningConfig
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.io.edf import SignalWarning


def test_channels_with_their_own_rates_all_come_out_at_100_hz(sleep_edf_psg: Path) -> None:
    rec = Preprocessing().read(sleep_edf_psg)
    assert rec.data.shape == (3, 30000)
    assert rec.data.dtype == np.float32
    assert rec.ch_names == ["EEG Fpz-Cz", "EOG horizontal", "EMG submental"]
    assert rec.roles == ["eeg", "eog", "emg"]
    assert rec.native_sfreq == [100.0, 100.0, 1.0]
    assert rec.n_samples // 3000 == 10


def test_signals_stay_in_microvolts(edf_writer: EdfWriter) -> None:
    t = np.arange(256 * 120) / 256
    path = edf_writer("tone.edf", {"C4-M1": (50 * np.sin(2 * np.pi * 10 * t), 256.0)})
    rec = Preprocessing(roles=("eeg",)).read(path)
    core = rec.data[0, 2000:10000]
    assert np.std(core) * np.sqrt(2) == pytest.approx(50.0, rel=0.02)


def test_eeg_only(aasm_edf: Path) -> None:
    rec = Preprocessing(roles=("eeg",)).read(aasm_edf, eeg="C4-M1")
    assert rec.data.shape == (1, 31000)
    assert rec.n_samples // 3000 == 10


def test_raw_and_path_give_the_same_recording(aasm_edf: Path) -> None:
    from_path = Preprocessing().read(aasm_edf)
    raw = mne.io.read_raw_edf(aasm_edf, preload=True, verbose="error")
    from_raw = Preprocessing().read(raw)
    np.testing.assert_allclose(from_raw.data, from_path.data, atol=1e-4)
    assert from_raw.ch_names == from_path.ch_names


def test_missing_channel_lists_those_present(aasm_edf: Path) -> None:
    with pytest.raises(
        ChannelError, match=r"'EEG Fpz-Cz' not found; available: \['C4-M1', 'E1-M2'"
    ):
        Preprocessing().read(aasm_edf, eeg="EEG Fpz-Cz")


def test_eeg_below_100_hz_is_refused(edf_writer: EdfWriter) -> None:
    path = edf_writer("slow.edf", {"EEG": (sleep_like(120, 64), 64.0)})
    with pytest.raises(SignalError, match="sampled at 64 Hz; at least 100 Hz"):
        Preprocessing(roles=("eeg",)).read(path)


def test_eog_at_50_hz_as_in_shhs_is_accepted(edf_writer: EdfWriter) -> None:
    path = edf_writer(
        "shhs.edf", {"EEG": (sleep_like(120, 125), 125.0), "EOG(L)": (sleep_like(120, 50), 50.0)}
    )
    assert Preprocessing(
        roles=(
            "eeg",
            "eog",
        )
    ).read(path).native_sfreq == [125.0, 50.0]


def test_flat_channel_is_refused(edf_writer: EdfWriter) -> None:
    path = edf_writer("flat.edf", {"C4-M1": (np.zeros(256 * 60), 256.0)})
    with pytest.raises(SignalError, match="'C4-M1' is flat"):
        Preprocessing(roles=("eeg",)).read(path)


def test_nan_in_raw_is_refused() -> None:
    data = sleep_like(60, 100)[None] * 1e-6
    data[0, 500] = np.nan
    raw = mne.io.RawArray(data, mne.create_info(["C4-M1"], 100.0, "eeg"), verbose="error")
    with pytest.raises(SignalError, match="1 NaN/inf samples \\(first at sample 500\\)"):
        Preprocessing(roles=("eeg",)).read(raw)


def test_recording_shorter_than_one_epoch(edf_writer: EdfWriter) -> None:
    path = edf_writer("short.edf", {"C4-M1": (sleep_like(20, 256), 256.0)}, record_duration=10.0)
    with pytest.raises(SignalError, match=r"only 20\.0 s of signal"):
        Preprocessing(roles=("eeg",)).read(path)


def test_wrong_units_give_a_warning_not_an_error(edf_writer: EdfWriter) -> None:
    path = edf_writer(
        "volts.edf", {"C4-M1": (sleep_like(120, 256) * 1e-3, 256.0)}, physical_range=(-1.0, 1.0)
    )
    with pytest.warns(SignalWarning, match="volts instead of microvolts"):
        Preprocessing(roles=("eeg",)).read(path)


def test_plausible_signal_gives_no_warning(aasm_edf: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", SignalWarning)
        Preprocessing().read(aasm_edf)


def test_truncated_file_is_a_file_format_error(aasm_edf: Path) -> None:
    aasm_edf.write_bytes(aasm_edf.read_bytes()[:-5000])
    with pytest.raises(FileFormatError, match="truncated data section"):
        Preprocessing().read(aasm_edf)


def test_records_beyond_the_header_count_are_read_and_noted(aasm_edf: Path) -> None:
    """A header counting fewer records than its file holds (not updated when the recording
    went on) is read to the last whole record, as MNE reads it, with a recording note."""
    whole = Preprocessing().read(aasm_edf, warn=False)
    raw = bytearray(aasm_edf.read_bytes())
    raw[236:244] = b"15      "  # of the 31 records of 10 s
    aasm_edf.write_bytes(bytes(raw))
    recording = Preprocessing().read(aasm_edf, warn=False)
    np.testing.assert_array_equal(recording.data, whole.data)
    (note,) = recording.notes
    assert (note.kind, note.check, note.value) == ("recording", "records", 16.0)
    assert note.message.startswith("the header says 15 data records (0.04 h) but the file ")
    assert "holds 31" in note.message and "cut them off" in note.message


def test_conditioning_can_be_switched_off(aasm_edf: Path) -> None:
    on = Preprocessing().read(aasm_edf)
    off = Preprocessing(conditioning=ConditioningConfig(enabled=False)).read(aasm_edf)
    assert not np.allclose(on.data, off.data)


def test_edf_named_rec_as_in_isruc(aasm_edf: Path) -> None:
    """MNE reads EDF only by an .edf name; a .rec copy (ISRUC-Sleep) gives the same recording."""
    rec = aasm_edf.with_suffix(".rec")
    rec.write_bytes(aasm_edf.read_bytes())
    from_rec, from_edf = Preprocessing().read(rec), Preprocessing().read(aasm_edf)
    assert from_rec.ch_names == from_edf.ch_names
    np.testing.assert_array_equal(from_rec.data, from_edf.data)


def test_a_partly_clipped_channel_is_a_note_of_the_recording(edf_writer: EdfWriter) -> None:
    x = sleep_like(120, 256, 1, scale=40.0)
    limit = float(np.quantile(np.abs(x), 0.95))  # about 5% of the samples at the rails
    path = edf_writer(
        "clipped.edf",
        {"C4-M1": (np.clip(x, -limit, limit), 256.0)},
        physical_range=(-limit, limit),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", SignalWarning)  # warn=False: the notes only
        recording = Preprocessing(roles=("eeg",)).read(path, warn=False)
    (note,) = recording.notes
    assert (note.kind, note.check, note.role, note.channel) == (
        "signal",
        "clipping",
        "eeg",
        "C4-M1",
    )
    assert note.value == pytest.approx(0.05, abs=0.01) and note.threshold == 0.01
    assert note.message.startswith("EEG channel 'C4-M1' is partly clipped: 5.")
    with pytest.warns(SignalWarning, match=r"clipped\.edf: EEG channel 'C4-M1' is partly clipped"):
        assert Preprocessing(roles=("eeg",)).read(path).notes == recording.notes


def test_an_implausible_amplitude_is_a_note_of_the_recording(edf_writer: EdfWriter) -> None:
    path = edf_writer(
        "volts.edf", {"C4-M1": (sleep_like(120, 256) * 1e-3, 256.0)}, physical_range=(-1.0, 1.0)
    )
    recording = Preprocessing(roles=("eeg",)).read(path, warn=False)
    (note,) = recording.notes
    assert (note.kind, note.check, note.threshold) == ("signal", "amplitude", 1.0)
    assert note.value is not None and note.value < 1.0
    assert "volts instead of microvolts" in note.message


def test_a_plausible_recording_has_no_notes(aasm_edf: Path) -> None:
    assert Preprocessing().read(aasm_edf).notes == ()
