"""The synthetic cohort: one sleeper per Sleep-EDF subject, nights share a profile."""

from __future__ import annotations

from pathlib import Path

import edfio
import numpy as np
import pytest

from seqsleepnet.data.synthetic import build_cohort, packaged_hypnograms
from seqsleepnet.data.synthetic.cohort import sleep_edf_identity, write_cohort_manifest
from seqsleepnet.errors import FileFormatError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram


def _stages(sleep_epochs: int) -> np.ndarray:
    return np.array([0] * 70 + [1, 2] + [2] * sleep_epochs + [4, 4] + [0] * 70, dtype=np.int8)


@pytest.fixture
def hypnogram_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "hyp"
    folder.mkdir()
    for name, n in (("SC4001EC", 4), ("SC4002EC", 6), ("SC4011EH", 3)):
        write_hypnogram(Hypnogram(_stages(n)), folder / f"{name}-Hypnogram.edf")
    (folder / "README.md").write_text("not a hypnogram")
    return folder


def test_cohort_writes_one_night_per_hypnogram(hypnogram_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "cohort"
    files = build_cohort(hypnogram_dir, out, layout="sleep-edf", seed=0, fs=128.0, progress=False)
    assert [f.psg.name for f in files] == [
        "SC4001E0-PSG.edf",
        "SC4002E0-PSG.edf",
        "SC4011E0-PSG.edf",
    ]
    for f, n in zip(files, (4, 6, 3), strict=True):
        stages = read_hypnogram(f.hypnogram).stages
        # In bed: 30 min (60 epochs) of wake kept on each side of the sleep period.
        np.testing.assert_array_equal(stages, _stages(n)[10:-10])
        assert edfio.read_edf(f.psg).duration == pytest.approx(stages.size * 30.0)
    # Both nights of subject 0 share one sleeper; subject 1 is another person.
    patients = [edfio.read_edf(f.psg).patient.additional for f in files]
    assert patients[0] == patients[1]
    assert patients[0] != patients[2]


def test_cohort_in_other_layout_without_trimming(hypnogram_dir: Path, tmp_path: Path) -> None:
    files = build_cohort(
        hypnogram_dir, tmp_path / "shhs", layout="shhs", in_bed=False, fs=128.0, progress=False
    )
    assert [f.hypnogram.name for f in files] == [
        "shhs1-200000-nsrr.xml",
        "shhs2-200000-nsrr.xml",
        "shhs1-200001-nsrr.xml",
    ]
    assert read_hypnogram(files[0].hypnogram).n_epochs == _stages(4).size


def test_packaged_hypnograms_are_the_sleep_edf_cohort() -> None:
    names = sorted(p.name for p in packaged_hypnograms().glob("SC4*-Hypnogram.edf"))
    identities = [sleep_edf_identity(name) for name in names]
    assert len(identities) == 39
    assert len({subject for subject, _ in identities}) == 20


def test_identity_of_bad_name_raises() -> None:
    with pytest.raises(FileFormatError, match="not named like a Sleep-EDF hypnogram"):
        sleep_edf_identity("night1.edf")


def test_missing_or_empty_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="is not a folder"):
        build_cohort(tmp_path / "absent", tmp_path / "out", progress=False)
    with pytest.raises(FileFormatError, match=r"holds no SC4ssNEx-Hypnogram\.edf"):
        build_cohort(tmp_path, tmp_path / "out", progress=False)


def test_cohort_manifest_takes_subject_and_night_from_the_default_names(tmp_path: Path) -> None:
    for name in ("synth-03-night2.edf", "synth-00-night1.edf", "notes.edf"):
        (tmp_path / name).write_bytes(b"")
    rows = write_cohort_manifest(tmp_path).read_text().splitlines()
    assert rows == [
        "psg,hypnogram,subject,night",
        "synth-00-night1.edf,synth-00-night1.tsv,00,1",
        "synth-03-night2.edf,synth-03-night2.tsv,03,2",
    ]


def test_nights_written_in_parallel_are_the_same_files(hypnogram_dir: Path, tmp_path: Path) -> None:
    one = build_cohort(hypnogram_dir, tmp_path / "one", seed=3, fs=128.0, progress=False)
    two = build_cohort(hypnogram_dir, tmp_path / "two", seed=3, fs=128.0, progress=False, jobs=2)
    assert [f.psg.name for f in two] == [f.psg.name for f in one]
    for a, b in zip(one, two, strict=True):
        assert a.psg.read_bytes() == b.psg.read_bytes()
        assert a.hypnogram.read_bytes() == b.hypnogram.read_bytes()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_bad_hypnogram_is_named_and_the_other_nights_are_written(
    hypnogram_dir: Path, tmp_path: Path, jobs: int
) -> None:
    (hypnogram_dir / "SC4021EH-Hypnogram.edf").write_text("not an EDF file")
    out = tmp_path / "cohort"
    with pytest.raises(FileFormatError, match=r"SC4021EH-Hypnogram\.edf: not an EDF file"):
        build_cohort(hypnogram_dir, out, fs=128.0, progress=False, jobs=jobs)
    assert sorted(p.name for p in out.glob("*-PSG.edf")) == [
        "SC4001E0-PSG.edf",
        "SC4002E0-PSG.edf",
        "SC4011E0-PSG.edf",
    ]
