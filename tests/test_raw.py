"""An mne.io.Raw in memory is read at its true times, without what it marks unusable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import mne
import numpy as np
import pytest

from bad_inputs.cases import write_bdf
from seqsleepnet import SleepStager
from seqsleepnet.errors import ChannelError, SignalError
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.io.edf_header import read_edf_header
from seqsleepnet.io.survey import survey_channels
from seqsleepnet.stages import UNSCORED


def _raw(path: Path) -> mne.io.BaseRaw:
    return mne.io.read_raw_edf(path, preload=True, verbose="error")


def test_a_cropped_raw_starts_at_its_first_sample(night_edf: Path, tiny_checkpoint: Path) -> None:
    raw = _raw(night_edf)
    whole = Preprocessing().read(night_edf, warn=False)
    assert whole.start_time is not None
    cropped = raw.copy().crop(tmin=600.0)
    assert cropped.first_time == 600.0
    recording = Preprocessing().read(cropped, warn=False)
    assert recording.start_time == whole.start_time + timedelta(seconds=600)
    result = SleepStager.from_checkpoint(tiny_checkpoint).predict(cropped)
    assert result.start_time == whole.start_time + timedelta(seconds=600)
    frame = result.to_frame()
    assert frame["clock_time"].iloc[0] == (whole.start_time + timedelta(seconds=600)).isoformat()
    # the first sample of the cropped Raw is sample 600 s of the file
    np.testing.assert_allclose(recording.data[:, 6000:9000], whole.data[:, 66000:69000], atol=0.5)


def test_a_cropped_raw_without_meas_date_says_where_its_onsets_count_from(
    night_edf: Path, tiny_checkpoint: Path
) -> None:
    raw = _raw(night_edf).set_meas_date(None).crop(tmin=300.0)
    recording = Preprocessing().read(raw, warn=False)
    assert recording.start_time is None
    assert [n.check for n in recording.notes] == ["offset"]
    assert recording.notes[0].value == 300.0
    result = SleepStager.from_checkpoint(tiny_checkpoint).predict(raw)
    assert result.quality is not None
    assert any("add 300 s" in f.message for f in result.quality.flags)


def test_an_uncropped_raw_has_no_notes(aasm_edf: Path) -> None:
    assert Preprocessing().read(_raw(aasm_edf), warn=False).notes == ()


def test_a_channel_marked_bad_is_not_chosen_unless_named(aasm_edf: Path) -> None:
    raw = _raw(aasm_edf)
    raw.info["bads"] = ["C4-M1"]
    with pytest.raises(ChannelError, match=r"raw.info\['bads'\]"):
        Preprocessing().read(raw, warn=False)  # C4-M1 is the only EEG
    assert Preprocessing().read(raw, eeg="C4-M1", warn=False).ch_names[0] == "C4-M1"
    survey = survey_channels(raw)
    assert "eeg" not in survey.picks
    assert "marked bad" in survey.notes["eeg"]
    named = survey_channels(raw, named={"eeg": "C4-M1"})
    assert named.picks["eeg"] == "C4-M1"
    assert "because it was named" in named.notes["eeg"]


def test_another_eeg_takes_the_place_of_one_marked_bad(aasm_edf: Path) -> None:
    raw = _raw(aasm_edf)
    raw.add_channels([raw.copy().pick(["C4-M1"]).rename_channels({"C4-M1": "F4-M1"})])
    raw.info["bads"] = ["C4-M1"]
    assert Preprocessing().read(raw, warn=False).ch_names[0] == "F4-M1"
    assert survey_channels(raw).picks["eeg"] == "F4-M1"


def test_a_slow_channel_upsampled_by_mne_is_judged_at_its_native_rate(
    sleep_edf_psg: Path,
) -> None:
    raw = _raw(sleep_edf_psg)
    assert raw.info["sfreq"] == 100.0  # MNE upsampled the 1-Hz EMG envelope
    survey = survey_channels(raw)
    assert "emg" not in survey.picks
    assert "sampled at 1 Hz" in survey.notes["emg"]


def test_crops_of_one_recording_joined_are_placed_at_their_true_times(night_edf: Path) -> None:
    raw = _raw(night_edf)
    first = raw.copy().crop(0.0, 300.0, include_tmax=False)
    second = raw.copy().crop(600.0, 1200.0, include_tmax=False)
    joined = mne.concatenate_raws([first, second], verbose="error")
    whole = Preprocessing().read(night_edf, warn=False)
    recording = Preprocessing().read(joined, warn=False)
    assert recording.gaps == ((300.0, 600.0),)
    assert recording.duration == 1200.0
    assert [n.check for n in recording.notes] == ["gap"]
    # away from the join's filter edges, every sample is the file's at the same time
    np.testing.assert_allclose(
        recording.data[:, 65000:115000], whole.data[:, 65000:115000], atol=0.5
    )
    assert np.abs(recording.data[:, 31000:59000]).max() < 1e-3  # the gap holds no signal


def test_pieces_of_different_recordings_joined_are_refused(aasm_edf: Path) -> None:
    raw = _raw(aasm_edf)
    joined = mne.concatenate_raws([raw.copy(), raw.copy()], verbose="error")
    with pytest.raises(SignalError, match="time of every sample after the join is unknown"):
        Preprocessing().read(joined, warn=False)


def test_a_join_whose_gap_is_unknown_is_refused(aasm_edf: Path) -> None:
    raw = _raw(aasm_edf)
    raw.set_annotations(
        mne.Annotations([100.0, 100.0], [0.0, 0.0], ["BAD boundary", "EDGE boundary"])
    )
    with pytest.raises(SignalError, match=r"raw\.annotations\.delete"):
        Preprocessing().read(raw, warn=False)
    with pytest.raises(SignalError, match="BAD boundary"):
        survey_channels(raw)


def test_bad_annotations_are_left_out_and_their_epochs_unscored(
    night_edf: Path, tiny_checkpoint: Path
) -> None:
    raw = _raw(night_edf)
    raw.set_annotations(mne.Annotations([310.0], [300.0], ["BAD_movement"]))
    recording = Preprocessing().read(raw, warn=False)
    assert recording.gaps == ((310.0, 610.0),)
    assert np.abs(recording.data[:, 31500:60500]).max() < 0.05  # of a 20-uV signal
    assert [n.check for n in recording.notes] == ["bad_annotation"]
    result = SleepStager.from_checkpoint(tiny_checkpoint).predict(raw)
    unscored = np.flatnonzero(result.stages == UNSCORED)
    np.testing.assert_array_equal(unscored, np.arange(10, 21))  # epochs 10..20 touch 310-610 s
    assert result.quality is not None
    assert any("BAD_movement" in f.message for f in result.quality.flags)


def test_a_raw_of_a_continuous_edf_plus_starts_at_its_first_records_onset(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(7)
    x = {name: rng.normal(0, 30, 10 * 3000) for name in ("C4-M1", "E1-M2", "Chin1-Chin2")}
    onsets = [3600.0 + 30.0 * k for k in range(10)]  # cut one hour into a longer recording
    path = write_bdf(
        tmp_path / "night.bdf", x, record_duration=30.0, onsets=onsets, continuous=True
    )
    raw = mne.io.read_raw_bdf(path, preload=True, verbose="error")
    start = read_edf_header(path).start_time
    assert start is not None and raw.info["meas_date"].replace(tzinfo=None) != start  # MNE's
    assert Preprocessing().read(raw, warn=False).start_time == start
    cropped = Preprocessing().read(raw.crop(tmin=60.0), warn=False)
    assert cropped.start_time == start + timedelta(seconds=60)


def test_a_raw_made_from_an_edf_keeps_its_wall_clock_and_aligns_with_a_zoned_clock(
    night_edf: Path, tiny_checkpoint: Path
) -> None:
    """MNE marks the EDF header's local time as UTC, also in a RawArray made with its info."""
    from datetime import datetime

    from seqsleepnet.hypnogram import Hypnogram, seconds_between

    edf = _raw(night_edf)
    raw = mne.io.RawArray(edf.get_data(), edf.info, verbose="error")
    wall = Preprocessing().read(edf, warn=False).start_time
    assert wall is not None and wall.tzinfo is None
    assert Preprocessing().read(raw, warn=False).start_time == wall
    result = SleepStager.from_checkpoint(tiny_checkpoint).predict(raw)
    assert result.to_frame()["clock_time"].iloc[0] == wall.isoformat()  # no claimed zone
    zoned = datetime.fromisoformat(f"{wall.isoformat()}+01:00")  # the expert's local clock
    assert seconds_between(Hypnogram(result.stages, start_time=zoned).start_time, wall) == 0.0


def test_an_array_or_epochs_are_refused_with_what_to_give_instead(
    night_edf: Path, tiny_checkpoint: Path
) -> None:
    stager = SleepStager.from_checkpoint(tiny_checkpoint)
    raw = _raw(night_edf)
    epochs = mne.make_fixed_length_epochs(raw, duration=30.0, verbose="error")
    for wrong in (raw.get_data(), epochs):
        with pytest.raises(TypeError, match=r"got (ndarray|Epochs).*mne\.io\.RawArray\(data"):
            stager.predict(wrong)  # type: ignore[arg-type]
