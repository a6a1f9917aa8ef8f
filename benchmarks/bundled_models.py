"""Bundled models per layout and channel set, on SYNTHETIC nights they were not trained on.

For each dataset layout (aasm, mass, shhs, sleep-edf) the nights of the
held-out subject 00 (SC4001, SC4002; in-bed part; ``--subjects 0 1 2`` adds
the validation subjects 01 and 02, which chose the models' best checkpoints)
are generated twice: with domain randomisation (the training distribution,
other seeds: in-distribution held-out) and without (the plain generator, as
``seqsleepnet synth`` writes by default). Each night is staged with the model
``seqsleepnet stage`` picks automatically and with each bundled model forced
(a forced model that needs a channel the file cannot give is refused, and
its message is recorded). Epochs are pooled over the nights of each cell.

Targets (issue 14): with the automatically picked model, every layout
>= 80% agreement and kappa >= 0.7; the Sleep-EDF layout never degenerate
(no ``degenerate`` quality flag: one stage over 90% of a night longer than
2 h, no sleep, no transition), and its 1-Hz EMG named in a message.

Usage::

    python benchmarks/bundled_models.py [--subjects 0] [--work build/bench-nights] [--json OUT]
    python benchmarks/bundled_models.py --hours 0.5 --json /tmp/smoke.json   # smoke run
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _bundled import AUTO, bundled_checkpoints, pooled, stage_night  # noqa: E402
from _common import RESULTS, ROOT, machine_info, set_threads, write_study  # noqa: E402
from _nights import LAYOUTS, hypnograms, in_bed_stages, layout_night, slug  # noqa: E402

MODES = ("randomised", "plain")
MIN_ACCURACY, MIN_KAPPA = 0.8, 0.7


def bundled_files() -> dict[str, dict[str, Any]]:
    """Each bundled model's file, size, SHA-256 prefix and whether ``stage`` may pick it."""
    from seqsleepnet.staging import DEFAULT_MODELS

    listed = set(DEFAULT_MODELS.values())
    out = {}
    for label, file in bundled_checkpoints().items():
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
        out[label] = {
            "file": file.name,
            "bytes": file.stat().st_size,
            "sha256": digest,
            "picked_by_stage": file.name in listed,
        }
    return out


def targets(table: dict[str, Any], nights: list[dict[str, Any]]) -> dict[str, Any]:
    """The issue's done-when checks on the automatically picked model."""
    per_layout = {}
    for layout, modes in table.items():
        per_layout[layout] = {}
        for mode, cells in modes.items():
            auto = cells.get(AUTO)
            met = bool(auto and auto["accuracy"] >= MIN_ACCURACY and auto["kappa"] >= MIN_KAPPA)
            per_layout[layout][mode] = {**(auto or {}), "met": met}
    sleep_edf = [n["staged"][AUTO] for n in nights if n["layout"] == "sleep-edf"]
    staged = [r for r in sleep_edf if "error" not in r]
    lines = [line for r in sleep_edf for line in [*r.get("quality", []), r.get("error", "")]]
    named = next((x for x in lines if "EMG submental" in x and "1 Hz" in x), None)
    return {
        "per_layout": per_layout,
        "sleep_edf_max_dominant_share": max((r["dominant_share"] for r in staged), default=None),
        "sleep_edf_never_degenerate": bool(staged)
        and all("degenerate" not in r["flags"] for r in staged),
        "sleep_edf_emg_message": named,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[0])
    parser.add_argument("--hours", type=float, help="cut each night to H hours (smoke runs)")
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=LAYOUTS)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-nights")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, default=RESULTS / "bundled_models.json")
    args = parser.parse_args()
    from seqsleepnet.data.synthetic.cohort import sleep_edf_identity

    machine = machine_info(torch_threads=set_threads(args.threads))
    start = time.perf_counter()
    sets = [AUTO, *bundled_checkpoints()]
    nights: list[dict[str, Any]] = []
    for layout in args.layouts:
        for mode in MODES:
            for path in hypnograms(tuple(args.subjects)):
                subject, index = sleep_edf_identity(path)
                stages = in_bed_stages(path, args.hours)[0]
                hours = "whole" if args.hours is None else f"{args.hours:g}h"
                night = layout_night(
                    args.work / "bundled" / slug(layout, mode, path.name[:7], hours),
                    stages,
                    layout=layout,
                    style=mode,
                    subject=subject,
                    night=index,
                    info={"hypnogram": path.name},
                )
                staged = {s: stage_night(night, s) for s in sets}
                nights.append({**night.info, "epochs": int(stages.size), "staged": staged})
                auto = staged[AUTO]
                print(
                    f"{layout:9s} {mode:10s} {path.name[:7]} auto={auto.get('model')} "
                    f"acc={auto.get('accuracy', float('nan')):.3f} "
                    f"kappa={auto.get('kappa', float('nan')):.3f} {auto.get('quality', '')}",
                    flush=True,
                )
    table: dict[str, Any] = {}
    for layout in args.layouts:
        table[layout] = {}
        for mode in MODES:
            rows = [n for n in nights if n["layout"] == layout and n["style"] == mode]
            cells = {s: pooled([n["staged"][s] for n in rows]) for s in sets}
            refusals = {
                s: n["staged"][s]["error"] for n in rows for s in sets if "error" in n["staged"][s]
            }
            picked = sorted({n["staged"][AUTO].get("model", "refused") for n in rows})
            table[layout][mode] = {**cells, "auto_model": picked, "refused_because": refusals}
    for night in nights:  # the pooled table keeps what matters; drop the per-night confusions
        for row in night["staged"].values():
            row.pop("confusion", None)
            row.pop("measures", None)
    write_study(
        args,
        "bundled_models",
        start,
        machine,
        subjects=args.subjects,
        hours=args.hours,
        models=bundled_files(),
        table=table,
        targets=targets(table, nights),
        nights=nights,
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
