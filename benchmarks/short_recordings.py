"""Short recordings: how the bundled models' agreement falls with recording length (SYNTHETIC).

The bundled models centre each frequency bin on its median over the recording
(``features.recording_center``) and learnt from whole in-bed nights. The
median of a short recording follows its few stages instead of a night's mix,
so its stages shift. This study measures from what length that matters, which
sets ``THRESHOLDS["centred_min_hours"]`` in ``seqsleepnet/quality.py`` (a
``recording`` flag below it).

Nights: crops of 20 min to 3 h of the in-bed hypnograms of subjects 00
(never seen in training) and 01-02 (validation), ``--crops`` per hypnogram
spread evenly over the night, each in one of the four layouts in turn, in the
training distribution (domain randomisation) with seeds the training did not
use; staged as ``seqsleepnet stage`` picks the model (``_bundled.stage_night``).

Per length: mean and lowest agreement, nights below 70%, nights with the
short-recording flag, and nights below 70% without any other flag (what the
short-recording flag alone catches). The Sleep-EDF layout's note that its
1-Hz EMG is not used is on every such night and is not counted as a flag.

Usage::

    python benchmarks/short_recordings.py [--hours 0.33 0.5 1 1.5 2 3] [--crops 3]

Every figure here comes from SYNTHETIC nights; it says nothing about real
recordings.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _bundled import stage_night  # noqa: E402
from _common import RESULTS, ROOT, machine_info, set_threads, write_study  # noqa: E402
from _nights import (  # noqa: E402
    HELD_OUT_SUBJECTS,
    LAYOUTS,
    VALIDATION_SUBJECTS,
    hypnograms,
    layout_night,
    slug,
)

SEED = 5000  # the training cohort used seeds 7-10, the quality calibration 1000 and 2000
EXPECTED_NOTE = "channels: EMG channel 'EMG submental' is sampled at 1 Hz"
SHORT_FLAG = "recording: each frequency bin was centred on its median"
MIN_ACCURACY = 0.7


def crops(hours: float, per_night: int) -> list[dict[str, Any]]:
    """``per_night`` crops of ``hours`` from each hypnogram, spread evenly over its in-bed part."""
    from seqsleepnet.data.synthetic.cohort import sleep_edf_identity
    from seqsleepnet.io.hypnogram import read_hypnogram

    found = []
    for path in hypnograms((*HELD_OUT_SUBJECTS, *VALIDATION_SUBJECTS)):
        subject, index = sleep_edf_identity(path)
        stages = read_hypnogram(path).in_bed().stages.astype(np.int8)
        n = round(hours * 120)
        for k, first in enumerate(np.linspace(0, stages.size - n, per_night).round().astype(int)):
            found.append(
                {
                    "hypnogram": path.name,
                    "subject": subject,
                    "night": index,
                    "start_epoch": int(first),
                    "stages": stages[first : first + n],
                    "layout": LAYOUTS[(index + k) % len(LAYOUTS)],
                    "seed": SEED + 7 * k + index,
                }
            )
    return found


def stage_crop(work: Path, hours: float, crop: dict[str, Any]) -> dict[str, Any]:
    """Write one crop as a PSG, stage it and describe the outcome."""
    stages = crop["stages"]
    night = layout_night(
        work / slug(crop["layout"], crop["hypnogram"][:7], hours, crop["start_epoch"]),
        stages,
        layout=crop["layout"],
        style="randomised",
        subject=crop["subject"],
        night=crop["night"],
        seed=crop["seed"],
        info={"hypnogram": crop["hypnogram"], "start_epoch": crop["start_epoch"]},
    )
    staged = stage_night(night)
    lines = [q for q in staged.get("quality", []) if not q.startswith(EXPECTED_NOTE)]
    return {
        "hours": hours,
        "hypnogram": crop["hypnogram"],
        "start_epoch": crop["start_epoch"],
        "layout": crop["layout"],
        "n3_share": round(float(np.mean(stages == 3)), 3),
        "accuracy": staged.get("accuracy"),
        "error": staged.get("error"),
        "short_flag": any(q.startswith(SHORT_FLAG) for q in lines),
        "other_flags": sorted({q.split(":")[0] for q in lines if not q.startswith(SHORT_FLAG)}),
        "mean_confidence": staged.get("measures", {}).get("mean_confidence"),
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per crop length: agreement, nights below 70%, and what flagged them."""
    out = {}
    for hours in sorted({r["hours"] for r in rows}):
        staged = [r for r in rows if r["hours"] == hours and r["accuracy"] is not None]
        accuracy = [r["accuracy"] for r in staged]
        low = [r for r in staged if r["accuracy"] < MIN_ACCURACY]
        out[f"{hours:g}"] = {
            "hours": hours,
            "nights": len(staged),
            "refused": sum(r["accuracy"] is None for r in rows if r["hours"] == hours),
            "mean_agreement": round(float(np.mean(accuracy)), 4) if accuracy else None,
            "lowest_agreement": round(float(np.min(accuracy)), 4) if accuracy else None,
            "below_70": len(low),
            "short_flag": sum(r["short_flag"] for r in staged),
            "below_70_without_other_flags": sum(not r["other_flags"] for r in low),
            "silently_wrong": sum(not r["other_flags"] and not r["short_flag"] for r in low),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, nargs="+", default=[0.33, 0.5, 1, 1.5, 2, 3])
    parser.add_argument("--crops", type=int, default=3, help="crops per hypnogram and length")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-nights" / "short")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, default=RESULTS / "short_recordings.json")
    args = parser.parse_args()
    machine = machine_info(torch_threads=set_threads(args.threads))
    start = time.perf_counter()
    rows = []
    for hours in args.hours:
        for crop in crops(hours, args.crops):
            row = stage_crop(args.work, hours, crop)
            rows.append(row)
            print(f"{hours:g} h {row['hypnogram'][:7]} @{row['start_epoch']}: {row['accuracy']}")
    write_study(
        args,
        "short_recordings",
        start,
        machine,
        summary=summary(rows),
        nights=rows,
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
