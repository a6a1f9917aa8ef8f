"""Run every benchmark study, one after the other, then regenerate BENCHMARKS.md.

Each study runs in its own process and writes ``benchmarks/results/<study>.json``;
a study that fails is reported and the others still run. ``make bench`` calls
this script.

Usage::

    python benchmarks/run_all.py [--only staging_speed scaling ...] [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def studies(quick: bool) -> dict[str, list[str]]:
    """Command line of each study (``quick``: smaller sizes, for a smoke run)."""
    return {
        "staging_speed": [
            "staging_speed.py",
            "--hours",
            "1" if quick else "8",
            "--json",
            str(RESULTS / "staging_speed.json"),
        ],
        "scaling": [
            "scaling.py",
            "--json",
            str(RESULTS / "scaling.json"),
            *(["--hours", "1", "2", "4"] if quick else []),
        ],
        "training_throughput": [
            "training_throughput.py",
            "--steps",
            "1" if quick else "3",
            "--rounds",
            "3" if quick else "5",
            "--json",
            str(RESULTS / "training_throughput.json"),
        ],
        "synthetic_difficulty": [
            "synthetic_difficulty.py",
            "--json",
            str(RESULTS / "synthetic_difficulty.json"),
            *(["--subjects", "6", "--folds", "3"] if quick else []),
        ],
        "startup": [
            "startup.py",
            "--repeats",
            "3" if quick else "7",
            "--hours",
            "1" if quick else "8",
            "--json",
            str(RESULTS / "startup.json"),
        ],
        "accuracy": [
            "accuracy.py",
            "--json",
            str(RESULTS / "accuracy.json"),
            *(["--quick"] if quick else []),
        ],
        "bundled_models": [
            "bundled_models.py",
            "--json",
            str(RESULTS / "bundled_models.json"),
            *(["--hours", "2"] if quick else []),
        ],
        "quality_calibration": [
            "quality_calibration.py",
            "--json",
            str(RESULTS / "quality_calibration.json"),
            *(["--subjects", "0", "--layouts-per-crop", "1"] if quick else []),
        ],
        "short_recordings": [
            "short_recordings.py",
            "--json",
            str(RESULTS / "short_recordings.json"),
            *(["--hours", "0.5", "2", "--crops", "1"] if quick else []),
        ],
        "adaptation": [
            "adaptation.py",
            "--json",
            str(RESULTS / "adaptation.json"),
            *(
                ["--steps", "20", "--hours", "1", "--base-nights", "2", "--test-nights", "1"]
                if quick
                else []
            ),
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", help="run these studies only")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    args = parser.parse_args()
    commands = studies(args.quick)
    failed = []
    for name, command in commands.items():
        if args.only and name not in args.only:
            continue
        start = time.perf_counter()
        print(f"== {name}: {' '.join(command)}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]], check=False)
        print(
            f"== {name}: exit {done.returncode} after {time.perf_counter() - start:.0f} s",
            flush=True,
        )
        if done.returncode != 0:
            failed.append(name)
    subprocess.run([sys.executable, str(HERE / "report.py")], check=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
