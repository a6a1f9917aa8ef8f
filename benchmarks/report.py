"""Regenerate BENCHMARKS.md at the repository root from ``benchmarks/results/*.json``.

Each study's table is printed with the command that produced it, the
machine, the load average at its start and the date, and each target is
marked met or missed. Studies without a result file are listed as not run.

Usage::

    python benchmarks/report.py [--results benchmarks/results] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STAGES = ("W", "N1", "N2", "N3", "REM")
METHOD_NAMES = {
    "onnx": "SeqSleepNet, onnxruntime (the default), encode-once",
    "seqsleepnet": "SeqSleepNet, torch, encode-once",
    "naive": "SeqSleepNet, torch, naive (full model per window)",
    "yasa": "YASA 0.8.1 SleepStaging",
}


def _machine(m: dict[str, Any]) -> str:
    v = m.get("versions", {})
    versions = ", ".join(f"{k} {val}" for k, val in v.items() if val)
    threads = m.get("torch_threads")
    device = "no GPU" if m.get("device", "cpu") == "cpu" else f"device {m['device']}"
    return (
        f"*Machine:* {m.get('cpu', '?')}, {m.get('usable_cores', m.get('cores', '?'))} cores, "
        f"{m.get('ram_gib', '?')} GiB RAM, {device}; load average at start "
        f"{' / '.join(str(x) for x in m.get('load_average_at_start', []))} (shared machine); "
        f"torch threads {threads}. *Versions:* Python {m.get('python', '?')}, {versions}. "
        f"*Date:* {m.get('date', '?')}.  \n*Command:* `{m.get('command', '?')}`"
    )


def _mark(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**MISSED**")


def staging_speed(r: dict[str, Any]) -> list[str]:
    warm, cold, ratios = r["warm"], r.get("cold", {}), r.get("ratios", {})
    out = [
        f"A synthetic night of {r['hours']:g} h ({r['epochs']} epochs; {r['layout']}) staged "
        "from its EDF file. Warm: median of the runs in one process after a discarded first "
        "run, the methods taking turns run by run. Cold: the first run in a fresh process "
        "(after imports and model loading; the median process of several, in turns); "
        "'process' adds Python start-up, imports and model loading; for onnxruntime the "
        "checkpoint was staged before in the run, so its graphs are cached and the process "
        "never imports PyTorch (the first staging of a checkpoint exports them, once). "
        "`seqsleepnet stage` is the whole command with its defaults.",
        "",
        "| method | warm (s) | cold first run (s) | cold process (s) | read | features | model "
        "| outputs / predict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for method, label in METHOD_NAMES.items():
        if method not in warm:
            continue
        b = warm[method]["breakdown_s"]
        c = cold.get(method, {})
        if method == "yasa":
            steps = f"{b['read']:.2f} | - | - | {b['predict']:.2f}"
        else:
            steps = f"{b['read']:.2f} | {b['features']:.2f} | {b['model']:.2f} | {b['outputs']:.2f}"
        out.append(
            f"| {label} | {warm[method]['total_s']:.2f} | {c.get('first_s', float('nan')):.2f} "
            f"| {c.get('process_s', float('nan')):.2f} | {steps} |"
        )
    if "stage_cli" in cold:
        out.append(
            f"| `seqsleepnet stage`, default backend | - | - "
            f"| {cold['stage_cli']['process_s']:.2f} | - | - | - | - |"
        )
    out += ["", "Ratios (higher = SeqSleepNet encode-once faster):", ""]
    out += [f"- `{k}`: {v:g}x" for k, v in ratios.items()]
    out += _staging_split(warm.get("onnx") or warm.get("seqsleepnet"))
    model_ratio = ratios.get("naive_over_encode_once_model")
    yasa_warm = ratios.get("yasa_over_default_warm")
    torch_warm = ratios.get("yasa_over_seqsleepnet_warm")
    cli_process = ratios.get("yasa_over_stage_cli_cold_process")
    torch_process = ratios.get("yasa_over_seqsleepnet_cold_process")
    out += [
        "",
        "Targets:",
        "",
        f"- encode-once >= 15x faster than naive on the model step (what differs between the "
        f"two, both in PyTorch): {model_ratio}x, "
        f"{_mark(None if model_ratio is None else model_ratio >= 15)}.",
        f"- warm >= 3x faster than YASA, with the default backend (onnxruntime): {yasa_warm}x, "
        f"{_mark(None if yasa_warm is None else yasa_warm >= 3)} (with `--backend torch`: "
        f"{torch_warm}x).",
        f"- a cold `seqsleepnet stage` process >= 4x faster than YASA's: {cli_process}x, "
        f"{_mark(None if cli_process is None else cli_process >= 4)} (a stage-like process "
        f"with `--backend torch`, which imports PyTorch: {torch_process}x).",
        f"- whole script under 5 minutes: {r.get('wall_s')} s, "
        f"{_mark(None if r.get('wall_s') is None else r['wall_s'] < 300)}.",
    ]
    return out


def _staging_split(ours: dict[str, Any] | None) -> list[str]:
    """Where a warm staging of ours goes, against the measurement kept from before the
    reading and conditioning work (``staging_speed_before.json``), when both are there."""
    before_file = HERE / "results" / "staging_speed_before.json"
    if ours is None or "read_samples_s" not in ours or not before_file.is_file():
        return []
    before = json.loads(before_file.read_text())
    old = before["warm"]["seqsleepnet"]["breakdown_s"]
    new = ours["breakdown_s"]
    return [
        "",
        f"Where a warm staging of ours goes, before (measured {before['machine']['date']}, "
        "PyTorch, reading through MNE, float64 filters, one channel at a time) and now (the "
        "default onnxruntime backend, samples read from the data records, float32 FIR whose "
        "two passes are one convolution, filters designed once, channels in threads, "
        "normalisation in place, figures with fixed margins, tables without pandas). "
        "Resampling and the band-pass stay two passes: folded into the polyphase filter, the "
        "100-Hz band-pass would run at the up-sampled rate, 64 times longer per sample:",
        "",
        "| | read + condition | of which samples | of which conditioning | features | model "
        "| outputs | total |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| before | {old['read']:.2f} | - | - | {old['features']:.2f} | {old['model']:.2f} "
        f"| {old['outputs']:.2f} | {before['warm']['seqsleepnet']['total_s']:.2f} |",
        f"| now | {new['read']:.2f} | {ours['read_samples_s']:.2f} | "
        f"{ours['read_condition_s']:.2f} | {new['features']:.2f} | {new['model']:.2f} "
        f"| {new['outputs']:.2f} | {ours['total_s']:.2f} |",
    ]


def scaling(r: dict[str, Any]) -> list[str]:
    out = [
        "Each size staged end to end (read, features, encode-once model, all output files) in "
        "a fresh process; peak memory is that process's maximum resident set size.",
        "",
        "| hours | epochs | EDF (MiB) | staging (s) | outputs (s) | total (s) | peak RSS (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in r["rows"]:
        out.append(
            f"| {row['hours']:g} | {row['epochs']} | {row['file_mib']} | {row['stage_s']:.2f} | "
            f"{row['outputs_s']:.2f} | {row['total_s']:.2f} | {row['peak_rss_mib']:.0f} |"
        )
    t, m = r["time_fit"], r["memory_fit_mib"]
    out += [
        "",
        f"Linear fits: time {t['per_hour']:.3f} s per hour + {t['intercept']:.2f} s "
        f"(R^2 {t['r2']}); memory {m['per_hour']:.1f} MiB per hour + {m['intercept']:.0f} MiB "
        f"(R^2 {m['r2']}).",
        f"Target: 48 h under {r['limit_gib']} GB: peak {r['peak_48h_gib']} GiB, "
        f"{_mark(r['under_limit'])}.",
    ]
    return out


def _option_config(row: dict[str, Any]) -> str:
    if "cell" not in row:  # physioex
        config = row.get("config", "")
        return (
            config if isinstance(config, str) else ", ".join(f"{k}={v}" for k, v in config.items())
        )
    parts = [f"cell={row['cell']}", row["precision"]]
    if row.get("compile"):
        parts.append("torch.compile" + (" (allow_rnn)" if row["compile"] == "allow_rnn" else ""))
    if row.get("layout", "contiguous") != "contiguous":
        parts.append(f"{row['layout'].replace('_', '-')} input")
    return ", ".join(parts)


def _ratio(ratio: float | None, iqr: list[float] | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:.2f}x" + (f" [{iqr[0]:.2f}-{iqr[1]:.2f}]" if iqr else "")


def _effect(name: str, ratio: float | None, iqr: list[float] | None) -> str:
    if ratio is None or name.startswith("physioex:"):
        return "-"
    if name == "fp32":
        return "1.00x (reference)"
    low, high = iqr or [ratio, ratio]
    verdict = "faster" if low > 1.02 else ("slower" if high < 0.98 else "no clear gain")
    return f"{_ratio(ratio, iqr)} ({verdict})"


def training_throughput(r: dict[str, Any]) -> list[str]:
    ratios = r.get("ratios", {})
    over_ours = ratios.get("over_fp32", {})
    iqr_ours = ratios.get("iqr_over_fp32", {})
    over_physioex = ratios.get("over_physioex:like_for_like", {})
    iqr_physioex = ratios.get("iqr_over_physioex:like_for_like", {})
    px = r.get("physioex", {})
    out = [
        f"Training steps (forward + loss + backward + Adam), batch {r['batch']}, L = "
        f"{r['seq_len']}, C = {r['channels']}, images {tuple(r['image'])}, random data, CPU, "
        f"one thread per process. Every row was timed in the same run: {r['rounds']} "
        f"interleaved rounds of {r['steps_per_round']} steps per row, each row in its own "
        "process; s / step is the median over all timed steps. The ratios are speeds "
        "relative to ours in float32 (the protocol's step) and to physioex configured like "
        "ours: the median over the rounds of each round's paired ratio, with its quartiles "
        "in brackets ('faster' or 'slower' when both quartiles are). 'first step' includes "
        "compilation where there is one. "
        "**No GPU was available: GPU figures pending.**",
        "",
        "| option | configuration | parameters | first step (s) | s / step | sequences / s "
        "| vs ours fp32 | vs physioex like for like | status |",
        "|---|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for name, row in r["rows"].items():
        label = name
        if name.startswith("physioex:"):
            label = f"physioex {px.get('physioex', '?')} ({name.split(':')[1].replace('_', ' ')})"
        if "step_s" not in row:
            out.append(
                f"| {label} | {_option_config(row)} | - | - | - | - | - | - | "
                f"did not run: {row.get('error', '?')}; {row.get('status', '')} |"
            )
            continue
        out.append(
            f"| {label} | {_option_config(row)} | {row['parameters']:,} | "
            f"{row['first_step_s']:.2f} | {row['step_s']:.3f} | {row['sequences_per_s']:.1f} | "
            f"{_effect(name, over_ours.get(name), iqr_ours.get(name))} | "
            f"{_ratio(over_physioex.get(name), iqr_physioex.get(name))} | "
            f"{row.get('status', '')} |"
        )
    if "error" in px:
        out += ["", f"physioex: not measured: {px['error']}"]
    else:
        out += [
            "",
            "physioex's SeqSleepNet uses an LSTM at the epoch level and a GRU at the sequence "
            "level (ours: the same cell at both levels), so 'like for like' matches layers, "
            "sizes and attention, not the cell types.",
        ]
    profile = r.get("profile")
    if profile:
        shares = ", ".join(
            f"{name} {100 * share:.0f}%" for name, share in profile["self_cpu_fraction"].items()
        )
        top = ", ".join(
            f"`{op}` {100 * share:.0f}%" for op, share in profile["top_operators"].items()
        )
        out += [
            "",
            f"Where the time of our float32 step goes (torch.profiler, self CPU time over "
            f"{profile['steps']} steps): {shares}. Top operators: {top}.",
        ]
    bf16 = r.get("machine", {}).get("cpu_bf16")
    if bf16 is not None:
        out += ["", f"bf16 instructions on this CPU (oneDNN): {'yes' if bf16 else 'no'}."]
    load_end = r.get("load_average_at_end")
    if load_end:
        out += ["", f"Load average at the end of the run: {' / '.join(str(v) for v in load_end)}."]
    return out


def _metrics_row(name: str, m: dict[str, Any]) -> str:
    per = m.get("per_stage_f1", {})
    cells = [
        m.get("accuracy"),
        m.get("kappa"),
        m.get("macro_f1"),
        m.get("sensitivity"),
        m.get("specificity"),
        *(per.get(s) for s in STAGES),
    ]
    return (
        f"| {name} | "
        + " | ".join(
            "-" if v is None else f"{100 * v:.1f}" if i != 1 else f"{v:.3f}"
            for i, v in enumerate(cells)
        )
        + " |"
    )


def accuracy(r: dict[str, Any]) -> list[str]:
    out = [
        "**SYNTHETIC DATA.** Subject-wise cross-validation on synthetic PSG generated from "
        "the 39 real Sleep-EDF hypnograms; these figures say nothing about real recordings. "
        f"{r.get('budget', '')} This is a quick check of the pipeline at a tiny budget, not "
        "the paper's comparison: that is the paper study below, at the paper's budget "
        "(10 passes over the training windows).",
        "",
        "| model | Acc (%) | kappa | MF1 (%) | Sens (%) | Spec (%) | F1 W | F1 N1 | F1 N2 | "
        "F1 N3 | F1 REM |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in r["models"].items():
        out.append(_metrics_row(name, m))
    if r.get("conclusion"):
        out += ["", r["conclusion"]]
    return out


def synthetic_difficulty(r: dict[str, Any]) -> list[str]:
    out = [
        f"LightGBM on band-power features, {r['settings'].get('folds')}-fold subject-wise CV, "
        f"{r['nights']} synthetic nights, {r['epochs']} scored epochs (written by "
        "`benchmarks/synthetic_difficulty.py`).",
        "",
        "| model | Acc (%) | kappa | MF1 (%) | Sens (%) | Spec (%) | F1 W | F1 N1 | F1 N2 | "
        "F1 N3 | F1 REM |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        _metrics_row("single epoch", r["single_epoch"]),
        _metrics_row("with context", r["with_context"]),
        "",
        f"*Date:* {r.get('date', '?')}.",
    ]
    return out


def _short(command: str) -> str:
    """A command line with each path cut to its file name."""
    return " ".join(Path(word).name if "/" in word else word for word in command.split())


def startup(r: dict[str, Any]) -> list[str]:
    out = [
        "Whole-process wall-clock time of a command (interpreter start, imports, work, exit), "
        'median of fresh processes run alternately with `python -c "import yasa"` in the '
        "same run; the ratio compares the two medians (lower = seqsleepnet starts faster).",
        "",
        "| command | seqsleepnet (s) | `import yasa` (s) | ratio | target | |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in r["commands"].values():
        out.append(
            f"| `{_short(row['command'])}` | {row['seqsleepnet_s']:.3f} | "
            f"{row['yasa_import_s']:.3f} | {row['ratio']:.3f}x | <= {row['target_ratio']:g}x | "
            f"{_mark(row['met'])} |"
        )
    stage = r["stage"]
    night = f"a synthetic night of {stage['hours']:g} h ({stage['file_mib']} MiB EDF"
    out += ["", f"`seqsleepnet stage` of {night}, untrained SeqSleepNet checkpoint; report only):"]
    runs = {
        "first": "the first staging with the checkpoint (it exports the onnxruntime graphs "
        "into the cache, once)",
        "again": "the next one (graphs from the cache, no PyTorch)",
    }
    for run, what in runs.items():
        if run not in stage:
            continue
        row = stage[run]
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in row["phases_s"].items())
        out.append(
            f"- {what}: {row['process_s']:.1f} s for the whole process; phases from its "
            f"progress lines: {phases}; the rest (interpreter, imports, exit) "
            f"{row['start_up_s']:.1f} s."
        )
    return out


def _ci(d: dict[str, Any], scale: float, digits: int) -> str:
    return (
        f"{scale * d['mean']:+.{digits}f} [{scale * d['ci_low']:+.{digits}f}, "
        f"{scale * d['ci_high']:+.{digits}f}]"
    )


def _listing(values: list[Any]) -> str:
    return ", ".join(f"{v:,}" if isinstance(v, int) else f"{v:.1f}" for v in values) or "-"


def _devices(per_fold: list[str]) -> str:
    """One device name when every finished fold used it, else one per fold, in fold order."""
    return (per_fold[0] if len(set(per_fold)) == 1 else ", ".join(per_fold)) if per_fold else "-"


def _paper_status(r: dict[str, Any]) -> list[str]:
    out = [
        "| run | folds complete | steps (per finished fold) | best step | wall time (min) | "
        "trained on (per finished fold if mixed) | unfinished |",
        "|---|---:|---|---|---|---|---|",
    ]
    for label in r["runs"]:
        rows = [s for s in r["status"] if s["label"] == label]
        done = [s for s in rows if s["state"] == "complete"]
        rest = [
            f"fold {s['fold']} at step {s['steps']:,}"
            + ("" if s.get("state_committed", True) else " (state on the machine that ran it)")
            if s["state"] == "resumable"
            else None
            for s in rows
            if s["state"] != "complete"
        ]
        waiting = sum(x is None for x in rest)
        unfinished = [x for x in rest if x] + ([f"{waiting} not started"] if waiting else [])
        out.append(
            f"| {label} | {len(done)} / {len(rows)} | {_listing([s['steps'] for s in done])} | "
            f"{_listing([s['best_step'] for s in done])} | "
            f"{_listing([s['wall_s'] / 60 for s in done])} | "
            f"{_devices([s.get('device') or 'CPU' for s in done])} | "
            f"{'; '.join(unfinished) or '-'} |"
        )
    return out


def _paper_table(r: dict[str, Any], labels: list[str]) -> list[str]:
    out = [
        "| model | folds | Acc (%) | kappa | MF1 (%) | Sens (%) | Spec (%) | F1 W | F1 N1 | "
        "F1 N2 | F1 N3 | F1 REM |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in labels:
        run = r["runs"][label]
        if "pooled" not in run:
            out.append(f"| {label} | 0 / {r['n_folds']} |" + " - |" * 10)
            continue
        m = dict(run["pooled"])
        m["per_stage_f1"] = {s: v["f1"] for s, v in m["per_stage"].items()}
        row = _metrics_row(label, m).split(" | ", 1)[1]
        out.append(f"| {label} | {run['folds']} / {r['n_folds']} | {row}")
    return out


def _paper_differences(r: dict[str, Any], labels: list[str]) -> list[str]:
    out = [
        f"| model - {r['reference']} | subjects | ΔAcc (pp) [95% CI] | Δkappa [95% CI] | "
        "ΔMF1 (pp) [95% CI] |",
        "|---|---:|---|---|---|",
    ]
    for label in labels:
        d = r["differences"].get(label)
        if d is None:
            out.append(f"| {label} | 0 | - | - | - |")
            continue
        out.append(
            f"| {label} | {d['accuracy']['subjects']} | {_ci(d['accuracy'], 100, 1)} | "
            f"{_ci(d['kappa'], 1, 3)} | {_ci(d['macro_f1'], 100, 1)} |"
        )
    return out


def paper_study(r: dict[str, Any], figures: str = "benchmarks/results/") -> list[str]:
    """The paper study's section; ``figures``: path from the Markdown file to the results."""
    labels = list(r["runs"])
    reference = r["reference"]
    l_study = sorted(
        (k for k in labels if k.startswith("SeqSleepNet L=")), key=lambda k: int(k[14:])
    )
    baselines = [k for k in labels if not k.startswith("SeqSleepNet")]
    out = [
        f"**SYNTHETIC DATA{' (--quick SMOKE TEST, 20 steps per job)' if r['quick'] else ''}.** "
        f"{r['data']}. {r['n_folds']}-fold subject-wise cross-validation, the same folds for "
        "every model (2 validation subjects per fold), the paper's fixed protocol for every "
        "model: windows of L epochs with stride 1, Adam 1e-4, batch 32, 10 passes over the "
        "training windows, validation every 100 steps, best validation step kept; the "
        "baselines train on 20-epoch windows too. Written by `benchmarks/paper_study.py` "
        "(resumable; results committed as they finish). Wall time is per job: on the CPU one "
        "job per core, 1 thread each; on a GPU many jobs at once share it (`--device cuda "
        "--jobs N`), in float32 as on the CPU. These figures say nothing about real recordings.",
        "",
        "### Status",
        "",
        *_paper_status(r),
        "",
        "### SeqSleepNet and the baselines (pooled test metrics, SYNTHETIC)",
        "",
        "Each model's test predictions pooled over its finished folds (column 'folds'); rows "
        "with fewer folds are not yet comparable with the others.",
        "",
        *_paper_table(r, [reference, *baselines]),
        "",
        f"### Paired differences against {reference} (SYNTHETIC)",
        "",
        f"Per test subject, model minus {reference}, over the subjects both have finished; "
        f"mean and percentile bootstrap 95% CI over subjects ({r['bootstrap']} resamples, "
        f"seed {r['bootstrap_seed']}; `seqsleepnet compare`'s code). pp: percentage points.",
        "",
        *_paper_differences(r, [k for k in labels if k != reference]),
        "",
        "### Sequence length L (SeqSleepNet, SYNTHETIC)",
        "",
        *_paper_table(r, l_study),
        "",
        *_paper_differences(r, [k for k in l_study if k != reference]),
        "",
        "### Validation curves (SYNTHETIC)",
        "",
    ]
    for key, caption in (
        ("curves", "validation accuracy against step, every finished fold"),
        ("differences", f"per-subject differences from {reference}"),
    ):
        if key in r["figures"]:
            out += [f"![{caption}]({figures}{r['figures'][key]})", ""]
    if not r["figures"]:
        out += ["No finished fold yet.", ""]
    out += [f"**Verdict.** {r['verdict']}"]
    return out


def _message(text: str) -> str:
    """A staging message without the file path in front and the generic fix behind."""
    if text.startswith("/") and ": " in text:
        text = text.split(": ", 1)[1]
    return text.split("; name a channel with --eeg")[0]


def _cell(m: dict[str, Any] | None) -> str:
    return "refused" if m is None else f"{100 * m['accuracy']:.1f} / {m['kappa']:.3f}"


def bundled_models(r: dict[str, Any]) -> list[str]:
    sets = list(r["models"])
    subjects = ", ".join(f"{s:02d}" for s in r["subjects"])
    models = "; ".join(
        f"{label}: `{m['file']}` ({m['bytes'] / 1e6:.1f} MB, sha256 {m['sha256']}"
        + ("" if m.get("picked_by_stage", True) else "; not in `DEFAULT_MODELS`: forced only")
        + ")"
        for label, m in r["models"].items()
    )
    length = "whole in-bed nights" if r.get("hours") is None else f"nights cut to {r['hours']:g} h"
    out = [
        "**SYNTHETIC DATA.** The bundled demonstration models on synthetic nights generated "
        f"from the real Sleep-EDF hypnograms of subject(s) {subjects} ({length}; subject 00 "
        "was never used in training, 01 and 02 chose the best checkpoints), in each dataset "
        "layout, with domain randomisation (the training distribution, other seeds) and "
        "without (the plain generator of `seqsleepnet synth`). 'auto': the model "
        "`seqsleepnet stage` picks from the usable channels; the other columns force one "
        "model (refused: the file has no usable channel for one of its roles). Cells: "
        "agreement (%) / kappa, epochs pooled over the nights. Written by "
        "`benchmarks/bundled_models.py`. These figures say nothing about real recordings.",
        "",
        f"Models measured: {models}.",
    ]
    titles = {"randomised": "randomised (in-distribution held-out)", "plain": "plain generator"}
    for mode in next(iter(r["table"].values()), {}):
        title = titles.get(mode, mode)
        out += [
            "",
            f"Nights {title}:",
            "",
            "| layout | auto picks | auto | " + " | ".join(f"{s} forced" for s in sets) + " |",
            "|---|---|---:|" + "---:|" * len(sets),
        ]
        for layout, modes in r["table"].items():
            row = modes[mode]
            cells = " | ".join(_cell(row.get(s)) for s in sets)
            picks = ", ".join(row["auto_model"])
            out.append(f"| {layout} | {picks} | {_cell(row.get('auto'))} | {cells} |")
    t = r["targets"]
    out += ["", "Targets (automatically picked model, >= 80% and kappa >= 0.7 per layout):", ""]
    for layout, modes in t["per_layout"].items():
        marks = "; ".join(
            f"{mode} {_cell(m if 'accuracy' in m else None)} {_mark(m['met'])}"
            for mode, m in modes.items()
        )
        out.append(f"- {layout}: {marks}.")
    share = t.get("sleep_edf_max_dominant_share")
    out += [
        f"- Sleep-EDF layout never degenerate: largest one-stage share "
        f"{'-' if share is None else f'{share:.0%}'}, {_mark(t['sleep_edf_never_degenerate'])}.",
        f"- Sleep-EDF 1-Hz EMG named in a message: {_mark(t['sleep_edf_emg_message'] is not None)}"
        + (f' ("{t["sleep_edf_emg_message"]}")' if t["sleep_edf_emg_message"] else "")
        + ".",
    ]
    refusals = {
        (layout, s): message
        for layout, modes in r["table"].items()
        for row in modes.values()
        for s, message in row.get("refused_because", {}).items()
    }
    if refusals:
        out += ["", "Why forced models were refused (one message per layout and model):", ""]
        out += [
            f"- {layout}, {s}: {_message(message)}" for (layout, s), message in refusals.items()
        ]
    return out


def _rate(d: dict[str, Any]) -> str:
    return "-" if d["rate"] is None else f"{d['nights']} ({100 * d['rate']:.1f}%)"


def _quality_limits(r: dict[str, Any]) -> list[str]:
    """Where the limits come from, and what this run's own nights would have set."""
    limits = r.get("suggested_limits")
    if limits is None:
        return []
    seed = r["settings"].get("seed")
    fresh = "took no part in setting them" if seed != 1000 else "are the ones they were set on"
    shape, confidence = (
        "-" if limits[k] is None else f"{limits[k]:g}"
        for k in ("spectral_shape", "mean_confidence")
    )
    return [
        "The spectral-shape and mean-confidence limits were set on the in-distribution nights "
        "of `--seed 1000` (`benchmarks/results/quality_calibration_seed1000.json`): each at "
        f"{100 * limits['budget_per_limit']:g}% of those nights (the 97.5th percentile of the "
        "distance, the 2.5th of the confidence), rounded outwards to two decimals. This run's "
        f"nights (`--seed {seed}`) {fresh}; set on them, the limits would be {shape} and "
        f"{confidence}.",
        "",
    ]


def quality_calibration(r: dict[str, Any]) -> list[str]:
    fa, settings = r["false_alarms"], r["settings"]
    out = [
        "**SYNTHETIC DATA.** False alarms: the quality flags of `seqsleepnet stage` (model picked "
        f"automatically) on {fa['nights']} in-distribution nights: crops of "
        f"{settings['hours']:g} h of the in-bed hypnograms of subjects "
        f"{', '.join(f'{s:02d}' for s in settings['subjects'])} (00 held out, 01-02 validation; "
        f"{fa['held_out_nights']} nights of subject 00), each in {settings['layouts_per_crop']} "
        "dataset layouts in turn, with domain randomisation and seeds the training did not "
        "use. The Sleep-EDF layout's note that its 1-Hz EMG envelope is not used is true of "
        "every such file and is counted apart, not as a false alarm. Written by "
        "`benchmarks/quality_calibration.py`.",
        "",
        "| flag | in-distribution nights flagged (rate) |",
        "|---|---:|",
        *[
            f"| {flag} | {_rate(fa[flag])} |"
            for flag in ("distribution", "degenerate", "confidence", "channels", "refused")
        ],
        f"| any (false alarm) | {_rate(fa['any'])} |",
        f"| any, subject 00 only | {_rate(fa['held_out_only_any'])} of {fa['held_out_nights']} |",
        f"| Sleep-EDF EMG-envelope note (expected) | {_rate(fa['expected_emg_note'])} |",
        "",
        f"Target: false-alarm rate <= 5%: {_mark(fa['met'])}.",
        "",
        *_quality_limits(r),
        "Most extreme value on the in-distribution nights against each threshold "
        "(`seqsleepnet.quality.THRESHOLDS`):",
        "",
        "| measure | in-distribution extreme | threshold |",
        "|---|---:|---:|",
    ]
    for name, e in r["extremes"].items():
        key = "max" if "max" in e else "min"
        value = "-" if e[key] is None else f"{e[key]:.3f}"
        out.append(f"| {name} | {key} {value} | {e['threshold']:g} |")
    out += [
        "",
        "Detection of inputs the models never saw (crops of the same hypnograms; styles in the "
        "layouts in turn, corruptions in the AASM montage). Detected: refused with a message or "
        "staged with a quality flag. Silently wrong: staged without a flag below 70% agreement, "
        "or one stage over 90% without the `degenerate` flag.",
        "",
        "| input | nights | refused | distribution | degenerate | confidence | channels | "
        "detected | mean agreement if staged (%) | silently wrong |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, d in r["detection"].items():
        f = d["flagged"]
        rate = "-" if d["detection_rate"] is None else f"{100 * d['detection_rate']:.0f}%"
        acc = d["mean_accuracy_staged"]
        out.append(
            f"| {kind} | {d['nights']} | {d['refused']} | {f['distribution']} | "
            f"{f['degenerate']} | {f['confidence']} | {f['channels']} | {rate} | "
            f"{'-' if acc is None else f'{100 * acc:.1f}'} | {d['silently_wrong']} |"
        )
    examples = [(k, d["example"]) for k, d in r["detection"].items() if d.get("example")]
    if examples:
        out += ["", "A message for each input:", ""]
        out += [f"- {kind}: {_message(message)}" for kind, message in examples]
    return out


def epoch_signal_calibration(r: dict[str, Any]) -> list[str]:
    t = r["thresholds"]
    limits = {
        "eeg": f"level ±{t['epoch_level_eeg']:g} dB, tilt < {t['epoch_tilt_eeg']:g} dB",
        "eog": f"level ±{t['epoch_level_eog']:g} dB",
        "emg": f"level ±{t['epoch_level_emg']:g} dB",
    }
    out = [
        "**SYNTHETIC DATA.** The per-epoch signal check of every staged night "
        "(`seqsleepnet/features/epoch_signal.py`): a `signal` flag when a channel has at least "
        f"{t['epoch_signal_minutes']:g} minutes of epochs whose level departs from the night's "
        "typical level, or (EEG) whose spectrum is flat. False alarms on "
        f"{r['normal_nights']} normal nights ({r['normal_hours']:g} h: the 2-h nights of "
        "`quality_calibration.py --seed 2000` and whole randomised in-bed nights); detection on "
        "nights with a known bad span. Written by `benchmarks/epoch_signal_calibration.py`.",
        "",
        f"- false alarms: {r['false_alarms']} of {r['normal_nights']} normal nights",
        f"- detected: {r['detected']} of {r['corrupted_nights']} corrupted nights",
        f"- slowest measurement of a night: {r['largest_measure_s']:g} s",
        "",
        "| role | limits | worst normal night (its 10-minute extreme) |",
        "|---|---|---|",
    ]
    for role, worst in sorted(r["worst_kth_extreme"].items()):
        tilt = f", tilt {worst['tilt_db']:g} dB" if role == "eeg" else ""
        out.append(f"| {role.upper()} | {limits[role]} | level {worst['level_db']:g} dB{tilt} |")
    out += ["", "| corrupted night | hours | flagged |", "|---|---:|---|"]
    out += [
        f"| {row['night']} | {row['hours']:g} | {'yes' if row['flags'] else '**no**'} |"
        for row in r["corrupted"]
    ]
    if "machine" not in r:
        out += ["", "*Machine:* not recorded in this result file (measured on 2026-12-04)."]
    return out


def adaptation(r: dict[str, Any]) -> list[str]:
    s = r["settings"]
    out = [
        "**SYNTHETIC DATA.** A SeqSleepNet (EEG, EOG, EMG) trained on one layout (AASM) and one "
        f"style (the plain generator; {len(r['nights']['base'])} nights), then adapted to an "
        f"unseen style (`{r['style']}`, see `benchmarks/_nights.py`) with 1, 2 and 4 scored "
        "nights: fine-tuned with `train --init-from` (defaults: normaliser refitted, "
        "encoder trained, learning rate 2e-5) against a model trained from scratch on the "
        f"same nights (learning rate 1e-4); every run {s['steps']} steps of batch 32, nights "
        f"cut to {s['hours']:g} h; evaluated on {len(r['nights']['test'])} held-out nights of "
        "the new style (subjects 00-01). A small CPU budget: the ranking is the result, not "
        "the figures. Written by `benchmarks/adaptation.py`.",
        "",
        "| model | nights of the new style | Acc (%) | kappa |",
        "|---|---:|---:|---:|",
    ]
    for label, m in r["rows"].items():
        out.append(
            f"| {label} | {m.get('nights', 0)} | {100 * m['accuracy']:.1f} | {m['kappa']:.3f} |"
        )
    return out


def foreign_generator(r: dict[str, Any]) -> list[str]:
    out = [
        "**SYNTHETIC DATA.** The bundled models (`stage`'s automatic choice) on nights from an "
        "independent generator written from the physiology alone "
        "(`benchmarks/foreign_generator.py`; AASM layout, 256 Hz), driven by the in-bed "
        "hypnograms of subjects 00-02, whole and their first 2 h, in variants of its style. "
        f"Staged well: {r['criteria']['staged_well']}; silently wrong: "
        f"{r['criteria']['silently_wrong']}. The generator follows the same textbook as the "
        "project's own, so this measures robustness to another synthetic style, not to real "
        "recordings.",
        "",
        "| variant | part | nights | mean agreement (%) | kappa (pooled) | staged well | "
        "flagged | silently wrong | recall N1 / N3 | flags |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for key, row in r["summary"].items():
        variant, part = key.split(" / ")
        recall = row["pooled_recall"]
        wrong = row["silently_wrong"]
        out.append(
            f"| {variant} | {part} | {row['nights']} | {100 * row['mean_agreement']:.1f} | "
            f"{row['pooled_kappa']:.3f} | {row['staged_well']} | {row['flagged']} | "
            f"{f'**{wrong}**' if wrong else 0} | {recall['N1']:.2f} / {recall['N3']:.2f} | "
            f"{', '.join(row['flags']) or '-'} |"
        )
    return out


def short_recordings(r: dict[str, Any]) -> list[str]:
    out = [
        "**SYNTHETIC DATA.** The bundled models (`stage`'s automatic choice) on crops of "
        "20 min to 3 h of the in-bed hypnograms of subjects 00-02 (held out and validation), "
        f"{r['settings']['crops']} per hypnogram spread over the night, in the training "
        "distribution (domain randomisation, the four layouts in turn, seeds the training did "
        "not use). Their preprocessing centres each bin on its median over the recording; "
        "below 1.5 h of signal `stage` adds a `recording` flag "
        "(`THRESHOLDS['centred_min_hours']`). 'Without other flags': below 70% with no flag "
        "but the short-recording one. Written by `benchmarks/short_recordings.py`.",
        "",
        "| crop (h) | nights | mean agreement (%) | lowest (%) | below 70% | "
        "without other flags | short-recording flag | silently wrong |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in r["summary"].values():
        wrong = row["silently_wrong"]
        mean, lowest = (
            "-" if row[k] is None else f"{100 * row[k]:.1f}"
            for k in ("mean_agreement", "lowest_agreement")
        )
        out.append(
            f"| {row['hours']:g} | {row['nights']} | {mean} | {lowest} | {row['below_70']} | "
            f"{row['below_70_without_other_flags']} | {row['short_flag']} | "
            f"{f'**{wrong}**' if wrong else 0} |"
        )
    return out


SECTIONS = (
    ("startup", "Command-line start-up", startup),
    ("staging_speed", "Staging speed", staging_speed),
    ("scaling", "Scaling with night length", scaling),
    ("training_throughput", "Training throughput", training_throughput),
    ("accuracy", "Accuracy (SYNTHETIC)", accuracy),
    ("paper_study", "Paper study: SeqSleepNet against its baselines (SYNTHETIC)", paper_study),
    (
        "synthetic_difficulty",
        "Synthetic cohort difficulty (feature baseline)",
        synthetic_difficulty,
    ),
    ("bundled_models", "Bundled models per layout and channel set (SYNTHETIC)", bundled_models),
    (
        "quality_calibration",
        "Quality flags: false alarms and detection (SYNTHETIC)",
        quality_calibration,
    ),
    (
        "epoch_signal_calibration",
        "Per-epoch signal check: false alarms and detection (SYNTHETIC)",
        epoch_signal_calibration,
    ),
    (
        "foreign_generator",
        "Bundled models on another generator's nights (SYNTHETIC)",
        foreign_generator,
    ),
    ("short_recordings", "Short recordings (SYNTHETIC)", short_recordings),
    ("adaptation", "Adapting a model to a new lab (SYNTHETIC)", adaptation),
)


def render(results: Path) -> str:
    """The whole BENCHMARKS.md text from the result files in ``results``."""
    lines = [
        "# Benchmarks",
        "",
        "Generated by `benchmarks/report.py` from `benchmarks/results/*.json` (`make bench` "
        "runs every study, then this report). Timings come from a shared 2-core machine and "
        "are noisy: compare the methods of one table (measured side by side in one run) "
        "through their ratios, not across tables or machines.",
        "",
    ]
    for key, title, render_section in SECTIONS:
        path = results / f"{key}.json"
        lines += [f"## {title}", ""]
        if not path.exists():
            lines += [f"Not run: no `{path.relative_to(HERE.parent)}`.", ""]
            continue
        data = json.loads(path.read_text())
        lines += render_section(data)
        notes = data.get("notes")
        if notes:
            lines += ["", *[f"- {n}" for n in notes]]
        if "machine" in data:
            lines += ["", _machine(data["machine"])]
        lines.append("")
    extra = results / "notes.md"
    if extra.exists():
        lines += ["## Notes", "", extra.read_text().strip(), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--out", type=Path, default=HERE.parent / "BENCHMARKS.md")
    args = parser.parse_args()
    args.out.write_text(render(args.results))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
