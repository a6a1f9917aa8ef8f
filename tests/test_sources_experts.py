"""Finding the expert hypnogram of PSG files by the dataset sources' naming.

Through ``stage --true`` and ``evaluate`` on folders written by ``seqsleepnet cohort``.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import seqsleepnet.cli.synth  # noqa: F401  (registers the commands)
from seqsleepnet.cli import app
from seqsleepnet.data.sources import find_hypnograms
from seqsleepnet.data.sources.experts import is_hypnogram_name
from seqsleepnet.errors import FileFormatError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import write_hypnogram

runner = CliRunner()


def _touch(folder: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        paths.append(path)
    return paths


def test_each_dataset_naming_pairs_psgs_in_another_folder(tmp_path: Path) -> None:
    psgs = _touch(
        tmp_path / "psg",
        "SC4001E0-PSG.edf",
        "01-03-0001 PSG.edf",
        "shhs1-200001.edf",
        "night.edf",
        "lonely.edf",
    )
    experts = tmp_path / "experts"
    _touch(
        experts,
        "SC4001EC-Hypnogram.edf",
        "mass/01-03-0001 Base.edf",
        "shhs/shhs1-200001-nsrr.xml",
        "night.tsv",
    )
    found = find_hypnograms(psgs, experts)
    named = {psg.name: spec.hypnogram.name for psg, spec in found.items()}
    assert named == {
        "SC4001E0-PSG.edf": "SC4001EC-Hypnogram.edf",
        "01-03-0001 PSG.edf": "01-03-0001 Base.edf",
        "shhs1-200001.edf": "shhs1-200001-nsrr.xml",
        "night.edf": "night.tsv",
    }
    assert all(psg in psgs for psg in found)  # keyed by the PSG as given


def test_isruc_scorer_files_beside_the_rec_file_are_read_in_their_format(tmp_path: Path) -> None:
    (psg,) = _touch(tmp_path, "subgroupI/1/1.rec")
    _touch(tmp_path, "subgroupI/1/1_1.txt", "subgroupI/1/1_2.txt")
    spec = find_hypnograms([psg], tmp_path)[psg]
    assert (spec.hypnogram.name, spec.hypnogram_format) == ("1_1.txt", "isruc")


def test_two_hypnograms_of_one_recording_and_a_missing_folder_are_errors(tmp_path: Path) -> None:
    psgs = _touch(tmp_path, "SC4001E0-PSG.edf")
    _touch(tmp_path, "SC4001EC-Hypnogram.edf", "SC4001EH-Hypnogram.edf")
    with pytest.raises(FileFormatError, match="second hypnogram for recording 'SC4001'"):
        find_hypnograms(psgs, tmp_path)
    with pytest.raises(FileFormatError, match="is not a folder"):
        find_hypnograms(psgs, tmp_path / "absent")


def test_hypnogram_names_of_every_dataset() -> None:
    for name in ("SC4001EC-Hypnogram.edf", "01-03-0001 Base.edf", "night-hypnogram.edf"):
        assert is_hypnogram_name(Path(name)), name
    for name in ("SC4001E0-PSG.edf", "01-03-0001 PSG.edf", "night.edf", "shhs1-200001.edf"):
        assert not is_hypnogram_name(Path(name)), name


# ------------------------------------------------------------------ cohorts, stage and evaluate

STAGES = np.array([0, 0, 1, 2, 2, 2, 3, 3, 2, 4, 4, 2, 2, 0, 1, 2, 3, 4, 0, 0], dtype=np.int8)


@pytest.fixture(scope="module")
def hypnograms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two short Sleep-EDF hypnograms (10 minutes each), to drive tiny cohorts."""
    folder = tmp_path_factory.mktemp("hypnograms")
    for index, name in enumerate(("SC4001EC", "SC4011EC")):
        start = datetime(2020, 1, 1 + index, 22, 0, 0)
        hypnogram = Hypnogram(np.roll(STAGES, 3 * index), start_time=start)
        write_hypnogram(hypnogram, folder / f"{name}-Hypnogram.edf")
    return folder


def _agreements(stdout: str) -> dict[str, tuple[str, str]]:
    return {
        name: (accuracy, kappa)
        for name, accuracy, kappa in re.findall(
            r"^(.+?): \d+ epochs.*agreement with expert (\S+)% \(kappa (\S+)\)$", stdout, re.M
        )
    }


@pytest.mark.parametrize("layout", ["sleep-edf", "mass", "shhs", "aasm"])
def test_stage_a_cohort_with_its_own_folder_as_experts(
    layout: str, hypnograms: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    cohort, out = tmp_path / "cohort", tmp_path / "r"
    made = runner.invoke(
        app,
        ["cohort", "--out", str(cohort), "--layout", layout, "--hypnograms", str(hypnograms), "-q"],
    )
    assert made.exit_code == 0, made.output
    nights = [tuple(map(Path, line.split("\t"))) for line in made.stdout.splitlines()]
    shutil.copy(nights[0][0], cohort / "extra.rec")  # an EDF without an expert hypnogram
    args = ["stage", str(cohort), "-o", str(out), "-m", str(tiny_checkpoint), "--true", str(cohort)]
    if (
        layout == "sleep-edf"
    ):  # its 1-Hz EMG envelope is used for the 3-channel test model only when named
        args += ["--emg", "EMG submental"]
    staged = runner.invoke(app, [*args, "-q"])
    assert staged.exit_code == 0, staged.output
    assert staged.stdout.strip().splitlines()[-1] == (
        f"staged 3 of 3 file(s) into {out}; no expert hypnogram for 1: extra.rec"
    )
    assert (out / "extra.html").is_file()
    agreements = _agreements(staged.stdout)
    assert sorted(agreements) == sorted(psg.name for psg, _ in nights)
    evaluated = runner.invoke(app, ["evaluate", "--true", str(cohort), "--pred", str(out), "-q"])
    assert evaluated.exit_code == 0, evaluated.output
    assert "Pooled over 2 night(s), 40 epochs" in evaluated.stdout
    for psg, expert in nights:
        pred = out / f"{psg.stem}.hypnogram.tsv"
        assert f"{pred.name}: 20 epochs compared" in evaluated.stdout
        result = runner.invoke(app, ["evaluate", "-t", str(expert), "-p", str(pred), "--json"])
        metrics = json.loads(result.stdout)
        accuracy, kappa = agreements[psg.name]
        assert (f"{100 * metrics['accuracy']:.1f}", f"{metrics['kappa']:.2f}") == (accuracy, kappa)
