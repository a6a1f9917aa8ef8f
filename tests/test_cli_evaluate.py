"""The evaluate command through typer's runner: console, --json, --out and bad input."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from seqsleepnet.cli import app
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import write_hypnogram
from test_evaluation_cohort_agreement import fake_nights

runner = CliRunner()


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
    metrics = json.loads(result.stdout)
    # compared: true [0, 1, 2, 2, 3] vs pred [0, 1, 2, 2, 3] -> all five epochs agree
    assert metrics["epochs"] == 5 and metrics["accuracy"] == pytest.approx(1.0)
    text = runner.invoke(app, ["evaluate", "--true", str(true), "--pred", str(pred)])
    assert "5 epochs compared (true 8, predicted 5)" in text.stdout
    assert text.stderr.strip() == (
        "note: aligned night.tsv with night.edf by clock time: 5 shared epochs from "
        "2020-01-01 22:00:30; cropped 3 of the 8 epochs of night.edf (1 before, 2 after) and "
        "none of the 5 epochs of night.tsv"
    )


def test_evaluate_counts_only_epochs_scored_by_both_and_says_what_was_left_out(
    tmp_path: Path,
) -> None:
    true = _write(tmp_path / "night.edf", [0, 1, 2, 2, 3, 4, -1, 2])
    pred = _write(tmp_path / "night.tsv", [0, 1, -1, -1, 3, 4, -1, 3])  # unscored: a gap
    text = runner.invoke(app, ["evaluate", "--true", str(true), "--pred", str(pred)])
    assert text.exit_code == 0, text.output
    assert (
        "night.tsv: 5 epochs compared (true 8, predicted 8; left out of the 8 shared: "
        "2 scored by the expert only, 1 by neither), accuracy 0.800"
    ) in text.stdout


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


def test_evaluate_without_start_times_places_by_onset_and_says_so(tmp_path: Path) -> None:
    """Onsets are seconds from the recording start: two files that start apart are shifted."""
    true = _write(tmp_path / "night.tsv", [0, 1, 2], start=None)
    pred = _write(tmp_path / "pred.tsv", [1, 2, 3], onset=30.0, start=None)
    result = runner.invoke(app, ["evaluate", "--true", str(true), "--pred", str(pred), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["epochs"] == 2 and metrics["accuracy"] == pytest.approx(1.0)
    alignment = metrics["nights"][0]["alignment"]
    assert alignment["by_clock"] is False and alignment["cropped"] is True
    assert (
        "by onset (neither night.tsv nor pred.tsv gives a recording start time)"
        in (alignment["note"])
    )
    assert result.stderr.startswith("note: aligned pred.tsv with night.tsv by onset")


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
    assert json.loads(result.stdout)["accuracy"] == pytest.approx(4 / 5)


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


def test_bad_input_gives_one_error_line(tmp_path: Path) -> None:
    blank = _write(tmp_path / "blank.tsv", [-1, -1])
    scored = _write(tmp_path / "scored.tsv", [0, 2])
    cases = [
        (["evaluate", "--true", str(tmp_path / "none.tsv"), "--pred", str(tmp_path)], "not found"),
        (["evaluate", "--true", str(blank), "--pred", str(scored)], "nothing comparable"),
        (
            ["evaluate", "--true", str(scored), "--pred", str(scored), "--wake-trim-min", "-5"],
            "--wake-trim-min must be minutes >= 0",
        ),
        (
            ["evaluate", "--true", str(scored), "--pred", str(scored), "--bootstrap", "0"],
            "--bootstrap=0 must be a whole number",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output and "Traceback" not in result.output


def test_help_states_the_sleep_edf_convention_and_the_outputs() -> None:
    text = " ".join(runner.invoke(app, ["evaluate", "--help"]).output.split())
    for phrase in ("--wake-trim-min", "Sleep-EDF convention", "30 minutes before", "Bland-Altman"):
        assert phrase in text


def test_a_folder_of_ten_nights_writes_every_table_and_the_page(tmp_path: Path) -> None:
    pairs = fake_nights(tmp_path / "in")
    out = tmp_path / "agreement"
    args = ["evaluate", "-t", str(tmp_path / "in" / "t"), "-p", str(tmp_path / "in" / "p")]
    result = runner.invoke(app, [*args, "--out", str(out), "--bootstrap", "200", "-q"])
    assert result.exit_code == 0, result.output
    assert "95% CI" in result.stdout and "Bland-Altman" in result.stdout
    assert result.stdout.count("epochs compared") == 10
    printed = json.loads(runner.invoke(app, [*args, "--json", "--bootstrap", "200"]).stdout)
    summary = json.loads((out / "summary.json").read_text())
    assert summary == printed
    assert summary["n_nights"] == 10 and len(summary["ci"]["accuracy"]) == 2
    assert set(summary["bland_altman"]) >= {"tst", "sleep_efficiency", "waso", "rem_latency"}
    assert np.allclose(np.sum(summary["confusion_normalised"], axis=1), 1.0)
    nights = pd.read_csv(out / "nights.csv")
    assert len(nights) == 10 and {"accuracy", "kappa", "tst_expert", "tst_predicted"} <= set(
        nights.columns
    )
    assert nights["accuracy"].tolist() == pytest.approx(
        [n["accuracy"] for n in summary["nights"]], abs=1e-6
    )
    epochs = pd.read_csv(out / "nights" / "night03.csv", keep_default_na=False)
    true, pred = pairs["night03"]
    assert len(epochs) == true.size and epochs["onset"].iloc[1] == 30.0
    assert (epochs["agree"].astype(int) == (true == pred)).all()
    confusion = pd.read_csv(out / "confusion.csv")
    assert (
        confusion[[f"count_{s}" for s in ("W", "N1", "N2", "N3", "REM")]].to_numpy().tolist()
        == (summary["confusion"])
    )
    table = pd.read_csv(out / "bland_altman.csv")
    assert table.loc[table.statistic == "tst", "bias"].item() == pytest.approx(
        summary["bland_altman"]["tst"]["bias"], abs=1e-6
    )
    page = (out / "agreement.html").read_text()
    assert page.count("data:image/png;base64,") == 2  # confusion matrix, Bland-Altman
    assert "Bland-Altman" in page and "Cohen&#x27;s kappa" in page
    assert not re.search(r"(src|href)=[\"']https?://", page)
