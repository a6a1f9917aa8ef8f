"""Tests for the ISRUC-Sleep source: ``<s>/<s>.rec`` + ``<s>/<s>_1.txt`` per subject folder."""

from __future__ import annotations

from pathlib import Path

import edfio
import numpy as np
import pytest

from seqsleepnet.data.cache import load_manifest, read_cached
from seqsleepnet.data.prepare import prepare_dataset
from seqsleepnet.data.sources import IsrucSource, get_source
from seqsleepnet.data.synthetic import write_synthetic_night
from seqsleepnet.errors import ConfigError, FileFormatError

STAGES = np.array([0, 0, 1, 2, 2, 3, 3, 2, 4, 4, 2, 1, 0, 0], dtype=np.int8)
ISRUC_LABELS = {  # aasm layout -> ISRUC-Sleep names
    "C4-M1": "C4-A1",
    "F4-M1": "F4-A1",
    "O2-M1": "O2-A1",
    "E1-M2": "LOC-A2",
    "E2-M1": "ROC-A1",
    "Chin1-Chin2": "X1",
}


def _touch(path: Path, text: str = "0\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_pairing_per_subject_folder(tmp_path: Path) -> None:
    for subject in ("1", "2"):
        _touch(tmp_path / "subgroupI" / subject / f"{subject}.rec")
        _touch(tmp_path / "subgroupI" / subject / f"{subject}_1.txt")
    _touch(tmp_path / "subgroupI" / "1" / "1_2.txt")
    _touch(tmp_path / "subgroupIII" / "1" / "1.rec")  # same number, other subgroup, no scores
    _touch(tmp_path / "subgroupIII" / "2" / "2_1.txt")  # scores without a PSG
    listing = IsrucSource().list_recordings(tmp_path)
    rows = [
        (s.recording, s.subject, s.night, s.psg.name, s.hypnogram.name, s.hypnogram_format)
        for s in listing.recordings
    ]
    assert rows == [
        ("subgroupI-1", "subgroupI-1", 1, "1.rec", "1_1.txt", "isruc"),
        ("subgroupI-2", "subgroupI-2", 1, "2.rec", "2_1.txt", "isruc"),
    ]
    assert [p.relative_to(tmp_path).as_posix() for p in listing.unpaired] == [
        "subgroupIII/1/1.rec",
        "subgroupIII/2/2_1.txt",
    ]


def test_scorer_2_and_subject_folder_as_input(tmp_path: Path) -> None:
    folder = tmp_path / "7"
    _touch(folder / "7.rec")
    _touch(folder / "7_1.txt")
    scores = _touch(folder / "7_2.txt")
    (spec,) = get_source("isruc", scorer=2).list_recordings(folder).recordings
    assert (spec.recording, spec.subject, spec.hypnogram) == ("7", "7", scores)


def test_psg_must_match_its_folder_number(tmp_path: Path) -> None:
    _touch(tmp_path / "1" / "1.rec")
    _touch(tmp_path / "1" / "2_1.txt")
    with pytest.raises(FileFormatError, match=r"no PSG file has a matching hypnogram.*1\.rec"):
        IsrucSource().list_recordings(tmp_path)


@pytest.mark.parametrize("scorer", [0, 3, True])
def test_bad_scorer(scorer: int) -> None:
    with pytest.raises(ConfigError, match=r"ISRUC scorer must be one of \[1, 2\]"):
        IsrucSource(scorer=scorer)


def _write_isruc_night(folder: Path, stages: np.ndarray) -> None:
    """A synthetic night as ISRUC writes it: ``1.rec`` (EDF, ISRUC labels) and ``1_1.txt``."""
    files = write_synthetic_night(stages, folder / "tmp", layout="aasm", fs=200.0, name="1")
    edf = edfio.read_edf(files.psg)
    for signal in edf.signals:
        signal.label = ISRUC_LABELS[signal.label]
    (folder / "1").mkdir(parents=True)
    edf.write(folder / "1" / "1.rec")
    codes = np.where(stages == 4, 5, stages)  # ISRUC writes REM as 5
    (folder / "1" / "1_1.txt").write_text("".join(f"{c}\n" for c in codes) + "\n")
    files.psg.unlink()
    files.hypnogram.unlink()
    (folder / "tmp").rmdir()


def test_prepare_reads_rec_and_isruc_scores(tmp_path: Path) -> None:
    data = tmp_path / "subgroupI"
    _write_isruc_night(data, STAGES)
    report = prepare_dataset(
        source="isruc", input_dir=data, out_dir=tmp_path / "cache", progress=False
    )
    assert report.done == ["1"], report.failed
    entries, info = load_manifest(tmp_path / "cache")
    assert info["source"] == "isruc"
    assert entries[0].channels == ["C4-A1", "LOC-A2", "X1"]
    cached = read_cached(tmp_path / "cache" / entries[0].file)
    np.testing.assert_array_equal(cached.labels, STAGES)  # 5 read as REM = 4
    assert cached.signals.shape == (STAGES.size, 3, 3000)
