"""The paper study's verdict sentence and its BENCHMARKS.md section (benchmarks/)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _paper_protocol
import report
from _paper_protocol import (
    BASELINES,
    L_STUDY,
    REFERENCE,
    RUNS,
    Study,
    restore_resume_state,
    save_resume_state,
)
from _paper_results import fold_status, verdict


def pooled(value: float) -> dict[str, Any]:
    stages = {s: {"f1": value} for s in ("W", "N1", "N2", "N3", "REM")}
    return {
        "accuracy": value,
        "kappa": value - 0.1,
        "macro_f1": value - 0.05,
        "sensitivity": value,
        "specificity": 0.9,
        "per_stage": stages,
    }


def runs(folds: int, reference: float = 0.8, baseline: float = 0.7) -> dict[str, Any]:
    return {
        r.label: {"folds": folds, "pooled": pooled(reference if r is REFERENCE else baseline)}
        for r in RUNS
    }


def differences(ci_high: float) -> dict[str, Any]:
    entry = {"mean": -0.05, "ci_low": -0.08, "ci_high": ci_high, "subjects": 20}
    return {r.label: dict.fromkeys(("accuracy", "kappa", "macro_f1"), entry) for r in RUNS[1:]}


def test_the_verdict_says_incomplete_while_jobs_are_missing() -> None:
    partial = runs(5)
    partial[BASELINES[1].label]["folds"] = 3
    sentence = verdict(partial, differences(-0.01), 5)
    assert sentence.startswith("The comparison is incomplete: 18 of 20")
    assert "holds" in sentence and "not known yet" in sentence


def test_the_verdict_follows_the_numbers() -> None:
    holds = verdict(runs(5), differences(-0.01), 5)
    assert "the paper's ordering holds" in holds and "below zero against 3 of the 3" in holds
    assert "MF1 75.0% vs 65.0%" in holds
    beaten = runs(5)
    beaten[BASELINES[1].label]["pooled"]["kappa"] = 0.75
    fails = verdict(beaten, differences(0.02), 5)
    assert "does NOT hold" in fails and f"{BASELINES[1].label} (kappa)" in fails
    assert "against 0 of the 3" in fails
    assert fails.count(".") == holds.count(".") == 1 + 2  # one sentence (two decimals)


def test_the_section_renders_status_tables_and_verdict() -> None:
    status = [
        {
            "label": r.label,
            "fold": k,
            "state": "complete",
            "steps": 8000,
            "best_step": 7000,
            "wall_s": 1800.0,
        }
        for r in RUNS
        for k in range(5)
    ]
    status[-1] = {**status[-1], "state": "resumable", "steps": 300, "best_step": None}
    status[-2] = {**status[-2], "state": "resumable", "steps": 200, "best_step": None}
    status[-1]["state_committed"], status[-2]["state_committed"] = True, False
    for k in (0, 2):  # two folds of the first run on a GPU, the rest on the CPU
        status[k]["device"] = "NVIDIA H200"
    status[5]["device"] = "NVIDIA H200"  # every finished fold of the second run
    status[6:10] = [{**s, "device": "NVIDIA H200"} for s in status[6:10]]
    r = {
        "quick": False,
        "data": "39 synthetic nights",
        "n_folds": 5,
        "reference": REFERENCE.label,
        "baselines": [b.label for b in BASELINES],
        "l_study": [x.label for x in L_STUDY],
        "bootstrap": 2000,
        "bootstrap_seed": 0,
        "status": status,
        "runs": runs(5),
        "differences": differences(-0.01),
        "figures": {"curves": "paper/validation.png"},
        "verdict": "VERDICT.",
    }
    r["runs"][L_STUDY[2].label]["folds"] = 4
    text = "\n".join(report.paper_study(r))
    assert "**SYNTHETIC DATA.**" in text and "**Verdict.** VERDICT." in text
    assert "| SeqSleepNet L=30 | 3 / 5 | 8,000, 8,000, 8,000 |" in text
    assert "fold 3 at step 200 (state on the machine that ran it); fold 4 at step 300 |" in text
    assert "| NVIDIA H200, CPU, NVIDIA H200, CPU, CPU | - |" in text  # mixed: per fold
    assert "| 30.0, 30.0, 30.0, 30.0, 30.0 | NVIDIA H200 | - |" in text  # one device: once
    assert text.count("| CPU | - |") == len(RUNS) - 3  # not the GPU, mixed or unfinished rows
    assert f"| {BASELINES[0].label} | 20 | -5.0 [-8.0, -1.0] | -0.050 [-0.080, -0.010] |" in text
    assert "![validation accuracy against step, every finished fold]" in text
    assert "(benchmarks/results/paper/validation.png)" in text


def _job_state(study: Study, step: int) -> None:
    run = study.cv(REFERENCE) / "fold-0" / "run"
    run.mkdir(parents=True, exist_ok=True)
    (run / "last.pt").write_bytes(b"state at step %d" % step)
    (run / "best.pt").write_bytes(b"best before step %d" % step)
    (run / "log.jsonl").write_text(json.dumps({"step": step}) + "\n")
    (run / "config.json").write_text("{}")
    (study.cv(REFERENCE) / "folds.json").write_text('{"folds": []}')


def test_an_unfinished_job_resumes_in_a_fresh_checkout(tmp_path: Path) -> None:
    study = Study(tmp_path / "work", tmp_path / "results", 5, False, None, "cpu")
    _job_state(study, 300)
    saved = save_resume_state(study, REFERENCE, 0)
    assert saved is not None and (saved / "last.pt").read_bytes() == b"state at step 300"
    shutil.rmtree(study.work)  # a fresh checkout: the git-ignored work folder is gone
    assert restore_resume_state(study) == [(REFERENCE, 0)]
    last = study.cv(REFERENCE) / "fold-0" / "run" / "last.pt"
    assert last.read_bytes() == b"state at step 300"
    assert (study.cv(REFERENCE) / "folds.json").is_file()
    _job_state(study, 500)  # the same machine went further: its own state is kept
    assert restore_resume_state(study) == []
    assert last.read_bytes() == b"state at step 500"
    assert save_resume_state(study, RUNS[1], 0) is None  # a job that never ran


def test_a_state_without_its_best_checkpoint_is_not_resumed(tmp_path: Path) -> None:
    study = Study(tmp_path / "work", tmp_path / "results", 5, False, None, "cpu")
    _job_state(study, 300)
    saved = save_resume_state(study, REFERENCE, 0)
    assert saved is not None and (saved / "best.pt").read_bytes() == b"best before step 300"
    (saved / "best.pt").unlink()  # as states saved before best.pt was kept
    shutil.rmtree(study.work)
    assert restore_resume_state(study) == []
    assert not (study.cv(REFERENCE) / "fold-0" / "run" / "last.pt").exists()


def test_a_state_too_large_to_commit_stays_in_the_work_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study = Study(tmp_path / "work", tmp_path / "results", 5, False, None, "cpu")
    _job_state(study, 300)
    monkeypatch.setattr(_paper_protocol, "MAX_COMMITTED_STATE_BYTES", 10)
    assert save_resume_state(study, REFERENCE, 0) is None
    assert not study.resume_state(REFERENCE, 0).exists()
    assert (study.cv(REFERENCE) / "fold-0" / "run" / "last.pt").is_file()
    row = fold_status(study, 5)[0]
    assert (row["state"], row["steps"], row["state_committed"]) == ("resumable", 300, False)
    monkeypatch.undo()
    save_resume_state(study, REFERENCE, 0)
    assert fold_status(study, 5)[0]["state_committed"]
