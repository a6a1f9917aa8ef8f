"""The train, cv and cv-summary commands through typer's runner."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import seqsleepnet.cli.train  # noqa: F401  (registers the commands)
from seqsleepnet.cli import app
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
    changed = runner.invoke(app, ["train", "--resume", str(run), "--lr", "0.01", "--seed", "3"])
    assert changed.exit_code == 1
    assert "--lr, --seed cannot change a run (only --device, --max-steps, --threads" in (
        changed.stderr
    )
    longer = runner.invoke(app, ["train", "--resume", str(run), "--max-steps", "7", "-q"])
    assert longer.exit_code == 0, longer.output
    assert json.loads((run / "config.json").read_text())["max_steps"] == 7
    steps = [json.loads(x)["step"] for x in (run / "log.jsonl").read_text().splitlines()]
    assert steps == [3, 5, 6, 7]


def test_train_without_a_terminal_prints_one_plain_line_per_validation(
    cache: Path, tmp_path: Path
) -> None:
    loud = [arg for arg in FAST if arg != "-q"]
    args = ["train", "--data", str(cache), "--out", str(tmp_path / "run"), "--val-subjects", "1"]
    result = runner.invoke(app, [*args, "--eval-every", "2", "--max-steps", "3", *loud])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("train: step")]
    pattern = (
        r"train: step {}/3 loss \d+\.\d{{3}} acc \d\.\d{{3}} "
        r"\| val acc \d\.\d{{3}} kappa -?\d\.\d{{3}} best step \d \(\d+ s\)"
    )
    assert len(lines) == 2
    for step, line in zip((2, 3), lines, strict=True):
        assert re.fullmatch(pattern.format(step), line), line


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
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output and "Traceback" not in result.output


def test_train_init_from_fine_tunes_a_checkpoint(cache: Path, tmp_path: Path) -> None:
    base = tmp_path / "base"
    args = ["train", "--data", str(cache), "--val-subjects", "0", "--max-steps", "2"]
    assert runner.invoke(app, [*args, "--out", str(base), *FAST]).exit_code == 0
    tuned = tmp_path / "tuned"
    result = runner.invoke(
        app,
        [
            *args,
            "--out",
            str(tuned),
            "--init-from",
            str(base / "best.pt"),
            "--freeze-encoder",
            "--keep-normalizer",
            "--seq-len",
            "4",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    config = json.loads((tuned / "config.json").read_text())
    assert config["init_from"] == str(base / "best.pt") and config["lr"] == 2e-5
    assert config["freeze_encoder"] and config["normalizer"] == "keep"
    assert config["model"] == "seqsleepnet" and config["model_config"] == {}


def test_train_help_states_the_fine_tuning_learning_rate() -> None:
    result = runner.invoke(app, ["train", "--help"], terminal_width=200)
    assert "--init-from" in result.output and "2e-5 when fine-tuning" in result.output


def test_a_bare_number_that_is_a_subject_id_is_refused(tmp_path: Path) -> None:
    from seqsleepnet.data.cache import load_manifest, save_manifest

    digits = make_toy_cache(tmp_path / "digits", n_subjects=4, n_epochs=12)
    entries, info = load_manifest(digits)
    save_manifest(digits, [dataclasses.replace(e, subject=e.subject[1:]) for e in entries], info)
    run = tmp_path / "run"
    base = ["train", "--data", str(digits), "--out", str(run), "--max-steps", "1", *FAST]
    result = runner.invoke(app, [*base, "--val-subjects", "02"])
    assert result.exit_code == 1 and "'02' is ambiguous" in result.output
    assert "'02,'" in result.output and "count as 2" in result.output
    assert not run.exists()
    result = runner.invoke(app, [*base, "--val-subjects", "02,"])
    assert result.exit_code == 0, result.output
    assert json.loads((run / "config.json").read_text())["val_subjects"] == ["02"]
    result = runner.invoke(app, [*base, "--val-subjects", "1", "--overwrite"])
    assert result.exit_code == 0, result.output  # "1" is no subject id here: a count
    assert len(json.loads((run / "config.json").read_text())["val_subjects"]) == 1


def test_cv_fold_with_another_model_is_refused(cache: Path, tmp_path: Path) -> None:
    cv = tmp_path / "cv"
    args = ["cv", "--data", str(cache), "--folds", "2", "--out", str(cv), "--max-steps", "1"]
    result = runner.invoke(app, [*args, "--fold", "0", *FAST])
    assert result.exit_code == 0, result.output
    other = [a for a in FAST if a not in SMALL]
    result = runner.invoke(app, [*args, "--fold", "1", "--model", "arnn", *other])
    assert result.exit_code == 1 and 'training.model: "seqsleepnet" in folds.json' in result.output
    assert "give another --out folder" in result.output and not (cv / "fold-1").exists()
