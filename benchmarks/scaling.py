"""Scaling: staging time and peak memory against night length (1, 8, 24, 48 h).

For each length a synthetic night is written (``aasm`` layout, 256 Hz, stages
from the real Sleep-EDF hypnograms, long nights spliced from 8-h pieces) and
staged end to end (read, features, encode-once model, output files) in a
fresh subprocess, which reports its peak resident memory (``VmHWM`` of
``/proc/self/status``): one process per size, so each peak is that size's own.
``ru_maxrss`` from ``getrusage(RUSAGE_CHILDREN)`` or ``os.wait4`` is recorded
too, but on Linux a child inherits its parent's high-water mark across
fork + exec, so it reads at least the parent's size (here, the generator's
memory). Each child stages with the default backend (onnxruntime) from graphs
the parent exported into a temporary cache, as every staging after a
checkpoint's first does. Both time and memory should grow linearly; 48 h must
stay under 2 GB.

Usage::

    python benchmarks/scaling.py [--hours 1 8 24 48] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS, machine_info, make_checkpoint, make_night, set_threads, write_json

LIMIT_GIB = 2.0


def child(psg: Path, checkpoint: Path, out: Path, threads: int) -> None:
    """Stage one file (the measured subprocess) and print its timings as JSON."""
    start = time.perf_counter()
    set_threads(threads)
    from seqsleepnet.report.outputs import write_outputs
    from seqsleepnet.staging import SleepStager

    stager = SleepStager.from_checkpoint(checkpoint)
    ready = time.perf_counter()
    result = stager.predict(psg)
    staged = time.perf_counter()
    write_outputs(result, out)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "epochs": result.n_epochs,
                "setup_s": round(ready - start, 3),
                "stage_s": round(staged - ready, 3),
                "outputs_s": round(done - staged, 3),
                "total_s": round(done - ready, 3),
                "peak_rss_mib": round(_high_water_kib() / 1024, 1),
            }
        )
    )


def _high_water_kib() -> int:
    """Peak resident set size of this process (``VmHWM``) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def measure(psg: Path, checkpoint: Path, out: Path, threads: int) -> dict[str, Any]:
    """Run :func:`child` in a fresh process; its timings plus its peak RSS in MiB."""
    command = [
        sys.executable,
        __file__,
        "--child",
        str(psg),
        str(checkpoint),
        str(out),
        "--threads",
        str(threads),
    ]
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"staging {psg.name} failed:\n{stderr.read()[-2000:]}")
        timings = json.loads(stdout.read().strip().splitlines()[-1])
    return {**timings, "ru_maxrss_mib": round(usage.ru_maxrss / 1024, 1)}  # Linux: KiB


def linearity(hours: list[float], values: list[float]) -> dict[str, float]:
    """Least-squares line ``value = slope * hours + intercept`` and its R^2."""
    x, y = np.asarray(hours), np.asarray(values)
    slope, intercept = np.polyfit(x, y, 1)
    fitted = slope * x + intercept
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum((y - fitted) ** 2)) / total if total > 0 else 1.0
    return {
        "per_hour": round(float(slope), 4),
        "intercept": round(float(intercept), 3),
        "r2": round(r2, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 8.0, 24.0, 48.0])
    parser.add_argument("--json", type=Path, default=RESULTS / "scaling.json")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.threads)
        return

    machine = machine_info(torch_threads=set_threads(args.threads))
    rows = []
    with tempfile.TemporaryDirectory(prefix="seqsleepnet-scaling-") as tmp:
        folder = Path(tmp)
        checkpoint = make_checkpoint(make_night(1.0, folder / "fit"), folder / "model.pt")
        os.environ["SEQSLEEPNET_CACHE_DIR"] = str(folder / "cache")  # the children inherit it
        from seqsleepnet.staging import SleepStager

        SleepStager.from_checkpoint(checkpoint)  # exports the graphs once, as a first staging
        for hours in sorted(args.hours):
            psg = make_night(hours, folder / f"{hours:g}h")
            row = {"hours": hours, "file_mib": round(psg.stat().st_size / 2**20, 1)}
            row.update(measure(psg, checkpoint, folder / "out", args.threads))
            rows.append(row)
            psg.unlink()
            print(json.dumps(row), flush=True)
    peak_48 = next((r["peak_rss_mib"] for r in rows if r["hours"] == 48.0), None)
    result = {
        "study": "scaling",
        "rows": rows,
        "time_fit": linearity([r["hours"] for r in rows], [r["total_s"] for r in rows]),
        "memory_fit_mib": linearity([r["hours"] for r in rows], [r["peak_rss_mib"] for r in rows]),
        "limit_gib": LIMIT_GIB,
        "peak_48h_gib": round(peak_48 / 1024, 2) if peak_48 else None,
        "under_limit": peak_48 < LIMIT_GIB * 1024 if peak_48 else None,
        "machine": machine,
    }
    write_json(args.json, result)
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=1))


if __name__ == "__main__":
    main()
