"""Train the bundled demonstration models on the synthetic cohort, reproducibly.

Two SeqSleepNet models are written into ``src/seqsleepnet/resources/models/``:
``seqsleepnet-eeg-eog-emg.pt`` (EEG C4-M1, EOG E1-M2, chin EMG) and
``seqsleepnet-eeg.pt`` (EEG only), each with a model card (``.md``).

Data: one synthetic night (AASM montage, 256 Hz) per real Sleep-EDF expert
hypnogram (in-bed part), subjects sharing a synthetic sleeper across their two
nights. Subject 00 is left out entirely (the demo stages it) and subject 01
validates. Everything is seeded: the same command gives the same models.

    python scripts/train_default_model.py --work build/default-model [--steps 3000]

The cohort is built once; with ``--only NAME`` the two models can train in two
processes at the same time.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import torch

from seqsleepnet.data.prepare import prepare_dataset
from seqsleepnet.data.synthetic.cohort import (
    build_cohort,
    packaged_hypnograms,
    write_cohort_manifest,
)
from seqsleepnet.models.checkpoint import load_checkpoint, load_trained, save_checkpoint
from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.loop import train

SEED = 7
LAYOUT = "aasm"
DEMO_SUBJECT = "00"
VALIDATION_SUBJECT = "01"
MODELS = {"seqsleepnet-eeg-eog-emg": "eeg,eog,emg", "seqsleepnet-eeg": "eeg"}
OUT = Path(__file__).resolve().parents[1] / "src" / "seqsleepnet" / "resources" / "models"


def model_card(
    name: str, roles: str, preprocessing: str, config: TrainConfig, result: dict[str, object]
) -> str:
    return f"""# {name}

**A demonstration model. It was trained on synthetic PSG only and is NOT validated on real
recordings. Do not use its stages for clinical or research conclusions; train a model on
real data with `seqsleepnet prepare` and `seqsleepnet train`.**

- Architecture: SeqSleepNet (Phan et al. 2019), GRU cells, shared output layer,
  L = {config.seq_len}; channel roles: {roles.upper()} (AASM montage names: C4-M1, E1-M2,
  Chin1-Chin2; other montages are matched by the alias table).
- Preprocessing (stored in the checkpoint, applied by `seqsleepnet stage`): {preprocessing}.
  `seqsleepnet models --checkpoint {name}.pt` prints every setting.
- Training data: synthetic nights from `scripts/train_default_model.py` (seed {SEED}),
  one per real Sleep-EDF expert hypnogram (sleep-cassette subjects 02-19, in-bed part);
  subject {VALIDATION_SUBJECT} validated, subject {DEMO_SUBJECT} never seen (used by the demo).
- Protocol: Adam {config.lr:g}, batch {config.batch_size}, {config.max_steps} steps,
  validation every {config.eval_every} steps, best validation accuracy kept.
- Best validation accuracy on synthetic subject {VALIDATION_SUBJECT}: {result["best"]:.3f}
  (step {result["step"]}). A figure on synthetic data, not a clinical accuracy.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("build/default-model"))
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", choices=sorted(MODELS), help="Train one of the two models.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.manual_seed(SEED)
    cohort = args.work / "cohort"
    if not (cohort / "manifest.csv").is_file():
        build_cohort(packaged_hypnograms(), cohort, layout=LAYOUT, seed=SEED)
        write_cohort_manifest(cohort)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, roles in MODELS.items():
        if args.only and name != args.only:
            continue
        cache = args.work / f"cache-{name}"
        prepare_dataset("folder", cohort / "manifest.csv", cache, roles=roles, in_bed=False)
        config = TrainConfig(
            data=str(cache),
            model="seqsleepnet",
            seq_len=20,
            batch_size=32,
            lr=1e-4,
            max_steps=args.steps,
            eval_every=args.eval_every,
            val_subjects=[VALIDATION_SUBJECT],
            exclude_subjects=[DEMO_SUBJECT],
            seed=SEED,
            device="cpu",
            threads=args.threads,
        )
        started = time.time()
        outcome = train(config, args.work / f"run-{name}", progress=True)
        model, extra = load_checkpoint(outcome.run / "best.pt")
        extra["description"] = f"{name} (demonstration model, synthetic training data)"
        save_checkpoint(OUT / f"{name}.pt", model, extra=extra)
        prep = load_trained(OUT / f"{name}.pt")[1].preprocessing.describe()
        result = {"best": outcome.best_accuracy, "step": outcome.best_step}
        (OUT / f"{name}.md").write_text(model_card(name, roles, prep, config, result))
        logging.info("%s: best %s in %.0f s", name, json.dumps(result), time.time() - started)


if __name__ == "__main__":
    main()
