"""Per-epoch signal checks on SYNTHETIC nights: false alarms on normal nights, detection of spans.

Reads each night with the preprocessing of the bundled model ``stage`` picks
for it, measures every epoch (:mod:`seqsleepnet.features.epoch_signal`) and
flags it as staging would (:func:`seqsleepnet.quality.assess_night`); no
model runs, so a night takes a second or two.

- ``--normal``: in-distribution nights, each a folder with a ``night.json``
  (``benchmarks/quality_calibration.py`` writes them under
  ``build/bench-nights/calibration-<seed>``) or an EDF; any ``signal`` flag of
  the per-epoch check is a false alarm. For each channel role the script also
  records the value at which a night would have reached the flagging
  duration (the ``epoch_signal_minutes`` most extreme smoothed epochs): the
  margin of each threshold.
- ``--corrupted``: EDFs with a known bad span (e.g. the audit's
  ``electrode_off_last_quarter.edf``); detected when flagged.

``results/epoch_signal_calibration.json`` holds 104 normal nights: the 92
2-h nights of ``quality_calibration.py --seed 2000`` and 12 whole in-bed
nights of subjects 03-08 (``_nights.layout_night(..., style="randomised",
seed=3000 + k)``, the four layouts in turn), and 28 corrupted ones (the
audit's two and 26 made from two 5-h synthetic nights: EEG replaced by hum
plus noise, by 3, 10 or 30 uV of white noise, or zeros; EEG gain x5, x3 or
x0.2 over part of the night; EOG or EMG replaced by noise or at x5 gain).

Usage::

    python benchmarks/epoch_signal_calibration.py --normal build/bench-nights/calibration-2000/* \\
        --corrupted /tmp/audit-psg/repro/*.edf --json results/epoch_signal_calibration.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import RESULTS, machine_info, write_json  # noqa: E402


def measure(path: Path) -> dict[str, Any]:
    """Epoch measures and per-epoch signal flags of one night (a folder or an EDF)."""
    from seqsleepnet.features.epoch_signal import epoch_signal
    from seqsleepnet.io.survey import survey_channels
    from seqsleepnet.models.checkpoint import load_trained
    from seqsleepnet.quality import THRESHOLDS, assess_night
    from seqsleepnet.staging import bundled_model_for

    psg = Path(json.loads((path / "night.json").read_text())["psg"]) if path.is_dir() else path
    survey = survey_channels(psg)
    checkpoint = bundled_model_for(survey)
    preprocessing = _preprocessing(checkpoint, load_trained)
    start = time.perf_counter()
    recording = preprocessing.read(psg, **{r: survey.picks[r] for r in preprocessing.roles})
    read_s = time.perf_counter() - start
    found = epoch_signal(recording, preprocessing)
    measure_s = time.perf_counter() - start - read_s
    n = found.level.shape[0]
    report = assess_night(
        np.zeros(n, np.int8),
        np.ones((n, 5), np.float32) / 5,
        epoch_length=preprocessing.epoch_seconds,
        roles=recording.roles,
        epoch_signal=found,
        start_time=recording.start_time,
    )
    k = round(THRESHOLDS["epoch_signal_minutes"] * 60 / preprocessing.epoch_seconds)
    margins = {}
    for c, role in enumerate(found.roles):
        level = np.sort(np.abs(found.level[found.recorded, c]))[::-1]
        tilt = np.sort(found.tilt[found.recorded, c])
        margins[role] = {  # the k-th most extreme epoch: a night flags from these values on
            "level_db": round(float(level[k - 1]), 2) if level.size >= k else None,
            "tilt_db": round(float(tilt[k - 1]), 2) if tilt.size >= k else None,
        }
    return {
        "night": path.name,
        "hours": round(n * preprocessing.epoch_seconds / 3600, 2),
        "flags": [f.message for f in report.flags if f.kind == "signal"],
        "epochs": report.measures["epochs"],
        "kth_extreme": margins,
        "read_s": round(read_s, 2),
        "measure_s": round(measure_s, 3),
    }


_preprocessings: dict[Path, Any] = {}


def _preprocessing(checkpoint: Path, load: Any) -> Any:
    if checkpoint not in _preprocessings:
        _preprocessings[checkpoint] = load(checkpoint)[1].preprocessing
    return _preprocessings[checkpoint]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--normal", type=Path, nargs="*", default=[])
    parser.add_argument("--corrupted", type=Path, nargs="*", default=[])
    parser.add_argument("--json", type=Path, default=RESULTS / "epoch_signal_calibration.json")
    args = parser.parse_args()
    from seqsleepnet.quality import THRESHOLDS

    normal = [measure(p) for p in args.normal]
    corrupted = [measure(p) for p in args.corrupted]
    for row in normal + corrupted:
        print(f"{row['night']}: {row['hours']} h, {len(row['flags'])} flag(s) {row['flags']}")
    roles = sorted({r for row in normal for r in row["kth_extreme"]})

    def worst(role: str, name: str, pick: Any) -> float | None:
        found = [row["kth_extreme"][role][name] for row in normal if role in row["kth_extreme"]]
        found = [v for v in found if v is not None]
        return pick(found) if found else None

    summary = {
        "normal_nights": len(normal),
        "normal_hours": round(sum(r["hours"] for r in normal), 1),
        "false_alarms": sum(bool(r["flags"]) for r in normal),
        "corrupted_nights": len(corrupted),
        "detected": sum(bool(r["flags"]) for r in corrupted),
        "worst_kth_extreme": {
            role: {"level_db": worst(role, "level_db", max), "tilt_db": worst(role, "tilt_db", min)}
            for role in roles
        },
        "thresholds": {k: v for k, v in THRESHOLDS.items() if k.startswith("epoch_")},
        "largest_measure_s": max((r["measure_s"] for r in normal + corrupted), default=None),
    }
    print(json.dumps(summary, indent=1))
    write_json(
        args.json,
        {
            "study": "epoch_signal_calibration",
            "synthetic": True,
            **summary,
            "machine": machine_info(),
            "normal": normal,
            "corrupted": corrupted,
        },
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
