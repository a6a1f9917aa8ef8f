"""``seqsleepnet compare`` through typer's runner, on fake cross-validation folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seqsleepnet.cli import app
from test_training_cv_results import ERRORS, write_fake_cv

runner = CliRunner()


@pytest.fixture
def folders(tmp_path: Path) -> list[str]:
    write_fake_cv(tmp_path / "ssn", ERRORS, model_seed=1)
    write_fake_cv(tmp_path / "arnn", {s: e + 0.2 for s, e in ERRORS.items()}, model_seed=2)
    return [str(tmp_path / "ssn"), str(tmp_path / "arnn")]


def test_prints_both_tables(folders: list[str]) -> None:
    result = runner.invoke(app, ["compare", *folders, "--bootstrap", "200"])
    assert result.exit_code == 0, result.output
    assert "| ssn |" in result.output and "| arnn |" in result.output
    assert "| vs ssn | subjects | ΔAcc (pp) | 95% CI |" in result.output
    assert "(200 resamples of subjects, seed 0)" in result.output


def test_json_and_out(folders: list[str], tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(app, ["compare", *folders, "--json", "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["reference"] == "ssn" and payload["bootstrap"] == 2000 and payload["seed"] == 3
    assert payload["differences"]["arnn"]["accuracy"]["subjects"] == 6
    assert json.loads((out / "comparison.json").read_text()) == payload
    assert (out / "validation.png").is_file() and (out / "pooled.csv").is_file()


def test_errors_are_one_line(folders: list[str], tmp_path: Path) -> None:
    write_fake_cv(tmp_path / "half", ERRORS, skip=(2,))
    cases = [
        ([folders[0]], "at least two cross-validation folders"),
        ([folders[0], str(tmp_path / "half")], "fold(s) [2] of 3 have no predictions.npz"),
        ([folders[0], str(tmp_path)], "no folds file"),
        ([*folders, "--bootstrap", "0"], "bootstrap=0 must be a whole number >= 1"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["compare", *args])
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output and "Traceback" not in result.output
        assert result.output.count("error:") == 1


def test_out_is_not_overwritten_without_the_option(folders: list[str], tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = ["compare", *folders, "--bootstrap", "20", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    (out / "comparison.md").write_text("earlier")
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "already exists" in result.output
    assert "pass --overwrite" in result.output and "Traceback" not in result.output
    assert (out / "comparison.md").read_text() == "earlier"
    result = runner.invoke(app, [*args, "--overwrite"])
    assert result.exit_code == 0, result.output
    assert (out / "comparison.md").read_text().startswith("|")
