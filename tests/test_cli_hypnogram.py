"""Tests for ``seqsleepnet hypnogram`` through the typer runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import seqsleepnet
import seqsleepnet.cli.hypnogram  # registers the command
from seqsleepnet.cli._app import app
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram

runner = CliRunner()


def hypnogram_folder() -> Path:
    """The Sleep-EDF hypnograms: the shared data folder if present, else the packaged copy."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "sleep-edf-hypnograms"
    if (shared / "MANIFEST.tsv").is_file():
        return shared
    return Path(seqsleepnet.__file__).parent / "resources" / "hypnograms"


SLEEP_EDF = hypnogram_folder() / "SC4001EC-Hypnogram.edf"


def test_help_has_an_example() -> None:
    result = runner.invoke(app, ["hypnogram", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "--in-bed" in result.output


def test_summary_lists_counts_per_stage() -> None:
    result = runner.invoke(app, ["hypnogram", str(SLEEP_EDF)])
    assert result.exit_code == 0, result.output
    hyp = read_hypnogram(SLEEP_EDF)
    assert f"{hyp.n_epochs} epochs of 30 s" in result.stdout
    lines = result.stdout.splitlines()
    for stage, count in hyp.counts().items():
        row = next(line for line in lines if line.strip("│| ").startswith(stage + " "))
        assert str(count) in row.split(), row


def test_summary_in_bed_is_shorter() -> None:
    result = runner.invoke(app, ["hypnogram", str(SLEEP_EDF), "--in-bed"])
    assert result.exit_code == 0, result.output
    trimmed = read_hypnogram(SLEEP_EDF).in_bed()
    assert f"{trimmed.n_epochs} epochs of 30 s" in result.stdout


def test_out_writes_per_epoch_tsv(tmp_path: Path) -> None:
    out = tmp_path / "night.hypnogram.tsv"
    result = runner.invoke(app, ["hypnogram", str(SLEEP_EDF), "--in-bed", "--out", str(out)])
    assert result.exit_code == 0, result.output
    expected = read_hypnogram(SLEEP_EDF).in_bed()
    back = read_hypnogram(out)
    np.testing.assert_array_equal(back.stages, expected.stages)
    assert back.onset == expected.onset
    assert out.read_text().splitlines()[0] == "onset\tduration\tstage\tclock_time"
    assert back.start_time == expected.start_time


@pytest.mark.parametrize("suffix", [".xml", ".edf", ".csv", ".txt", ""])
def test_out_format_follows_extension(tmp_path: Path, suffix: str) -> None:
    source = write_hypnogram(Hypnogram([0, 1, 2, 3, 4, -1]), tmp_path / "in.tsv")
    out = tmp_path / f"out{suffix}"
    result = runner.invoke(app, ["hypnogram", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    back = read_hypnogram(out, format=None if suffix else "tsv")
    assert back.stages.tolist() == [0, 1, 2, 3, 4, -1]


def test_format_option_reads_odd_extension(tmp_path: Path) -> None:
    path = tmp_path / "stages.dat"
    path.write_text("0\n2\n2\n")
    result = runner.invoke(app, ["hypnogram", str(path), "--format", "txt"])
    assert result.exit_code == 0, result.output
    assert "3 epochs" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not an edf", "not an EDF file"),
        (b"", "file is empty"),
    ],
)
def test_bad_file_gives_one_error_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.edf"
    path.write_bytes(content)
    result = runner.invoke(app, ["hypnogram", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output


def test_missing_file_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["hypnogram", str(tmp_path / "none.tsv")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "file not found" in result.stderr


def test_bad_out_folder_keeps_nothing(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["hypnogram", str(SLEEP_EDF), "--out", str(tmp_path / "absent" / "h.tsv")]
    )
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert not (tmp_path / "absent").exists()
