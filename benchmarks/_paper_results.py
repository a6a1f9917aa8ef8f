"""Summarise the paper study's finished (model, fold) results into ``paper_study.json``.

Reads ``<results>/paper/<run>/`` (a slim cross-validation folder: folds,
predictions and validation logs of the finished folds, see
``_paper_protocol.export_result``) with the package's comparison code
(:mod:`seqsleepnet.evaluation.cv_compare`): pooled metrics of each run over
its finished folds, per-subject paired differences against SeqSleepNet L=20
with bootstrap CIs over the subjects both have, and the figures under
``<results>/paper/``. ``benchmarks/report.py`` renders the JSON.
"""

from __future__ import annotations

import json
from typing import Any

from _paper_protocol import (
    BASELINES,
    L_STUDY,
    REFERENCE,
    RESULT_NAME,
    RUNS,
    Study,
    read_wall,
    steps_done,
)

N_BOOT = 2000
BOOT_SEED = 0
CURVES_PNG = "paper/validation.png"
DIFFERENCES_PNG = "paper/differences.png"


def fold_status(study: Study, folds: int) -> list[dict[str, Any]]:
    """Per run and fold: complete, resumable (with its step) or not started; steps; wall; device."""
    rows = []
    for run in RUNS:
        for fold in range(folds):
            path = study.fold_result(run, fold) / RESULT_NAME
            if path.is_file():
                saved = json.loads(path.read_text())
                state, steps, wall = "complete", saved["steps"], saved["wall_s"]
                best, device = saved["best_step"], saved["machine"].get("gpu") or "CPU"
            else:
                sessions = read_wall(study, run, fold)
                steps, best, device = steps_done(study, run, fold), None, None
                wall = round(sum(s["seconds"] for s in sessions), 1)
                state = "resumable" if sessions or steps else "not started"
            committed = (study.resume_state(run, fold) / "last.pt").is_file()
            rows.append(
                {
                    "run": run.name,
                    "label": run.label,
                    "fold": fold,
                    "state": state,
                    "steps": steps,
                    "best_step": best,
                    "wall_s": wall,
                    "device": device,  # where a finished job trained: a GPU's name, or CPU
                    # an unfinished job's state is committed (a fresh checkout resumes it), or
                    # kept only in the work folder of the machine that ran it
                    "state_committed": state == "resumable" and committed,
                }
            )
    return rows


def verdict(runs: dict[str, dict[str, Any]], differences: dict[str, Any], folds: int) -> str:
    """One sentence, from the numbers: does SeqSleepNet L=20 beat the three baselines?"""
    needed = [REFERENCE, *BASELINES]
    done = sum(runs[r.label]["folds"] for r in needed)
    if done < folds * len(needed):
        return (
            f"The comparison is incomplete: {done} of {folds * len(needed)} (model, fold) jobs "
            "of SeqSleepNet L=20 and the three baselines are finished, so whether the paper's "
            "ordering (SeqSleepNet above the three baselines) holds on this SYNTHETIC cohort "
            "is not known yet."
        )
    ref = runs[REFERENCE.label]["pooled"]
    metrics = ("accuracy", "kappa", "macro_f1")
    below = [
        f"{b.label} ({m})"
        for b in BASELINES
        for m in metrics
        if runs[b.label]["pooled"][m] >= ref[m]
    ]
    clear = [b.label for b in BASELINES if differences[b.label]["macro_f1"]["ci_high"] < 0]
    best = max(BASELINES, key=lambda b: runs[b.label]["pooled"]["macro_f1"])
    rival = runs[best.label]["pooled"]["macro_f1"]
    figures = (
        f"pooled MF1 {100 * ref['macro_f1']:.1f}% vs {100 * rival:.1f}% for the best "
        f"baseline, {best.label}"
    )
    ci = (
        f"the per-subject MF1 difference (baseline - SeqSleepNet) has a 95% CI below zero "
        f"against {len(clear)} of the 3 baselines"
    )
    if not below:
        return (
            f"With all {folds} folds finished, the paper's ordering holds on this SYNTHETIC "
            f"cohort: SeqSleepNet L=20 is above all three baselines in pooled accuracy, kappa "
            f"and macro F1 ({figures}), and {ci}."
        )
    return (
        f"With all {folds} folds finished, the paper's ordering does NOT hold on this "
        f"SYNTHETIC cohort: SeqSleepNet L=20 is not above {', '.join(below)} ({figures}; {ci})."
    )


def summarize(study: Study, machine: dict[str, Any]) -> dict[str, Any]:
    """Everything the BENCHMARKS.md section shows, from the finished results."""
    from seqsleepnet.data.cache import load_manifest
    from seqsleepnet.evaluation.cv_compare import RunSummary, compare_results
    from seqsleepnet.evaluation.plots import plot_paired_differences, plot_validation_curves
    from seqsleepnet.training.cv_results import read_cv_results

    status = fold_status(study, study.n_folds)
    nights = len(load_manifest(study.cache)[0])
    finished = [r for r in RUNS if (study.result(r) / "folds.json").is_file()]
    results = {r.label: read_cv_results(study.result(r), partial=True) for r in finished}
    runs: dict[str, dict[str, Any]] = {
        r.label: {"name": r.name, "model": r.model, "seq_len": r.seq_len, "folds": 0} for r in RUNS
    }
    summaries = [RunSummary.of(res, label) for label, res in results.items()]
    for summary in summaries:
        runs[summary.label].update(folds=summary.folds, pooled=summary.pooled.to_dict())
    figures = {}
    if summaries:
        plot_validation_curves(
            {s.label: s.curves for s in summaries},
            study.results / CURVES_PNG,
            title="Validation accuracy, every finished fold (SYNTHETIC cohort)",
        )
        figures["curves"] = CURVES_PNG
    differences: dict[str, Any] = {}
    if REFERENCE.label in results and len(results) > 1:
        comparison = compare_results(
            list(results.values()), list(results), n_boot=N_BOOT, seed=BOOT_SEED
        )
        differences = {
            label: {metric: _brief(d.to_dict()) for metric, d in by_metric.items()}
            for label, by_metric in comparison.differences.items()
        }
        plot_paired_differences(
            comparison.differences, study.results / DIFFERENCES_PNG, reference=REFERENCE.label
        )
        figures["differences"] = DIFFERENCES_PNG
    return {
        "study": "paper_study",
        "synthetic": True,
        "quick": study.quick,
        "data": (
            f"{nights} synthetic nights from real Sleep-EDF expert hypnograms (in-bed part), "
            "AASM layout (C4-M1, E1-M2, chin EMG at 256 Hz), one feature cache"
        ),
        "n_folds": study.n_folds,
        "reference": REFERENCE.label,
        "baselines": [b.label for b in BASELINES],
        "l_study": [r.label for r in L_STUDY],
        "bootstrap": N_BOOT,
        "bootstrap_seed": BOOT_SEED,
        "status": status,
        "runs": runs,
        "differences": differences,
        "figures": figures,
        "verdict": verdict(runs, differences, study.n_folds),
        "machine": machine,
    }


def _brief(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in ("mean", "ci_low", "ci_high", "subjects")}
