"""The train, cv, cv-summary and evaluate commands through typer's runner."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import seqsleepnet.cli.train  # noqa: F401  (registers the commands)
from seqsleepnet.cli import app
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import write_hypnogram
from test_training_datasets import make_toy_cache

runner = CliRunner()
SMALL = [
    "--set",
    "n_filters=4",
    "--set",
    "epoch_hidden=6",
    "--set",
    "attention_size=6",
    "--set",
    "sequence_hidden=6",
]
FAST = [
    "--seq-len",
    "4",
    "--batch-size",
    "16",
    "--epochs",
    "1",
    "--lr",
    "3e-3",
    "--threads",
    "1",
    "-q",
    *SMALL,
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_toy_cache(tmp_path_factory.mktemp("cli") / "cache", n_subjects=4, n_epochs=20)


def test_train_writes_a_run_with_the_options(cache: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(cache),
            "--out",
            str(run),
            "--val-subjects",
            "1",
            "--eval-every",
            "3",
            "--max-steps",
            "5",
            "--cell",
            "bn-gru",
            *FAST,
            "--epochs",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "5 steps; best step" in result.output  # 4 steps per epoch, stopped at 5
    config = json.loads((run / "config.json").read_text())
    assert config["model_config"]["cell"] == "bn-gru" and config["max_steps"] == 5
    assert len(config["val_subjects"]) == 1
    assert [json.loads(x)["step"] for x in (run / "log.jsonl").read_text().splitlines()] == [3, 5]


def test_cv_summary_prints_the_table_and_json(cache: Path, tmp_path: Path) -> None:
    cv = tmp_path / "cv"
    for k in (0, 1):
        result = runner.invoke(
            app,
            [
                "cv",
                "--data",
                str(cache),
                "--folds",
                "2",
                "--out",
                str(cv),
                "--fold",
                str(k),
                "--eval-every",
                "50",
                *FAST,
            ],
        )
        assert result.exit_code == 0, result.output
    table = runner.invoke(app, ["cv-summary", str(cv)])
    assert table.exit_code == 0 and "| Acc | κ | MF1 |" in table.output
    as_json = json.loads(runner.invoke(app, ["cv-summary", str(cv), "--json"]).output)
    assert 0 <= as_json["accuracy"] <= 1 and len(as_json["confusion"]) == 5
    assert as_json["epochs"] == sum(map(sum, as_json["confusion"]))


def test_cv_summary_names_missing_folds(cache: Path, tmp_path: Path) -> None:
    cv = tmp_path / "cv"
    runner.invoke(
        app,
        [
            "cv",
            "--data",
            str(cache),
            "--folds",
            "3",
            "--out",
            str(cv),
            "--fold",
            "1",
            "--max-steps",
            "1",
            *FAST,
        ],
    )
    result = runner.invoke(app, ["cv-summary", str(cv)])
    assert result.exit_code == 1
    assert "error:" in result.output and "fold(s) [0, 2] of 3" in result.output


START = datetime(2020, 1, 1, 22, 0, 0)


def _write(
    path: Path, stages: list[int], onset: float = 0.0, start: datetime | None = START
) -> Path:
    return write_hypnogram(Hypnogram(np.array(stages), onset=onset, start_time=start), path)


def test_evaluate_files_by_clock_time_with_offset_and_unequal_lengths(tmp_path: Path) -> None:
    true = _write(tmp_path / "night.edf", [0, 0, 1, 2, 2, 3, 4, -1])
    # another recording, started one minute later: its epochs 1..5 are the true epochs 2..6
    pred = _write(tmp_path / "night.tsv", [0, 1, 2, 2, 3], 0.0, START + timedelta(seconds=30))
    result = runner.invoke(app, ["evaluate", "--true", str(true), "--pred", str(pred), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    # compared: true [0, 1, 2, 2, 3] vs pred [0, 1, 2, 2, 3] -> all five epochs agree
    assert metrics["epochs"] == 5 and metrics["accuracy"] == pytest.approx(1.0)
    text = runner.invoke(app, ["evaluate", "--true", str(true), "--pred", str(pred)])
    assert "5 epochs compared (true 8, predicted 5)" in text.stdout
    assert text.stderr.strip() == (
        "note: aligned night.tsv with night.edf by clock time: 5 shared epochs from "
        "2020-01-01 22:00:30; cropped 3 of the 8 epochs of night.edf (1 before, 2 after) and "
        "none of the 5 epochs of night.tsv"
    )


def test_evaluate_without_start_times_needs_equal_lengths(tmp_path: Path) -> None:
    true = _write(tmp_path / "night.edf", [0, 0, 1, 2, 2], start=None)
    pred = _write(tmp_path / "night.txt", [0, 1, 2, 2, 3], start=None)
    text = runner.invoke(app, ["evaluate", "--true", str(true), "--pred", str(pred)])
    assert text.exit_code == 0, text.output
    assert text.stderr.startswith("note: neither night.edf nor night.txt gives a recording start")
    short = _write(tmp_path / "short.txt", [0, 1], start=None)
    text = runner.invoke(app, ["evaluate", "--true", str(true), "--pred", str(short)])
    assert text.exit_code == 1
    assert "cannot be placed by clock time, and their lengths differ" in text.stderr


def test_evaluate_folders_pair_by_stem(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "p").mkdir()
    _write(tmp_path / "t" / "a.tsv", [0, 2, 2])
    _write(tmp_path / "t" / "b.tsv", [4, 4])
    _write(tmp_path / "p" / "a.hypnogram.tsv", [0, 2, 3])
    _write(tmp_path / "p" / "b.csv", [4, 4])
    result = runner.invoke(
        app, ["evaluate", "--true", str(tmp_path / "t"), "--pred", str(tmp_path / "p"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["accuracy"] == pytest.approx(4 / 5)


def test_bad_input_gives_one_error_line(cache: Path, tmp_path: Path) -> None:
    cases = [
        (["train", "--data", str(cache)], "give --data CACHE and --out RUN"),
        (
            ["train", "--data", str(cache), "--out", str(tmp_path / "x"), "--set", "oops"],
            "expected KEY=VALUE",
        ),
        (
            ["train", "--data", str(cache), "--out", str(tmp_path / "x"), "--val-subjects", "4"],
            "cannot pick 4 validation",
        ),
        (["train", "--data", str(tmp_path), "--out", str(tmp_path / "x")], "no manifest.json"),
        (["train", "--resume", str(tmp_path)], "no training config"),
        (["evaluate", "--true", str(tmp_path / "none.tsv"), "--pred", str(tmp_path)], "not found"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output and "Traceback" not in result.output


def test_evaluate_folders_show_one_line_per_night_unless_quiet_or_json(tmp_path: Path) -> None:
    for folder in ("t", "p"):
        (tmp_path / folder).mkdir()
        for name in ("a", "b"):
            _write(tmp_path / folder / f"{name}.tsv", [0, 2, 2])
    args = ["evaluate", "--true", str(tmp_path / "t"), "--pred", str(tmp_path / "p")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = [line.rsplit(" (", 1)[0] for line in result.stderr.splitlines()]
    assert lines == ["evaluate: 1/2 a.tsv", "evaluate: 2/2 b.tsv"]
    for extra in ("--quiet", "--json"):
        assert runner.invoke(app, [*args, extra]).stderr == ""
