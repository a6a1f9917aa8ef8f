"""Tests for the SHHS source: NSRR file names and folder layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from conftest import EdfWriter, sleep_like
from seqsleepnet.data.cache import load_manifest, read_cached
from seqsleepnet.data.prepare import prepare_dataset
from seqsleepnet.data.sources import ShhsSource
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import write_hypnogram

EDFS = Path("polysomnography/edfs")
XMLS = Path("polysomnography/annotations-events-nsrr")


def _write_psg(edf_writer: EdfWriter, name: str, seconds: float) -> Path:
    """SHHS channel names and rates: EEG 125 Hz, EOG 50 Hz, EMG 125 Hz."""
    return edf_writer(
        name,
        {
            "EEG": (sleep_like(seconds, 125, 1), 125.0),
            "EOG(L)": (sleep_like(seconds, 50, 2), 50.0),
            "EMG": (sleep_like(seconds, 125, 3, scale=5.0), 125.0),
        },
    )


def _layout(edf_writer: EdfWriter, root: Path, visit: int, subject: str, stages: list[int]) -> None:
    (root / EDFS / f"shhs{visit}").mkdir(parents=True, exist_ok=True)
    (root / XMLS / f"shhs{visit}").mkdir(parents=True, exist_ok=True)
    name = f"shhs{visit}-{subject}"
    _write_psg(edf_writer, str(EDFS / f"shhs{visit}" / f"{name}.edf"), 30 * len(stages))
    write_hypnogram(Hypnogram(np.array(stages)), root / XMLS / f"shhs{visit}" / f"{name}-nsrr.xml")


def test_nsrr_layout_pairing(edf_writer: EdfWriter, tmp_path: Path) -> None:
    _layout(edf_writer, tmp_path, 1, "200001", [0, 1])
    _layout(edf_writer, tmp_path, 2, "200001", [0, 2])
    _layout(edf_writer, tmp_path, 1, "200002", [0, 3])
    (tmp_path / XMLS / "shhs1" / "shhs1-200002-nsrr.xml").unlink()
    listing = ShhsSource().list_recordings(tmp_path)
    rows = [(s.recording, s.subject, s.night) for s in listing.recordings]
    assert rows == [("shhs1-200001", "200001", 1), ("shhs2-200001", "200001", 2)]
    assert listing.recordings[0].hypnogram == tmp_path / XMLS / "shhs1" / "shhs1-200001-nsrr.xml"
    assert [p.name for p in listing.unpaired] == ["shhs1-200002.edf"]


def _profusion(path: Path, stages: list[int]) -> None:
    """A Profusion XML scoring (stage codes: 0 W, 1-4 R&K 1-4, 5 REM)."""
    codes = "".join(f"<SleepStage>{code}</SleepStage>" for code in stages)
    path.write_text(
        f"<CMPStudyConfig><EpochLength>30</EpochLength><SleepStages>{codes}</SleepStages>"
        "</CMPStudyConfig>"
    )


def test_profusion_xml_pairs_when_there_is_no_nsrr_xml(
    edf_writer: EdfWriter, tmp_path: Path
) -> None:
    _write_psg(edf_writer, "shhs1-200001.edf", 4 * 30)
    _profusion(tmp_path / "shhs1-200001-profusion.xml", [0, 1, 4, 5])  # 4: R&K 4 = N3
    (spec,) = ShhsSource().list_recordings(tmp_path).recordings
    assert spec.hypnogram.name == "shhs1-200001-profusion.xml"
    report = prepare_dataset("shhs", tmp_path, tmp_path / "cache", progress=False)
    assert report.done == ["shhs1-200001"], report.failed
    labels = read_cached(tmp_path / "cache" / "shhs1-200001.npz").labels
    np.testing.assert_array_equal(labels, [0, 1, 3, 4])


def test_the_nsrr_xml_is_preferred_to_the_profusion_xml(
    edf_writer: EdfWriter, tmp_path: Path
) -> None:
    _layout(edf_writer, tmp_path, 1, "200001", [0, 1])
    _profusion(tmp_path / "shhs1-200001-profusion.xml", [0, 0])
    (spec,) = ShhsSource().list_recordings(tmp_path).recordings
    assert spec.hypnogram == tmp_path / XMLS / "shhs1" / "shhs1-200001-nsrr.xml"


def test_prepare_shhs(edf_writer: EdfWriter, tmp_path: Path) -> None:
    stages = [0, 0, 1, 2, 2, 3, 4, 0]
    _layout(edf_writer, tmp_path, 1, "200001", stages)
    data = tmp_path / "polysomnography"
    report = prepare_dataset("shhs", data, tmp_path / "cache", progress=False)
    assert report.done == ["shhs1-200001"], report.failed
    cached = read_cached(tmp_path / "cache" / "shhs1-200001.npz")
    np.testing.assert_array_equal(cached.labels, stages)
    (entry,), _ = load_manifest(tmp_path / "cache")
    assert entry.native_sfreq == [125.0, 50.0, 125.0]
    assert entry.subject == "200001" and entry.night == 1
