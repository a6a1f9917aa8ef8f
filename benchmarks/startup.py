"""Start-up of the command line: whole-process times, each paired with ``python -c "import yasa"``.

A person who types ``seqsleepnet --help`` or converts a hypnogram waits for the
whole process: interpreter start, imports, work, exit. Each command is timed
in fresh processes alternating with ``python -c "import yasa"`` (the start-up
cost of the tool most users know), so that the machine's load hits both alike;
the figure is the ratio of the medians. Targets: ``--help`` at most 0.2x and
``hypnogram X --out Y`` at most 0.3x the YASA import. Staging an 8-h synthetic
night (``stage --model``, untrained SeqSleepNet) is reported twice, the first
staging with the checkpoint (which exports its onnxruntime graphs into the
cache, here a temporary folder) and the next one (which finds them there),
with the duration of each phase (checkpoint, read, features, model, outputs)
read from the progress lines ``stage`` prints without a terminal; the rest of
the process time is start-up (interpreter and imports) and exit.

Usage::

    python benchmarks/startup.py [--repeats 7] [--hours 8] [--json benchmarks/results/startup.json]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS, ROOT, machine_info, make_checkpoint, make_night, median, write_json

YASA = ["-c", "import yasa"]
TARGETS = {"help": 0.2, "hypnogram": 0.3}
PHASE_LINE = re.compile(r"^stage \S+: \d+/\d+ (\w+) \((\d+\.\d) s\)$")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def _process(args: list[str], **env: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall-clock seconds of ``python ARGS`` in a fresh process, and its result."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], env=_env(**env), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    return seconds, done


def paired(args: list[str], repeats: int, target: float) -> dict[str, Any]:
    """Alternate ``python ARGS`` and the YASA import ``repeats`` times each (one warm-up pair)."""
    _process(YASA)
    _process(args)
    ours, yasa = [], []
    for _ in range(repeats):
        yasa.append(_process(YASA)[0])
        ours.append(_process(args)[0])
    ratio = round(median(ours) / median(yasa), 3)
    return {
        "command": " ".join(["python", *args]),
        "seqsleepnet_s": median(ours),
        "yasa_import_s": median(yasa),
        "ratio": ratio,
        "target_ratio": target,
        "met": ratio <= target,
        "runs_s": {"seqsleepnet": [round(t, 3) for t in ours], "yasa": [round(t, 3) for t in yasa]},
    }


def stage_night(hours: float, folder: Path) -> dict[str, Any]:
    """Two ``stage`` processes of a synthetic night (the checkpoint's first, then the next),
    with the duration of each phase."""
    psg = make_night(hours, folder)
    checkpoint = make_checkpoint(psg, folder / "model.pt")
    args = ["-m", "seqsleepnet", "stage", str(psg), "--model", str(checkpoint), "--overwrite"]
    result: dict[str, Any] = {"hours": hours, "file_mib": round(psg.stat().st_size / 2**20, 1)}
    for run in ("first", "again"):
        seconds, done = _process(
            [*args, "--out", str(folder / "out")], SEQSLEEPNET_CACHE_DIR=str(folder / "cache")
        )
        phases = {
            m.group(1): float(m.group(2))
            for m in map(PHASE_LINE.match, done.stderr.splitlines())
            if m is not None
        }
        result[run] = {
            "process_s": round(seconds, 2),
            "phases_s": phases,
            "start_up_s": round(seconds - sum(phases.values()), 2),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="pairs of runs per command")
    parser.add_argument("--hours", type=float, default=8.0, help="length of the staged night")
    parser.add_argument("--json", type=Path, default=RESULTS / "startup.json")
    args = parser.parse_args()
    start = time.perf_counter()
    machine = machine_info(repeats=args.repeats)
    hypnogram = ROOT / "src" / "seqsleepnet" / "resources" / "hypnograms" / "SC4001EC-Hypnogram.edf"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        commands = {
            "help": paired(["-m", "seqsleepnet", "--help"], args.repeats, TARGETS["help"]),
            "hypnogram": paired(
                [
                    *("-m", "seqsleepnet", "hypnogram", str(hypnogram)),
                    *("--out", str(folder / "h.tsv"), "--overwrite"),
                ],
                args.repeats,
                TARGETS["hypnogram"],
            ),
        }
        for name, row in commands.items():
            print(
                f"{name}: {row['seqsleepnet_s']:.3f} s vs import yasa {row['yasa_import_s']:.3f} s "
                f"= {row['ratio']}x (target <= {row['target_ratio']}x)",
                flush=True,
            )
        stage = stage_night(args.hours, folder)
        for run in ("first", "again"):
            row = stage[run]
            print(f"stage {args.hours:g} h, {run}: {row['process_s']} s {row['phases_s']}")
    write_json(
        args.json,
        {
            "machine": machine,
            "commands": commands,
            "stage": stage,
            "wall_s": round(time.perf_counter() - start, 1),
        },
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
