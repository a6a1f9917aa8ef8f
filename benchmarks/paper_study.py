"""The paper's comparison on SYNTHETIC data: SeqSleepNet against its three baselines.

A resumable study runner. Every (model, fold) is one job equivalent to
``seqsleepnet cv --fold k`` (``run_fold``, which resumes from ``last.pt``),
with the paper's fixed protocol for every model and the same 5 folds (see
``_paper_protocol.py`` for data, folds, settings and where this differs from
the paper). The runs, in order: SeqSleepNet L=20, E2E-ARNN, E2E-DeepSleepNet,
Multitask E2E-ARNN, SeqSleepNet L=10, SeqSleepNet L=30.

Each invocation runs whatever is missing until ``--hours`` are spent, then
stops cleanly: running jobs are stopped and resume from their last
checkpoint (written every 100 steps) next time. A job that the wall time of
the run's finished folds says cannot finish in the time left is still
started while at least 15 minutes remain (its state carries over, see
below), not in the last minutes. Finished jobs are exported as
they finish to ``benchmarks/results/paper/<run>/`` (predictions as small
int8 arrays, validation log, metrics and wall time; no checkpoints), the
summary ``benchmarks/results/paper_study.json`` and BENCHMARKS.md are
regenerated, and (unless ``--no-commit``) these paths alone are committed.
Work folders (cohort, cache, cv runs with checkpoints) live in the
git-ignored ``build/paper-study/``. So that a fresh checkout resumes an
unfinished job instead of starting it again, a job stopped at the budget
leaves its resumable state (``last.pt``, log, config, wall time; about 2 MB)
in ``benchmarks/results/paper/<run>/fold-k/resume/``, committed, and the next
invocation puts it back into the work folder; the finished job's export
removes it. ``--save-state`` does the same for jobs stopped outside the runner.

A job's resumable state is small for the image models (about 2 MB) but about
400 MB for E2E-DeepSleepNet (25 M parameters with their Adam moments); to bring
results back from a borrowed GPU machine, pack ``benchmarks/results/paper``
without its ``resume`` folders: finished jobs need none.

``--quick`` is a smoke test only: 20 steps per job, everything (results
included) under ``build/paper-study-quick/``, never mixed with real results,
never committed.

Usage::

    python benchmarks/paper_study.py --hours 2.5 --jobs 2        # 2 folds side by side, 2 cores
    python benchmarks/paper_study.py --hours 2.5 --jobs 1 --threads 2   # the last job, 2 cores
    nvidia-cuda-mps-control -d   # optional: the jobs' kernels then run side by side
    python benchmarks/paper_study.py --hours 0.5 --device cuda --jobs 16   # 16 jobs, one GPU
    python benchmarks/paper_study.py --status
    python benchmarks/paper_study.py --quick --subjects 6 --folds 3 --runs e2e-arnn
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import report  # noqa: E402
from _common import RESULTS, machine_info, write_json  # noqa: E402
from _paper_protocol import (  # noqa: E402
    FOLD_CHOICES,
    FOLDS_NAME,
    ROOT,
    RUNS,
    Run,
    Study,
    add_session,
    build_data,
    export_result,
    prepare_study_folds,
    restore_resume_state,
    run_job,
    save_resume_state,
    steps_done,
    unpack_cache,
)
from _paper_results import fold_status, summarize  # noqa: E402

WORK = ROOT / "build" / "paper-study"  # git-ignored
POLL_S = 5.0
MIN_USEFUL_S = 900.0  # a job that cannot finish still starts with this much budget left
STOP_GRACE_S = 60.0


@dataclass(frozen=True)
class Job:
    """A (model, fold) job."""

    run: Run
    fold: int


@dataclass(frozen=True)
class Running:
    """A job's worker process and when it started (monotonic seconds)."""

    job: Job
    process: multiprocessing.process.BaseProcess
    started: float


def saved_folds(work: Path, results: Path) -> int | None:
    """The number of folds a study was started with (its first folds.json), if any."""
    for folder in (results / "paper", work / "cv"):
        for path in sorted(folder.glob(f"*/{FOLDS_NAME}")):
            return int(json.loads(path.read_text())["n_folds"])
    return None


def make_study(args: argparse.Namespace) -> Study:
    """Paths and settings of a real or a quick study (folds: given, saved, or 5)."""
    quick = ROOT / "build" / "paper-study-quick"
    work, results = (quick, quick / "results") if args.quick else (WORK, RESULTS)
    folds = args.folds or saved_folds(work, results) or 5
    if not args.quick and (args.subjects is not None or folds not in FOLD_CHOICES):
        raise SystemExit(
            f"--subjects and --folds {folds} are for --quick smoke tests; a real study uses "
            f"all 20 subjects and --folds {' or '.join(map(str, FOLD_CHOICES))}"
        )
    return Study(work, results, folds, args.quick, args.subjects, args.device, args.threads)


def remaining_estimate(study: Study, run: Run, fold: int, folds: int) -> float | None:
    """Seconds the job still needs, from the run's finished folds (None: no finished fold)."""
    rows = [
        r for r in fold_status(study, folds) if r["run"] == run.name and r["state"] == "complete"
    ]
    if not rows:
        return None
    wall = statistics.median(r["wall_s"] for r in rows)
    total = statistics.median(r["steps"] for r in rows)
    done = min(steps_done(study, run, fold) / total, 1.0) if total else 0.0
    return wall * (1.0 - done)


def print_status(study: Study) -> None:
    """One line per (model, fold): state, steps, best step and wall time."""
    print(f"{'run':<20} fold  {'state':<12} {'steps':>6} {'best':>6} {'wall':>9}")
    complete = 0
    for r in fold_status(study, study.n_folds):
        complete += r["state"] == "complete"
        best = "-" if r["best_step"] is None else str(r["best_step"])
        wall = f"{r['wall_s'] / 60:.1f} min" if r["wall_s"] else "-"
        print(
            f"{r['label']:<20} {r['fold']:>4}  {r['state']:<12} {r['steps']:>6} {best:>6} {wall:>9}"
        )
    print(f"{complete} of {len(RUNS) * study.n_folds} jobs complete; results in {study.results}")


def publish(study: Study, job: Job, machine: dict[str, object], commit: bool) -> None:
    """Export a finished job, regenerate the summary and the report, commit (real study)."""
    export_result(study, job.run, job.fold, machine)
    summary = study.results / "paper_study.json"
    write_json(summary, summarize(study, machine))
    if study.quick:
        (study.work / "report.md").write_text(
            "\n".join(report.paper_study(json.loads(summary.read_text()), figures="results/"))
        )
        return
    benchmarks = render_benchmarks(study)
    if commit:
        paths = [study.results / "paper", summary, benchmarks]
        git_commit(paths, f"paper study (SYNTHETIC): {job.run.label} fold {job.fold} finished")


def render_benchmarks(study: Study) -> Path:
    """Regenerate BENCHMARKS.md with ``report.py`` as it is on disk now.

    A new process, not the ``report`` module this runner imported hours ago:
    sections added to the report since then are kept.
    """
    target = ROOT / "BENCHMARKS.md"
    command = [sys.executable, str(HERE / "report.py"), "--results", str(study.results)]
    subprocess.run([*command, "--out", str(target)], cwd=ROOT, check=True, capture_output=True)
    return target


def git_commit(paths: list[Path], message: str) -> None:
    """Commit these paths alone (a failure is logged, never raised)."""
    names = [str(p) for p in paths]
    for command in (
        ["git", "add", "--", *names],
        ["git", "commit", "-q", "-m", message, "--", *names],
    ):
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            logging.warning("%s failed: %s", " ".join(command[:2]), done.stderr.strip())
            return
    logging.info("committed %s", ", ".join(names))


def save_states(study: Study, machine: dict[str, object], commit: bool) -> None:
    """Save the resumable state of every unfinished job, refresh the status, commit.

    The status is refreshed also when every state stays in the work folder
    (too large to commit): it then tells how far those jobs got here.
    """
    saved = [
        target
        for run in RUNS
        for fold in range(study.n_folds)
        if (target := save_resume_state(study, run, fold)) is not None
    ]
    if study.quick:
        return
    summary = study.results / "paper_study.json"
    write_json(summary, summarize(study, machine))
    benchmarks = render_benchmarks(study)
    if commit:
        message = f"paper study (SYNTHETIC): status, and the resumable state of {len(saved)} job(s)"
        git_commit([*saved, summary, benchmarks], message)


def start(study: Study, job: Job, context: multiprocessing.context.SpawnContext) -> Running:
    """Start a job in a fresh worker process that logs to ``fold-k/job.log``."""
    log_file = study.cv(job.run) / f"fold-{job.fold}" / "job.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    process = context.Process(target=run_job, args=(study, job.run, job.fold, str(log_file)))
    process.start()
    logging.info("started %s fold %d (log %s)", job.run.label, job.fold, log_file)
    return Running(job, process, time.monotonic())


def stop(study: Study, running: list[Running], why: str) -> None:
    """Stop workers (SIGTERM, then SIGKILL after a grace period); their jobs stay resumable."""
    for r in running:
        r.process.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for r in running:
        r.process.join(max(0.0, deadline - time.monotonic()))
        if r.process.is_alive():
            r.process.kill()
            r.process.join()
        add_session(study, r.job.run, r.job.fold, time.monotonic() - r.started, why)
        save_resume_state(study, r.job.run, r.job.fold)
        logging.info(
            "stopped %s fold %d at step %d (%s); it resumes next time",
            r.job.run.label,
            r.job.fold,
            steps_done(study, r.job.run, r.job.fold),
            why,
        )


def finish(study: Study, r: Running, machine: dict[str, object], commit: bool) -> bool:
    """Record an ended worker's session; publish its job if it succeeded."""
    code = r.process.exitcode
    outcome = "finished" if code == 0 else f"failed (exit {code})"
    add_session(study, r.job.run, r.job.fold, time.monotonic() - r.started, outcome)
    if code != 0:
        log_file = study.cv(r.job.run) / f"fold-{r.job.fold}" / "job.log"
        logging.error("%s fold %d %s; see %s", r.job.run.label, r.job.fold, outcome, log_file)
        return False
    publish(study, r.job, machine, commit)
    logging.info("finished %s fold %d", r.job.run.label, r.job.fold)
    return True


def run_study(study: Study, args: argparse.Namespace) -> int:
    """Run the missing jobs within the budget; return the number that failed."""
    began = time.monotonic()
    budget_end = began + args.hours * 3600
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # inherited by the workers
    build_data(study, args.jobs)
    unpack_cache(study, args.jobs)
    for run, fold in restore_resume_state(study):
        logging.info("restored the committed state of %s fold %d", run.label, fold)
    prepare_study_folds(study)
    machine = machine_info(torch_threads=args.threads, jobs=args.jobs, device=args.device)
    chosen = [r for r in RUNS if not args.runs or r.name in args.runs]
    pending = [Job(r, k) for r in chosen for k in range(study.n_folds) if not study.complete(r, k)]
    running: list[Running] = []
    failed = 0
    context = multiprocessing.get_context("spawn")
    try:
        while pending or running:
            left = budget_end - time.monotonic()
            for job in list(pending):
                if len(running) >= args.jobs or left <= 0:
                    break
                pending.remove(job)
                need = remaining_estimate(study, job.run, job.fold, study.n_folds)
                if need is not None and need > left and left < MIN_USEFUL_S:
                    logging.info(
                        "not starting %s fold %d: needs about %.0f min, %.0f min left",
                        job.run.label,
                        job.fold,
                        need / 60,
                        left / 60,
                    )
                    continue
                running.append(start(study, job, context))
            if not running:
                break
            time.sleep(POLL_S)
            for r in [r for r in running if not r.process.is_alive()]:
                running.remove(r)
                failed += not finish(study, r, machine, commit=not args.no_commit)
            if time.monotonic() >= budget_end and running:
                stop(study, running, "budget spent")
                running = []
                save_states(study, machine, commit=not args.no_commit)
    except KeyboardInterrupt:
        stop(study, running, "interrupted")
        raise
    logging.info("spent %.2f h of %.2f h", (time.monotonic() - began) / 3600, args.hours)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=2.5, help="wall-clock budget")
    parser.add_argument("--jobs", type=int, default=2, help="folds run side by side")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads per job (e.g. 2 for one job)"
    )
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--folds", type=int, help="5 (default), or 4 for every model")
    parser.add_argument("--runs", nargs="+", choices=[r.name for r in RUNS], help="only these")
    parser.add_argument("--status", action="store_true", help="print what is done and exit")
    parser.add_argument(
        "--save-state",
        action="store_true",
        help="save (and commit) the resumable state of unfinished jobs, e.g. after they were "
        "stopped outside the runner, and exit",
    )
    parser.add_argument("--no-commit", action="store_true", help="do not commit the results")
    parser.add_argument("--quick", action="store_true", help="smoke test (under build/)")
    parser.add_argument("--subjects", type=int, help="--quick: first N subjects only")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("seqsleepnet").setLevel(logging.WARNING)  # the workers log to files
    study = make_study(args)
    if args.status:
        print_status(study)
        return 0
    if args.save_state:
        machine = machine_info(torch_threads=args.threads, jobs=args.jobs, device=args.device)
        save_states(study, machine, commit=not args.no_commit)
        print_status(study)
        return 0
    if args.jobs < 1 or args.threads < 1 or args.hours <= 0:
        raise SystemExit("--jobs and --threads must be >= 1 and --hours > 0")
    failed = run_study(study, args)
    print_status(study)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
