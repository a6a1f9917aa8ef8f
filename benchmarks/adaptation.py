"""Adapting a model to a new lab on SYNTHETIC data: fine-tuning against training from scratch.

A base SeqSleepNet (EEG, EOG, chin EMG) is trained on one layout and one
style: AASM montage, the plain generator, ``--base-nights`` nights of
subjects 03 and up. The "new lab" records in a style the base never saw
(``--style``, default ``other spectrum`` of ``_nights``: band powers and
filters outside the generator's ranges). With 1, 2 and 4 scored nights of
that style (subjects 10 and up), two models are trained for the same number
of steps and compared on held-out nights of the style (subjects 00 and 01):

- fine-tuned: ``train --init-from BASE`` (Python: ``TrainConfig(init_from=...)``)
  with the command's defaults: normaliser refitted on the new nights (kept
  with ``--keep-normalizer``), epoch encoder trained too, learning rate
  ``FINE_TUNE_LR``;
- from scratch: the same nights and steps, the paper's learning rate.

The base model on the new style (no adaptation) and on held-out nights of
its own style are the reference rows. Nights are cut to ``--hours`` and
training is short (``--steps``) so that the study fits a 2-core CPU; every
finished run is kept in ``--work`` and skipped when the study is run again,
an interrupted run resumes from its ``last.pt``, and the result file is
rewritten after each run.

Usage::

    python benchmarks/adaptation.py [--steps 300] [--hours 2] [--json OUT]
    python benchmarks/adaptation.py --steps 5 --hours 0.5 --base-nights 2 --test-nights 1 \
        --sizes 1 2 --work /tmp/adapt --json /tmp/adapt.json        # smoke run
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import RESULTS, ROOT, machine_info, set_threads, write_study  # noqa: E402
from _nights import (  # noqa: E402
    STYLES,
    Night,
    hypnograms,
    in_bed_stages,
    layout_night,
    slug,
    write_true_hypnogram,
)

ROLES = "eeg,eog,emg"
LAYOUT = "aasm"
BASE_STYLE = "plain"


def nights(work: Path, style: str, subjects: range, count: int, hours: float) -> list[Night]:
    """``count`` nights of these subjects (in file order) in ``style``, cut to ``hours``."""
    from seqsleepnet.data.synthetic.cohort import sleep_edf_identity

    out = []
    for path in hypnograms(tuple(subjects))[:count]:
        subject, index = sleep_edf_identity(path)
        stages = in_bed_stages(path, hours)[0]
        folder = work / "nights" / slug(style, path.name[:7], hours)
        out.append(
            layout_night(
                folder,
                stages,
                layout=LAYOUT,
                style=style,
                subject=subject,
                night=index,
                info={"hypnogram": path.name},
            )
        )
    return out


def cache_of(work: Path, name: str, chosen: list[Night]) -> Path:
    """A prepared feature cache of ``chosen`` (built once)."""
    from seqsleepnet.data.prepare import prepare_dataset

    cache = work / "caches" / name
    done = cache / ".done"
    if done.is_file():
        return cache
    manifest = work / "caches" / f"{name}.csv"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with manifest.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["psg", "hypnogram", "subject", "night", "recording"])
        for night in chosen:
            info = night.info
            writer.writerow(
                [
                    night.psg,
                    write_true_hypnogram(night),
                    f"s{info['subject']:02d}",
                    info["night"],
                    night.psg.parent.name,
                ]
            )
    report = prepare_dataset("folder", manifest, cache, roles=ROLES, in_bed=False, progress=False)
    if not report.ok:
        raise RuntimeError(f"preparing {name} failed: {report}")
    done.touch()
    return cache


def trained(run: Path, cache: Path, args: argparse.Namespace, init_from: Path | None) -> Path:
    """``run/best.pt`` of a short run on ``cache`` (fine-tuned from ``init_from`` if given)."""
    from seqsleepnet.training.config import TrainConfig
    from seqsleepnet.training.loop import train

    best = run / "best.pt"
    if best.is_file():
        return best
    config = TrainConfig(
        data=str(cache),
        model="seqsleepnet",
        seq_len=20,
        batch_size=32,
        max_steps=args.steps,
        eval_every=args.steps,
        seed=args.seed,
        device="cpu",
        threads=args.threads,
        init_from=None if init_from is None else str(init_from),
        normalizer="keep" if init_from is not None and args.keep_normalizer else "refit",
    )
    train(config, run, resume=(run / "last.pt").is_file())
    return best


def evaluate(checkpoint: Path, test: list[Night]) -> dict[str, Any]:
    """Pooled accuracy and kappa of a checkpoint on the test nights."""
    import numpy as np

    from seqsleepnet.evaluation.metrics import StagingMetrics, confusion_matrix
    from seqsleepnet.staging import SleepStager

    stager = SleepStager.from_checkpoint(checkpoint)
    total = np.zeros((5, 5), dtype=np.int64)
    for night in test:
        stages = stager.predict(night.psg).stages
        n = min(stages.size, night.stages.size)
        total += confusion_matrix(night.stages[:n], stages[:n])
    metrics = StagingMetrics.from_confusion(total)
    return {"accuracy": metrics.accuracy, "kappa": metrics.kappa, "epochs": int(total.sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--style", default="other spectrum", choices=STYLES[2:])
    parser.add_argument("--steps", type=int, default=300, help="training steps of every run")
    parser.add_argument("--hours", type=float, default=2.0, help="night length")
    parser.add_argument("--base-nights", type=int, default=12)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--test-nights", type=int, default=4)
    parser.add_argument(
        "--keep-normalizer", action="store_true", help="fine-tune with the base's normaliser"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-adaptation")
    parser.add_argument("--json", type=Path, default=RESULTS / "adaptation.json")
    args = parser.parse_args()
    machine = machine_info(torch_threads=set_threads(args.threads))
    start = time.perf_counter()
    keep = ["keep-normalizer"] if args.keep_normalizer else []
    work = args.work / slug(args.style, args.hours, args.steps, *keep)
    base_nights = nights(work, BASE_STYLE, range(3, 10), args.base_nights, args.hours)
    pool = nights(work, args.style, range(10, 20), max(args.sizes), args.hours)
    test = nights(work, args.style, range(0, 2), args.test_nights, args.hours)
    own = nights(work, BASE_STYLE, range(0, 2), args.test_nights, args.hours)
    base = trained(work / "base", cache_of(work, "base", base_nights), args, None)
    rows: dict[str, Any] = {
        "base, own style": evaluate(base, own),
        "base, new style (no adaptation)": evaluate(base, test),
    }

    def save() -> None:
        write_study(
            args,
            "adaptation",
            start,
            machine,
            style=args.style,
            rows=rows,
            nights={
                "base": [n.info["hypnogram"] for n in base_nights],
                "adaptation": [n.info["hypnogram"] for n in pool],
                "test": [n.info["hypnogram"] for n in test],
            },
        )

    save()
    for size in args.sizes:
        cache = cache_of(work, f"adapt-{size}", pool[:size])
        for label, init in (("fine-tuned", base), ("from scratch", None)):
            run = work / slug(label, size)
            rows[f"{label}, {size} night{'s' if size > 1 else ''}"] = {
                **evaluate(trained(run, cache, args, init), test),
                "nights": size,
            }
            save()
            print(label, size, rows, flush=True)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
