"""Staging speed: a synthetic night staged end to end by four methods, side by side.

A synthetic night of H hours (``aasm`` layout, 3 of its 6 channels used, 256
Hz, stages from the real Sleep-EDF hypnograms) is written to disk, then
staged from the EDF file by

- ``onnx``: the same model run by onnxruntime, each epoch encoded once (what
  ``stage`` and ``SleepStager.from_checkpoint`` take by default);
- ``seqsleepnet``: our torch backend, each epoch encoded once;
- ``naive``: every window of L = 20 epochs through the full model
  (``predict(..., encode_once=False)``, the authors' way);
- ``yasa``: YASA's ``SleepStaging`` on the same file (read with MNE).

Our methods run read -> features -> model -> aggregation -> output files
(TSV, CSV, EDF+ annotations, statistics, PNG, HTML); the breakdown gives each
step's time. YASA reads and predicts (it writes nothing). Warm figures are the
median of ``--runs`` runs in this process after one discarded run, the methods
taking turns run by run (so that a change of load on a shared machine hits
them alike); cold figures are the first run in a fresh process (what a user
staging one file waits), the median of ``--cold-runs`` processes per method,
again in turns; ``stage_cli`` is the whole ``seqsleepnet
stage`` command with its defaults in a fresh process (the checkpoint staged
once before, so that its graphs are cached).

Usage::

    python benchmarks/staging_speed.py --hours 8 --json benchmarks/results/staging_speed.json
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    RESULTS,
    machine_info,
    make_checkpoint,
    make_night,
    median,
    set_threads,
    timed,
    write_json,
)

METHODS = ("seqsleepnet", "onnx", "naive", "yasa")
YASA_CHANNELS = {"eeg_name": "C4-M1", "eog_name": "E1-M2", "emg_name": "Chin1-Chin2"}


class Runner:
    """Stage one file with one method, step by step, timing each step."""

    def __init__(self, method: str, checkpoint: Path, out: Path) -> None:
        self.method = method
        self.out = out
        self.stager: Any = None
        if method != "yasa":
            from seqsleepnet.staging import SleepStager

            backend = "onnxruntime" if method == "onnx" else "torch"
            self.stager = SleepStager.from_checkpoint(checkpoint, backend=backend)

    def run(self, psg: Path) -> dict[str, Any]:
        """Stage ``psg``; returns seconds per step, their total and the stages."""
        if self.method == "yasa":
            return self._run_yasa(psg)

        from seqsleepnet.report.outputs import write_outputs

        stager = self.stager
        t_read, recording = timed(lambda: stager.read(psg))
        t_feat, (x, onsets) = timed(lambda: stager.model_input.of_recording(recording))
        t_model, output = timed(
            lambda: stager.predict_inputs(x, encode_once=self.method != "naive")
        )

        def finish() -> Any:
            result = stager.result_of(recording, onsets, output)
            write_outputs(result, self.out / self.method, overwrite=True)  # the same night again
            return result

        t_out, result = timed(finish)
        steps = {"read": t_read, "features": t_feat, "model": t_model, "outputs": t_out}
        return {**steps, "total": sum(steps.values()), "stages": result.stages}

    def samples_only(self, psg: Path) -> float:
        """Seconds to read the used channels' samples alone (the rest of 'read' conditions)."""
        from seqsleepnet.io.edf import open_psg

        def read() -> None:
            signals = open_psg(psg, roles=self.stager.roles)
            for index in range(len(signals.picks)):
                signals.channel(index)

        return float(timed(read)[0])

    def _run_yasa(self, psg: Path) -> dict[str, Any]:
        import mne
        import yasa

        include = list(YASA_CHANNELS.values())
        t_read, raw = timed(
            lambda: mne.io.read_raw_edf(psg, include=include, preload=True, verbose="error")
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # YASA's pickled classifier: old scikit-learn
            t_pred, stages = timed(lambda: yasa.SleepStaging(raw, **YASA_CHANNELS).predict())
        return {"read": t_read, "predict": t_pred, "total": t_read + t_pred, "stages": stages}


def check_pipeline(runner: Runner, psg: Path, staged: dict[str, Any]) -> None:
    """Stop if the timed steps do not give what ``SleepStager.predict`` gives."""
    import numpy as np

    reference = runner.stager.predict(psg, encode_once=runner.method != "naive")
    if not np.array_equal(reference.stages, staged["stages"]):
        raise RuntimeError(f"{runner.method}: timed pipeline differs from SleepStager.predict")


def cold(method: str, psg: Path, checkpoint: Path, out: Path, threads: int) -> dict[str, Any]:
    """First run of a method in a fresh Python process (imports and model load included)."""
    command = [
        sys.executable,
        __file__,
        "--cold-child",
        method,
        "--psg",
        str(psg),
        "--checkpoint",
        str(checkpoint),
        "--out",
        str(out),
        "--threads",
        str(threads),
    ]
    process_s, stdout = fresh_process(command, f"cold {method}")
    child = json.loads(stdout.strip().splitlines()[-1])
    return {**child, "process_s": process_s}


def fresh_process(command: list[str], what: str) -> tuple[float, str]:
    """Wall-clock seconds of ``command`` in a fresh process, and its standard output."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    process_s = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stderr[-2000:]}")
    return round(process_s, 3), done.stdout


def cold_rounds(
    args: argparse.Namespace, psg: Path, checkpoint: Path, folder: Path
) -> dict[str, Any]:
    """``--cold-runs`` fresh processes per method, the methods in turn; the median of each.

    Also the whole ``seqsleepnet stage`` command when the onnxruntime method ran warm (its
    warm runs cached the checkpoint's graphs, as an earlier staging would have).
    """
    makers: dict[str, Callable[[], dict[str, Any]]] = {
        method: functools.partial(cold, method, psg, checkpoint, folder / "cold", args.threads)
        for method in args.methods
    }
    if "onnx" in args.methods:
        makers["stage_cli"] = functools.partial(cold_cli, psg, checkpoint, folder / "cli")
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in makers}
    for _ in range(args.cold_runs):
        for name, make in makers.items():
            rounds[name].append(make())
    result: dict[str, Any] = {}
    for name, runs in rounds.items():
        middle = sorted(runs, key=lambda r: r["process_s"])[len(runs) // 2]  # median process
        result[name] = {**middle, "process_runs_s": [r["process_s"] for r in runs]}
    return result


def cold_cli(psg: Path, checkpoint: Path, out: Path) -> dict[str, Any]:
    """Wall time of ``seqsleepnet stage`` (default backend) staging ``psg`` in a fresh process."""
    command = [sys.executable, "-m", "seqsleepnet", "stage", str(psg), "--model", str(checkpoint)]
    command += ["--out", str(out), "--quiet", "--overwrite"]
    process_s, _ = fresh_process(command, "seqsleepnet stage")
    return {"process_s": process_s, "command": " ".join(command[1:])}


def cold_child(args: argparse.Namespace) -> None:
    """Body of the subprocess started by :func:`cold`; prints one JSON line."""
    start = time.perf_counter()
    if args.cold_child in ("seqsleepnet", "naive"):
        set_threads(args.threads)  # imports PyTorch, which the other methods never load
    runner = Runner(args.cold_child, args.checkpoint, args.out)
    setup = time.perf_counter() - start
    staged = runner.run(args.psg)
    steps = {k: round(v, 3) for k, v in staged.items() if k != "stages"}
    print(json.dumps({"setup_s": round(setup, 3), "first_s": steps.pop("total"), "steps": steps}))


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b > 0 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--json", type=Path, default=RESULTS / "staging_speed.json")
    parser.add_argument("--runs", type=int, default=3, help="warm runs per method (median)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes per method")
    parser.add_argument("--no-cold", action="store_true", help="skip the fresh-process runs")
    parser.add_argument("--cold-child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--psg", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_child:
        cold_child(args)
        return

    machine = machine_info(torch_threads=set_threads(args.threads), onnxruntime_threads="default")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="seqsleepnet-bench-") as tmp:
        folder = Path(tmp)
        os.environ["SEQSLEEPNET_CACHE_DIR"] = str(folder / "cache")  # not the user's cache
        t_gen, psg = timed(lambda: make_night(args.hours, folder))
        checkpoint = make_checkpoint(psg, folder / "model.pt")
        warm: dict[str, Any] = {}
        cold_runs: dict[str, Any] = {}
        epochs = 0
        runners: dict[str, Runner] = {}
        for method in args.methods:
            runner = Runner(method, checkpoint, folder / "out")
            first = runner.run(psg)  # discarded: caches, lazy imports, numba
            if method != "yasa":
                check_pipeline(runner, psg, first)
            epochs = max(epochs, len(first["stages"]))
            runners[method] = runner
        runs: dict[str, list[dict[str, Any]]] = {method: [] for method in runners}
        split_method = "onnx" if "onnx" in runners else "seqsleepnet"  # the report's split
        for _ in range(args.runs):  # in turn, so that a change of load hits every method alike
            for method, runner in runners.items():
                runs[method].append(runner.run(psg))
        for method, runner in runners.items():
            steps = [k for k in runs[method][0] if k not in ("stages", "total")]
            warm[method] = {
                "total_s": median([r["total"] for r in runs[method]]),
                "runs_s": [round(r["total"], 3) for r in runs[method]],
                "breakdown_s": {k: median([r[k] for r in runs[method]]) for k in steps},
            }
            if method == split_method:  # the read step: samples, then conditioning
                samples = median([runner.samples_only(psg) for _ in range(args.runs)])
                warm[method]["read_samples_s"] = samples
                warm[method]["read_condition_s"] = warm[method]["breakdown_s"]["read"] - samples
        runners.clear()
        if not args.no_cold:
            cold_runs = cold_rounds(args, psg, checkpoint, folder)
    result: dict[str, Any] = {
        "study": "staging_speed",
        "hours": args.hours,
        "epochs": epochs,
        "layout": "aasm, 256 Hz, channels C4-M1, E1-M2, Chin1-Chin2",
        "generate_s": round(t_gen, 2),
        "warm": warm,
        "cold": cold_runs,
        "machine": machine,
    }
    keys = {"seqsleepnet": "seqsleepnet_s", "onnx": "onnx_s", "naive": "naive_s", "yasa": "yasa_s"}
    for method, key in keys.items():
        if method in warm:
            result[key] = warm[method]["total_s"]
        if method in cold_runs:
            result[key.replace("_s", "_cold_s")] = cold_runs[method]["first_s"]
    ratios: dict[str, float] = {}
    if {"seqsleepnet", "naive"} <= warm.keys():
        ratios["naive_over_encode_once_end_to_end"] = ratio(
            result["naive_s"], result["seqsleepnet_s"]
        )
        ratios["naive_over_encode_once_model"] = ratio(
            warm["naive"]["breakdown_s"]["model"], warm["seqsleepnet"]["breakdown_s"]["model"]
        )
    if {"seqsleepnet", "yasa"} <= warm.keys():
        ours = warm["seqsleepnet"]["breakdown_s"]
        ratios["yasa_over_seqsleepnet_warm"] = ratio(result["yasa_s"], result["seqsleepnet_s"])
        ratios["yasa_over_seqsleepnet_warm_no_outputs"] = ratio(
            result["yasa_s"], ours["read"] + ours["features"] + ours["model"]
        )
        if {"seqsleepnet", "yasa"} <= cold_runs.keys():
            ratios["yasa_over_seqsleepnet_cold"] = ratio(
                cold_runs["yasa"]["first_s"], cold_runs["seqsleepnet"]["first_s"]
            )
            ratios["yasa_over_seqsleepnet_cold_process"] = ratio(
                cold_runs["yasa"]["process_s"], cold_runs["seqsleepnet"]["process_s"]
            )
    if {"onnx", "yasa"} <= warm.keys():  # the default backend
        ratios["yasa_over_default_warm"] = ratio(result["yasa_s"], result["onnx_s"])
        if {"onnx", "yasa"} <= cold_runs.keys():  # a checkpoint staged before: no PyTorch
            ratios["yasa_over_onnx_cold_process"] = ratio(
                cold_runs["yasa"]["process_s"], cold_runs["onnx"]["process_s"]
            )
        if {"stage_cli", "yasa"} <= cold_runs.keys():
            ratios["yasa_over_stage_cli_cold_process"] = ratio(
                cold_runs["yasa"]["process_s"], cold_runs["stage_cli"]["process_s"]
            )
    if {"seqsleepnet", "onnx"} <= warm.keys():
        ratios["torch_over_onnx"] = ratio(result["seqsleepnet_s"], result["onnx_s"])
    result["ratios"] = ratios
    result["wall_s"] = round(time.perf_counter() - started, 1)
    write_json(args.json, result)
    summary = {k: v for k, v in result.items() if k not in ("machine", "warm", "cold")}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
