"""``seqsleepnet synth`` and ``seqsleepnet cohort`` through the typer runner."""

from __future__ import annotations

import re
from pathlib import Path

import mne
import numpy as np
import pytest
from typer.testing import CliRunner

import seqsleepnet.cli.synth  # noqa: F401  (registers the commands)
from seqsleepnet.cli._app import app
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram

runner = CliRunner()
STAGES = np.array([0, 0, 1, 2, 2, 3, 2, 4, 4, 0], dtype=np.int8)


@pytest.fixture
def hypnogram(tmp_path: Path) -> Path:
    return write_hypnogram(Hypnogram(STAGES), tmp_path / "night.tsv")


def test_synth_writes_psg_and_hypnogram(hypnogram: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "synth",
            "--hypnogram",
            str(hypnogram),
            "--out",
            str(out),
            "--layout",
            "shhs",
            "--seed",
            "2",
            "--subject",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    psg, hyp = (Path(line) for line in result.stdout.split())
    assert psg == out / "shhs1-200005.edf"
    assert mne.io.read_raw_edf(psg, verbose="error").ch_names == [
        "EEG(sec)",
        "EEG",
        "EOG(L)",
        "EOG(R)",
        "EMG",
    ]
    np.testing.assert_array_equal(read_hypnogram(hyp).stages, STAGES)


def test_synth_unknown_layout_is_one_error_line(hypnogram: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["synth", "--hypnogram", str(hypnogram), "--out", str(tmp_path), "--layout", "edf-x"]
    )
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: --layout='edf-x' is not allowed")
    assert "Traceback" not in result.output


def test_synth_missing_hypnogram_is_one_error_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["synth", "--hypnogram", str(tmp_path / "none.edf"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")


def test_cohort_from_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "hyp"
    folder.mkdir()
    stages = np.array([0] * 62 + [2, 3, 4] + [0] * 62, dtype=np.int8)
    write_hypnogram(Hypnogram(stages), folder / "SC4071EC-Hypnogram.edf")
    result = runner.invoke(
        app,
        ["cohort", "--out", str(tmp_path / "c"), "--hypnograms", str(folder), "--layout", "aasm"],
    )
    assert result.exit_code == 0, result.output
    psg, hyp = result.stdout.strip().split("\t")
    assert Path(psg).name == "synth-07-night1.edf"
    assert read_hypnogram(hyp).n_epochs == stages.size - 4


def test_help_has_an_example() -> None:
    for name in ("synth", "cohort"):
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.stdout


def test_cohort_without_a_terminal_prints_one_line_per_night(tmp_path: Path) -> None:
    folder = tmp_path / "hyp"
    folder.mkdir()
    stages = np.array([0] * 62 + [2, 3, 4] + [0] * 62, dtype=np.int8)
    for night in (1, 2):
        write_hypnogram(Hypnogram(stages), folder / f"SC407{night}EC-Hypnogram.edf")
    args = ["cohort", "--out", str(tmp_path / "c"), "--hypnograms", str(folder), "--layout", "aasm"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    for k, line in enumerate(lines, start=1):
        assert re.fullmatch(rf"cohort: {k}/2 synth-07-night{k}\.edf \(\d+\.\d s\)", line), line
    assert len(result.stdout.strip().splitlines()) == 2  # the paths stay on stdout
    quiet = runner.invoke(app, [*args, "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_synth_without_a_terminal_prints_its_phases(hypnogram: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["synth", "--hypnogram", str(hypnogram), "--out", str(tmp_path), "--layout", "aasm"]
    )
    assert result.exit_code == 0, result.output
    phases = [re.sub(r" \(\d+\.\d s\)$", "", line) for line in result.stderr.splitlines()]
    label = "synth synth-00-night1.edf"
    assert phases == [
        f"{label}: 1/3 signals (10 epochs)",
        f"{label}: 2/3 EDF",
        f"{label}: 3/3 files",
    ]


def test_synth_randomise_changes_the_recording_reproducibly(
    hypnogram: Path, tmp_path: Path
) -> None:
    def eeg(folder: str, *flags: str) -> np.ndarray:
        args = ["synth", "--hypnogram", str(hypnogram), "--out", str(tmp_path / folder)]
        result = runner.invoke(app, [*args, "--layout", "aasm", "--quiet", *flags])
        assert result.exit_code == 0, result.output
        psg = tmp_path / folder / "synth-00-night1.edf"
        return mne.io.read_raw_edf(psg, include=["C4-M1"], verbose="error").get_data()[0]

    plain, first, second = eeg("a"), eeg("b", "--randomise"), eeg("c", "--randomise")
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, plain)
