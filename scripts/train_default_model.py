"""Train the bundled demonstration models on a randomised synthetic cohort, reproducibly.

Three SeqSleepNet models are written into ``src/seqsleepnet/resources/models/``,
each with a model card (``.md``), for the channel sets real files have:

- ``seqsleepnet-eeg-eog-emg.pt``: EEG, EOG and chin EMG (AASM, MASS and SHHS
  layouts; the Sleep-EDF layout has no chin EMG, only a 1-Hz envelope);
- ``seqsleepnet-eeg-eog.pt``: EEG and EOG (all four layouts, the usual
  Sleep-EDF set-up);
- ``seqsleepnet-eeg.pt``: EEG only (all four layouts).

Data: one synthetic night per real Sleep-EDF expert hypnogram (in-bed part),
written in one of the four dataset layouts (``aasm``, ``mass``, ``shhs``,
``sleep-edf``) in turn (night k of the sorted hypnograms in layout k mod 4),
with domain randomisation (per-subject and per-night gain, spectral tilt and
band powers, mains, electrode pops, filters, jittered stage signatures;
:mod:`seqsleepnet.data.synthetic.randomise`), so that no single generator
style or layout is learned. The models' preprocessing centres each frequency
bin on its median over the night (``FeatureConfig.recording_center``), so that
gains, units and recording filters cancel out before the model sees a night.
Subject 00 is left out (the demo stages it, and the bundled-model benchmark
scores its nights) and subjects 01 and 02, whose four nights cover the four
layouts, validate. Everything is seeded: the same
command gives the same models.

    python scripts/train_default_model.py --work build/default-model [--steps 3000]
    python scripts/train_default_model.py --work build/smoke --steps 50 --nights 5 --hours 1 \
        --dry-run

The cohort is built once per layout, the layouts in ``--jobs`` processes (a
finished layout is not rebuilt); with ``--only NAME`` one model trains, so
that models can train in separate processes.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import logging
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

from seqsleepnet.data.prepare import prepare_dataset
from seqsleepnet.data.synthetic.cohort import (
    build_cohort,
    packaged_hypnograms,
    sleep_edf_identity,
)
from seqsleepnet.features.config import FeatureConfig
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.features.spectral_shape import SpectralReference, night_spectral_shape
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram
from seqsleepnet.models.checkpoint import load_checkpoint, load_trained, save_checkpoint
from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.loop import train

SEED = 7
LAYOUTS = ("aasm", "mass", "shhs", "sleep-edf")
DEMO_SUBJECT = 0
VALIDATION_SUBJECTS = (1, 2)
MODELS: dict[str, tuple[str, tuple[str, ...]]] = {  # name -> (roles, layouts it trains on)
    "seqsleepnet-eeg-eog-emg": ("eeg,eog,emg", ("aasm", "mass", "shhs")),
    "seqsleepnet-eeg-eog": ("eeg,eog", LAYOUTS),
    "seqsleepnet-eeg": ("eeg", LAYOUTS),
}
PREPROCESSING = Preprocessing(features=FeatureConfig(recording_center=True))
"""The paper's preprocessing, each bin centred on its median over the night (gain-free)."""
OUT = Path(__file__).resolve().parents[1] / "src" / "seqsleepnet" / "resources" / "models"
_DONE = ".cohort-done"


def model_card(
    name: str,
    roles: str,
    layouts: tuple[str, ...],
    preprocessing: str,
    config: TrainConfig,
    result: dict[str, object],
) -> str:
    return f"""# {name}

**A demonstration model. It was trained on synthetic PSG only and is NOT validated on real
recordings. Do not use its stages for clinical or research conclusions; train a model on
real data with `seqsleepnet prepare` and `seqsleepnet train` (or fine-tune this one on a few
scored nights of your own with `seqsleepnet train --init-from`).**

- Architecture: SeqSleepNet (Phan et al. 2019), GRU cells, shared output layer,
  L = {config.seq_len}; channel roles: {roles.upper()} (found by the alias table in each layout).
- Preprocessing (stored in the checkpoint, applied by `seqsleepnet stage`): {preprocessing}.
  `seqsleepnet models --checkpoint {name}.pt` prints every setting.
- Training data: synthetic nights from `scripts/train_default_model.py` (seed {SEED}) in the
  {", ".join(layouts)} layouts: one night per real Sleep-EDF expert hypnogram (sleep-cassette
  subjects 03-19, in-bed part), each in one layout in turn; subjects 01 and 02 validated,
  subject 00 never seen (used by the demo and the bundled-model benchmark).
- Domain randomisation of every night: gain per subject and night (0.3-3x), spectral tilt
  and band-power perturbation per channel, 50/60 Hz mains and electrode pops, recording
  filter edges, jittered spindle density, alpha power, delta amplitude and REM density.
- Recording centering: each channel's log-magnitude bins are centred on their median over the
  night before the training-set normalisation, so that a fixed gain, unit or filter response
  of the recording chain does not reach the model (a setting of the stored preprocessing).
  The checkpoint also holds the spectral shapes of the training nights (mean and spread per
  bin), against which `stage` measures each night (a `distribution` quality flag).
- Protocol: Adam {config.learning_rate:g}, batch {config.batch_size}, {config.max_steps} steps,
  validation every {config.eval_every} steps, best validation accuracy kept; trained with
  `python scripts/train_default_model.py --only {name} --threads {config.threads}` (PyTorch's
  results depend on the thread count, so the same count gives the same weights).
- Best validation accuracy on the synthetic validation subjects: {result["best"]:.3f}
  (step {result["step"]}). A figure on synthetic data, not a clinical accuracy.
"""


def _hypnograms(work: Path, nights: int | None, hours: float | None) -> Path:
    """The packaged hypnograms, or the first ``nights`` of them cut to ``hours`` (smoke runs)."""
    source = packaged_hypnograms()
    if nights is None and hours is None:
        return source
    subset = work / "hypnograms"
    subset.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("SC4*-Hypnogram.edf"))[:nights]:
        hypnogram = read_hypnogram(path).in_bed()
        if hours is not None:
            hypnogram = hypnogram.crop(hypnogram.onset, hypnogram.onset + hours * 3600)
        write_hypnogram(hypnogram, subset / path.name)
    return subset


def _build_layout(hypnograms: Path, work: Path, index: int) -> None:
    layout = LAYOUTS[index]
    folder = work / "cohort" / layout
    if (folder / _DONE).is_file():
        return
    chosen = work / "hypnograms-by-layout" / layout
    chosen.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in hypnograms.iterdir() if p.name.endswith("-Hypnogram.edf"))
    for k, source in enumerate(sources):
        if k % len(LAYOUTS) == index and not (chosen / source.name).exists():
            (chosen / source.name).symlink_to(source.resolve())
    written = build_cohort(
        chosen, folder, layout=layout, seed=SEED + index, randomise=True, progress=False
    )
    pairs = [[str(f.psg.resolve()), str(f.hypnogram.resolve())] for f in written]
    (folder / "files.json").write_text(json.dumps(pairs))
    (folder / _DONE).touch()


def build_layouts(work: Path, hypnograms: Path, jobs: int) -> dict[str, list[list[str]]]:
    """Write the randomised nights of each layout; its rows: psg, hypnogram, subject, night."""
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        done = pool.map(_build_layout, [hypnograms] * 4, [work] * 4, range(len(LAYOUTS)))
        list(done)  # raise a worker's error here
    rows: dict[str, list[list[str]]] = {}
    for layout in LAYOUTS:
        folder = work / "cohort" / layout
        chosen = sorted((work / "hypnograms-by-layout" / layout).iterdir())
        pairs = json.loads((folder / "files.json").read_text())
        rows[layout] = []
        for source, (psg, hypnogram) in zip(chosen, pairs, strict=True):
            subject, night = sleep_edf_identity(source)
            rows[layout].append([psg, hypnogram, f"s{subject:02d}", str(night)])
    return rows


def write_manifest(path: Path, rows: dict[str, list[list[str]]], layouts: tuple[str, ...]) -> Path:
    """A ``folder``-source manifest of the nights of some layouts."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["psg", "hypnogram", "subject", "night", "recording"])
        for layout in layouts:
            for psg, hypnogram, subject, night in rows[layout]:
                writer.writerow([psg, hypnogram, subject, night, f"{layout}-{Path(psg).stem}"])
    return path


def spectral_reference(manifest: Path, roles: str) -> SpectralReference:
    """The spectral shapes of a model's training nights (validation and held-out left out)."""
    prep = dataclasses.replace(PREPROCESSING, roles=tuple(roles.split(",")))
    left_out = {f"s{s:02d}" for s in (DEMO_SUBJECT, *VALIDATION_SUBJECTS)}
    with manifest.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["subject"] not in left_out]
    return SpectralReference.fit([night_spectral_shape(prep.read(r["psg"]), prep) for r in rows])


def attach_reference(checkpoint: Path, reference: SpectralReference) -> None:
    """Store the training nights' spectral reference in a checkpoint (for the quality flags)."""
    model, extra = load_checkpoint(checkpoint)
    extra["spectral_reference"] = reference.to_dict()
    save_checkpoint(checkpoint, model, extra=extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("build/default-model"))
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2, help="Layouts built side by side.")
    parser.add_argument("--only", choices=sorted(MODELS), help="Train one of the models.")
    parser.add_argument("--nights", type=int, help="Use the first N hypnograms (smoke runs).")
    parser.add_argument("--hours", type=float, help="Cut each night to H hours (smoke runs).")
    parser.add_argument(
        "--dry-run", action="store_true", help="Train, but write the models into WORK/models."
    )
    parser.add_argument(
        "--reference-only",
        action="store_true",
        help="Do not train: store the training nights' spectral reference in the models.",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.manual_seed(SEED)
    rows = build_layouts(args.work, _hypnograms(args.work, args.nights, args.hours), args.jobs)
    out = args.work / "models" if args.dry_run else OUT
    out.mkdir(parents=True, exist_ok=True)
    for name, (roles, layouts) in MODELS.items():
        if args.only and name != args.only:
            continue
        manifest = write_manifest(args.work / f"manifest-{name}.csv", rows, layouts)
        if args.reference_only:
            attach_reference(out / f"{name}.pt", spectral_reference(manifest, roles))
            logging.info("%s: spectral reference stored", name)
            continue
        cache = args.work / f"cache-{name}"
        prepare_dataset(
            "folder", manifest, cache, roles=roles, in_bed=False, preprocessing=PREPROCESSING
        )
        config = TrainConfig(
            data=str(cache),
            model="seqsleepnet",
            seq_len=20,
            batch_size=32,
            max_steps=args.steps,
            eval_every=args.eval_every,
            val_subjects=[f"s{subject:02d}" for subject in VALIDATION_SUBJECTS],
            exclude_subjects=[f"s{DEMO_SUBJECT:02d}"],
            seed=SEED,
            device="cpu",
            threads=args.threads,
        )
        started = time.time()
        outcome = train(config, args.work / f"run-{name}", progress=True)
        model, extra = load_checkpoint(outcome.run / "best.pt")
        extra["description"] = f"{name} (demonstration model, synthetic training data)"
        extra["spectral_reference"] = spectral_reference(manifest, roles).to_dict()
        save_checkpoint(out / f"{name}.pt", model, extra=extra)
        prep = load_trained(out / f"{name}.pt")[1].preprocessing.describe()
        result = {"best": outcome.best_accuracy, "step": outcome.best_step}
        card = model_card(name, roles, layouts, prep, config, result)
        (out / f"{name}.md").write_text(card)
        logging.info("%s: best %s in %.0f s", name, json.dumps(result), time.time() - started)


if __name__ == "__main__":
    main()
