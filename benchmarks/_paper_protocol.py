"""The paper study's protocol: data, folds, runs, one (model, fold) job and its results.

Data: the 39-night synthetic cohort (one synthetic night per real Sleep-EDF
expert hypnogram, in-bed part, both nights of a subject sharing one synthetic
sleeper), **AASM layout** (C4-M1, E1-M2, chin EMG; 256 Hz), prepared once
into one feature cache with the ``folder`` source and a CSV manifest (as
``scripts/train_default_model.py`` does) with roles EEG, EOG, EMG.

Folds: 5-fold subject-wise cross-validation (``prepare_folds``, 2 validation
subjects per fold, seed 0), the same folds for every model.

Training (fixed, the paper's, for every model): windows of L epochs with
maximum overlap (stride 1), Adam 1e-4, batch 32 windows, 10 passes over the
training windows, validation every 100 steps, the best validation step kept
(``run_fold``, which resumes from ``last.pt``).

Implementation difference: the per-epoch baselines (E2E-ARNN, Multitask
E2E-ARNN) and E2E-DeepSleepNet train on the same 20-epoch windows as
SeqSleepNet L = 20 (batch 32 windows), so every model sees the same epochs
per step; the multitask model needs windows anyway for its neighbours'
labels.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEED = 0  # folds and training
COHORT_SEED = 7  # the synthetic cohort: the one the bundled demonstration models train on
LAYOUT = "aasm"
ROLES = "eeg,eog,emg"
N_VAL = 2
FOLD_CHOICES = (4, 5)  # the issue: 4 folds for every model rather than fewer passes
FOLDS_NAME = "folds.json"  # as seqsleepnet.training.cross_validation.FOLDS_NAME
WALL_NAME = "wall.json"
RESUME_DIR = "resume"
# in fold-k/run/: the best checkpoint too, which the finished job tests
_RESUME_FILES = ("last.pt", "best.pt", "log.jsonl", "config.json")
RESULT_NAME = "result.json"
# a state larger than this (E2E-DeepSleepNet: about 400 MB with its Adam moments)
# is not copied into the committed results: the work folder keeps it, so only the
# machine that holds it resumes the job
MAX_COMMITTED_STATE_BYTES = 50 * 2**20


@dataclass(frozen=True)
class Run:
    """One model configuration of the study."""

    name: str  # folder name
    label: str  # as in the paper's tables
    model: str  # registry name
    seq_len: int


RUNS = (  # in the order they run
    Run("seqsleepnet-L20", "SeqSleepNet L=20", "seqsleepnet", 20),
    Run("e2e-arnn", "E2E-ARNN", "arnn", 20),
    Run("e2e-deepsleepnet", "E2E-DeepSleepNet", "deepsleepnet", 20),
    Run("multitask-e2e-arnn", "Multitask E2E-ARNN", "multitask-arnn", 20),
    Run("seqsleepnet-L10", "SeqSleepNet L=10", "seqsleepnet", 10),
    Run("seqsleepnet-L30", "SeqSleepNet L=30", "seqsleepnet", 30),
)
REFERENCE = RUNS[0]
BASELINES = RUNS[1:4]
L_STUDY = (RUNS[4], RUNS[0], RUNS[5])


@dataclass(frozen=True)
class Study:
    """Where one study lives and how it trains.

    ``quick`` studies (smoke tests) live entirely under ``build/`` and never
    touch ``benchmarks/results/``.
    """

    work: Path  # git-ignored: cohort, cache, cv runs with checkpoints
    results: Path  # the folder holding paper_study.json and paper/<run>/
    n_folds: int
    quick: bool
    subjects: int | None  # first N Sleep-EDF subjects (smoke tests); None: all 20
    device: str
    threads: int = 1  # torch CPU threads per job (the protocol's maths does not depend on it)

    @property
    def cache(self) -> Path:
        return self.work / "cache"

    def cv(self, run: Run) -> Path:
        return self.work / "cv" / run.name

    def result(self, run: Run) -> Path:
        return self.results / "paper" / run.name

    def fold_result(self, run: Run, fold: int) -> Path:
        return self.result(run) / f"fold-{fold}"

    def complete(self, run: Run, fold: int) -> bool:
        return (self.fold_result(run, fold) / RESULT_NAME).is_file()

    def resume_state(self, run: Run, fold: int) -> Path:
        """Committed state of an unfinished job, so that a fresh checkout resumes it."""
        return self.fold_result(run, fold) / RESUME_DIR


def train_config(study: Study, run: Run) -> Any:
    """The fixed training settings of ``run`` (``quick``: 20 steps, validation every 10)."""
    from seqsleepnet.training.config import TrainConfig

    return TrainConfig(
        data=str(study.cache),
        model=run.model,
        seq_len=run.seq_len,
        batch_size=32,
        epochs=10,
        lr=1e-4,
        l2_weight=1e-3,
        eval_every=10 if study.quick else 100,
        max_steps=20 if study.quick else None,
        seed=SEED,
        device=study.device,  # type: ignore[arg-type]
        precision="fp32",  # as on the CPU: no bf16 autocast on a GPU
        threads=study.threads,
    )


def build_data(study: Study, jobs: int) -> None:
    """Write the synthetic cohort and prepare its cache, once (skipped when present)."""
    from seqsleepnet.data.prepare import prepare_dataset
    from seqsleepnet.data.synthetic.cohort import (
        build_cohort,
        packaged_hypnograms,
        write_cohort_manifest,
    )

    if (study.cache / "manifest.json").is_file():
        return
    cohort = study.work / "cohort"
    if not (cohort / "manifest.csv").is_file():
        source = packaged_hypnograms()
        if study.subjects is not None:
            source = study.work / "hypnograms"
            source.mkdir(parents=True, exist_ok=True)
            for path in sorted(packaged_hypnograms().glob("SC4*-Hypnogram.edf")):
                if int(path.name[3:5]) < study.subjects:
                    shutil.copy(path, source / path.name)
        logging.info("writing the synthetic cohort (%s layout) into %s", LAYOUT, cohort)
        build_cohort(source, cohort, layout=LAYOUT, seed=COHORT_SEED, progress=False, jobs=jobs)
        write_cohort_manifest(cohort)
    logging.info("preparing the feature cache %s", study.cache)
    report = prepare_dataset(
        "folder", cohort / "manifest.csv", study.cache, roles=ROLES, jobs=jobs, progress=False
    )
    if not report.ok:
        raise RuntimeError(f"preparing the synthetic cohort failed: {report}")


def _unpack(cache: Path, entry: Any) -> None:
    from seqsleepnet.training.datasets import open_arrays

    open_arrays(cache, entry)


def unpack_cache(study: Study, jobs: int) -> None:
    """Unpack every cached recording for memory mapping once, before jobs start side by side.

    Jobs started together would otherwise each unpack the whole cache (a
    disk's worth of duplicate writes with many jobs on one GPU).
    """
    from functools import partial

    from seqsleepnet.data.cache import load_manifest
    from seqsleepnet.workers import run_tasks

    entries, _ = load_manifest(study.cache)

    def failed(entry: Any, error: Exception, _: bool) -> Exception:
        return error

    errors = run_tasks(partial(_unpack, study.cache), entries, jobs=jobs, failure=failed)
    broken = [e for e in errors if e is not None]
    if broken:
        raise RuntimeError(f"unpacking {study.cache} failed: {broken[0]}")


def prepare_study_folds(study: Study) -> list[Any]:
    """The same folds in every run's cv folder; refuse results made with other folds."""
    from seqsleepnet.training.cross_validation import prepare_folds

    folds = []
    for run in RUNS:
        folds = prepare_folds(study.cv(run), study.cache, study.n_folds, N_VAL, SEED)
        saved = study.result(run) / FOLDS_NAME
        if saved.is_file():
            theirs = [f["test"] for f in json.loads(saved.read_text())["folds"]]
            if theirs != [f.test for f in folds]:
                raise SystemExit(
                    f"{saved}: these results were made with other folds than "
                    f"{study.cv(run) / FOLDS_NAME} ({len(theirs)} vs {len(folds)} folds or other "
                    "subjects); move the results folder away to start a study with new folds"
                )
    return folds


def run_job(study: Study, run: Run, fold: int, log_file: str) -> None:
    """Train and test one (model, fold) in this process (a worker), logging to a file."""
    import torch

    from seqsleepnet.training.cross_validation import run_fold

    logging.basicConfig(
        filename=log_file, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    torch.set_num_threads(study.threads)
    run_fold(study.cv(run), fold, train_config(study, run))


def read_wall(study: Study, run: Run, fold: int) -> list[dict[str, Any]]:
    """The sessions (start date, seconds, outcome) a job has run so far."""
    path = study.cv(run) / f"fold-{fold}" / WALL_NAME
    return json.loads(path.read_text())["sessions"] if path.is_file() else []


def add_session(study: Study, run: Run, fold: int, seconds: float, outcome: str) -> None:
    """Record one session of a job (atomic write)."""
    from seqsleepnet.io.atomic import atomic_write

    folder = study.cv(run) / f"fold-{fold}"
    folder.mkdir(parents=True, exist_ok=True)
    sessions = read_wall(study, run, fold)
    sessions.append(
        {
            "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime(time.time() - seconds)),
            "seconds": round(seconds, 1),
            "outcome": outcome,
        }
    )
    with atomic_write(folder / WALL_NAME) as handle:
        json.dump({"sessions": sessions}, handle, indent=1)


def steps_done(study: Study, run: Run, fold: int) -> int:
    """Last logged step of a job's work folder (0 if it never validated)."""
    from seqsleepnet.training.state import read_log

    records = read_log(study.cv(run) / f"fold-{fold}" / "run")
    return int(records[-1]["step"]) if records else 0


def export_result(study: Study, run: Run, fold: int, machine: dict[str, Any]) -> Path:
    """Copy a finished job's small results from the work folder into the results folder.

    Writes ``paper/<run>/folds.json``, ``fold-k/predictions.npz`` (recordings,
    subjects, offsets, int8 true and predicted stages; no probabilities),
    ``fold-k/run/log.jsonl`` and ``config.json`` (the validation curve and
    settings; no checkpoints) and, last, ``fold-k/result.json`` (metrics,
    steps, best step, wall time), whose presence marks the job complete.
    """
    from seqsleepnet.evaluation.metrics import compute_metrics
    from seqsleepnet.io.atomic import atomic_path, atomic_write
    from seqsleepnet.training.cross_validation import PREDICTIONS_NAME
    from seqsleepnet.training.state import LOG_NAME, read_log

    cv, target = study.cv(run), study.fold_result(run, fold)
    (target / "run").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cv / FOLDS_NAME, study.result(run) / FOLDS_NAME)
    for name in (LOG_NAME, "config.json"):
        with atomic_write(target / "run" / name) as handle:
            handle.write((cv / f"fold-{fold}" / "run" / name).read_text())
    with np.load(cv / f"fold-{fold}" / PREDICTIONS_NAME) as data:
        arrays = {k: data[k] for k in ("recordings", "subjects", "offsets", "true", "pred")}
        best_step = int(data["best_step"])
    arrays["true"] = arrays["true"].astype(np.int8)
    arrays["pred"] = arrays["pred"].astype(np.int8)
    with atomic_path(target / PREDICTIONS_NAME) as tmp:
        np.savez_compressed(tmp, **arrays)
    sessions = read_wall(study, run, fold)
    log = read_log(cv / f"fold-{fold}" / "run")
    best = next((r for r in log if int(r["step"]) == best_step), {})
    result = {
        "run": run.name,
        "label": run.label,
        "fold": fold,
        "steps": int(log[-1]["step"]) if log else 0,
        "best_step": best_step,
        "best_val_accuracy": best.get("val_accuracy"),
        "wall_s": round(sum(s["seconds"] for s in sessions), 1),
        "sessions": sessions,
        "test_metrics": compute_metrics(arrays["true"], arrays["pred"]).to_dict(),
        "config": train_config(study, run).to_dict(),
        "machine": machine,
    }
    with atomic_write(target / RESULT_NAME) as handle:
        json.dump(result, handle, indent=1)
    shutil.rmtree(study.resume_state(run, fold), ignore_errors=True)
    return target


def save_resume_state(study: Study, run: Run, fold: int) -> Path | None:
    """Copy an unfinished job's resumable state from the work folder into the results.

    The work folder is git-ignored, so a fresh checkout would otherwise start
    the job from zero. Saved: ``last.pt`` (weights, optimiser, position),
    ``best.pt`` (the best validation step so far), the validation log, the
    run's config, the fold's wall-time sessions and the folds. A finished
    job's export removes it. A state over ``MAX_COMMITTED_STATE_BYTES`` is
    not copied (None is returned): the work folder keeps it.
    """
    from seqsleepnet.io.atomic import atomic_path

    source = study.cv(run) / f"fold-{fold}"
    if study.complete(run, fold) or not (source / "run" / "last.pt").is_file():
        return None
    files = [source / "run" / name for name in _RESUME_FILES] + [source / WALL_NAME]
    files.append(study.cv(run) / FOLDS_NAME)
    size = sum(path.stat().st_size for path in files if path.is_file())
    if size > MAX_COMMITTED_STATE_BYTES:
        logging.warning(
            "%s fold %d: its state (%.0f MB) is too large to commit; it stays in %s, "
            "so the job resumes only on this machine",
            run.label,
            fold,
            size / 2**20,
            source,
        )
        return None
    target = study.resume_state(run, fold)
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        if path.is_file():
            with atomic_path(target / path.name) as tmp:
                shutil.copyfile(path, tmp)
    return target


def restore_resume_state(study: Study) -> list[tuple[Run, int]]:
    """Put committed resumable states back into the work folder where it has less.

    A job whose work folder already holds a later ``last.pt`` (same machine,
    later session) keeps it. A state without its ``best.pt`` cannot finish
    with its best validation step: it is left out (logged), and the job
    starts again.
    """
    from seqsleepnet.training.state import read_log

    restored = []
    for run in RUNS:
        for fold in range(study.n_folds):
            saved = study.resume_state(run, fold)
            if study.complete(run, fold) or not (saved / "last.pt").is_file():
                continue
            if not (saved / "best.pt").is_file():
                logging.warning(
                    "%s has no best.pt, so %s fold %d cannot finish from it; it starts again",
                    saved,
                    run.label,
                    fold,
                )
                continue
            work = study.cv(run) / f"fold-{fold}"
            here = read_log(work / "run") if (work / "run" / "last.pt").is_file() else []
            there = read_log(saved)
            if here and there and int(here[-1]["step"]) >= int(there[-1]["step"]):
                continue
            (work / "run").mkdir(parents=True, exist_ok=True)
            for name in _RESUME_FILES:
                if (saved / name).is_file():
                    shutil.copyfile(saved / name, work / "run" / name)
            if (saved / WALL_NAME).is_file():
                shutil.copyfile(saved / WALL_NAME, work / WALL_NAME)
            if (saved / FOLDS_NAME).is_file() and not (study.cv(run) / FOLDS_NAME).is_file():
                shutil.copyfile(saved / FOLDS_NAME, study.cv(run) / FOLDS_NAME)
            restored.append((run, fold))
    return restored
