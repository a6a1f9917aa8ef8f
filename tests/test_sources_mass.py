"""Tests for the MASS source: ``<id> PSG.edf`` + ``<id> Base.edf`` pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import EdfWriter, sleep_like
from seqsleepnet.data.cache import read_cached
from seqsleepnet.data.prepare import prepare_dataset
from seqsleepnet.data.sources import MassSource
from seqsleepnet.errors import FileFormatError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram


def _write_psg(edf_writer: EdfWriter, name: str, seconds: float) -> Path:
    """MASS channel names at 256 Hz."""
    return edf_writer(
        name,
        {
            "EEG C4-CLE": (sleep_like(seconds, 256, 1), 256.0),
            "EOG Right Horiz": (sleep_like(seconds, 256, 2), 256.0),
            "EMG Chin1": (sleep_like(seconds, 256, 3, scale=5.0), 256.0),
        },
        record_duration=1.0,
    )


def test_pairing(edf_writer: EdfWriter, tmp_path: Path) -> None:
    (tmp_path / "SS3").mkdir()
    for subject in ("0001", "0002"):
        _write_psg(edf_writer, f"SS3/01-03-{subject} PSG.edf", 60)
        write_hypnogram(Hypnogram([0, 1]), tmp_path / "SS3" / f"01-03-{subject} Base.edf")
    _write_psg(edf_writer, "SS3/01-03-0003 PSG.edf", 60)
    listing = MassSource().list_recordings(tmp_path)
    rows = [(s.recording, s.subject, s.night, s.hypnogram.name) for s in listing.recordings]
    assert rows == [
        ("01-03-0001", "01-03-0001", 1, "01-03-0001 Base.edf"),
        ("01-03-0002", "01-03-0002", 1, "01-03-0002 Base.edf"),
    ]
    assert [p.name for p in listing.unpaired] == ["01-03-0003 PSG.edf"]


def test_only_psg_files(edf_writer: EdfWriter, tmp_path: Path) -> None:
    _write_psg(edf_writer, "01-03-0001 PSG.edf", 60)
    with pytest.raises(FileFormatError, match=r"no PSG file has a matching hypnogram .*PSG\.edf"):
        MassSource().list_recordings(tmp_path)


def test_annotations_starting_off_the_grid(edf_writer: EdfWriter, tmp_path: Path) -> None:
    """MASS scoring starts seconds after the PSG: epochs follow the annotations."""
    stages = [0, 1, 2, 2, 3, 4, 4, 0]
    _write_psg(edf_writer, "01-03-0001 PSG.edf", 12.0 + 30.0 * len(stages))
    hypnogram = write_hypnogram(
        Hypnogram(np.array(stages), onset=12.0), tmp_path / "01-03-0001 Base.edf"
    )
    assert read_hypnogram(hypnogram).onset == pytest.approx(12.0)
    report = prepare_dataset("mass", tmp_path, tmp_path / "cache", progress=False)
    assert report.done == ["01-03-0001"], report.failed
    cached = read_cached(tmp_path / "cache" / "01-03-0001.npz")
    np.testing.assert_array_equal(cached.labels, stages)
    np.testing.assert_allclose(cached.onsets, 12.0 + 30.0 * np.arange(len(stages)))
    assert cached.signals.shape == (len(stages), 3, 3000)


def test_twenty_second_epochs_fail_with_a_reason(edf_writer: EdfWriter, tmp_path: Path) -> None:
    _write_psg(edf_writer, "01-02-0001 PSG.edf", 200)
    write_hypnogram(
        Hypnogram(np.array([0, 1, 2, 2, 3, 0]), epoch_length=20.0), tmp_path / "01-02-0001 Base.edf"
    )
    report = prepare_dataset("mass", tmp_path, tmp_path / "cache", progress=False)
    assert list(report.failed) == ["01-02-0001"]
    assert "hypnogram epochs are 20 s" in report.failed["01-02-0001"]
