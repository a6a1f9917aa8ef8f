"""How hard is the synthetic cohort for per-epoch classifiers?

Builds (in memory, arrays only) one synthetic night per real Sleep-EDF
hypnogram packaged with seqsleepnet (39 nights, 20 subjects; a subject's two
nights share a ``SubjectProfile``), keeps the in-bed part (30 min of wake
before the first and after the last sleep epoch), computes a handful of
band-power features per 30-s epoch and trains LightGBM with 5-fold
subject-wise cross-validation:

(a) single epoch: the epoch's own features;
(b) with context: the features of the epochs +-2 around it added.

On real PSG such feature models reach roughly 70-85% accuracy with N1 the
weakest stage, and context helps; the generator is tuned so that the same
holds here. Unscored epochs are generated (as movement time) but not scored.

Usage::

    python benchmarks/synthetic_difficulty.py [--json OUT] [--subjects 20] [--fs 200]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
from importlib import resources
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import scipy.signal
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score
from sklearn.model_selection import GroupKFold

from seqsleepnet.data.synthetic import SyntheticNight, generate_night
from seqsleepnet.data.synthetic.profile import SubjectProfile, subject_rng
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.stages import STAGE_NAMES

BANDS = {
    "delta": (0.5, 2.0),
    "delta2": (2.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 12.0),
    "sigma": (11.0, 16.0),
    "beta": (16.0, 30.0),
}


def packaged_hypnograms() -> list[Path]:
    """The 39 Sleep-EDF hypnograms shipped with the package, sorted by name."""
    folder = resources.files("seqsleepnet") / "resources" / "hypnograms"
    return sorted(Path(str(folder)).glob("SC4*-Hypnogram.edf"))


def _log_band(
    freqs: npt.NDArray[np.float64], psd: npt.NDArray[np.float64], low: float, high: float
) -> npt.NDArray[np.float64]:
    keep = (freqs >= low) & (freqs < high)
    return np.log10(psd[:, keep].sum(axis=1) + 1e-6)


def epoch_features(night: SyntheticNight) -> tuple[npt.NDArray[np.float64], list[str]]:
    """Band-power features per epoch, shape (E, F), and their names."""
    fs = night.fs
    freqs, eeg = scipy.signal.welch(night.epochs("eeg_frontal"), fs, nperseg=int(2 * fs), axis=-1)
    total = eeg[:, (freqs >= 0.5) & (freqs < 30)].sum(axis=1)
    columns: dict[str, npt.NDArray[np.float64]] = {"eeg_total": np.log10(total)}
    for name, (lo, hi) in BANDS.items():
        columns[f"eeg_{name}"] = _log_band(freqs, eeg, lo, hi)
        columns[f"eeg_rel_{name}"] = columns[f"eeg_{name}"] - columns["eeg_total"]
    _, occ = scipy.signal.welch(night.epochs("eeg_occipital"), fs, nperseg=int(2 * fs), axis=-1)
    columns["occ_alpha_rel"] = _log_band(freqs, occ, 8, 12) - _log_band(freqs, occ, 0.5, 30)
    horizontal = night.epochs("eog_left") - night.epochs("eog_right")
    _, eog = scipy.signal.welch(horizontal, fs, nperseg=int(4 * fs), axis=-1)
    f_eog = np.fft.rfftfreq(int(4 * fs), 1 / fs)
    columns["eog_low"] = _log_band(f_eog, eog, 0.3, 2.0)
    columns["eog_high"] = _log_band(f_eog, eog, 2.0, 10.0)
    _, emg = scipy.signal.welch(night.epochs("emg"), fs, nperseg=int(fs), axis=-1)
    f_emg = np.fft.rfftfreq(int(fs), 1 / fs)
    columns["emg_power"] = _log_band(f_emg, emg, 12.0, min(90.0, 0.45 * fs))
    return np.stack(list(columns.values()), axis=1), list(columns)


def with_context(x: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.float64]:
    """Append the features of the ``k`` epochs on each side (edges repeated)."""
    padded = np.concatenate([np.repeat(x[:1], k, 0), x, np.repeat(x[-1:], k, 0)])
    shifted = [padded[k + d : k + d + len(x)] for d in range(-k, k + 1) if d != 0]
    return np.concatenate([x, *shifted], axis=1)


def build(subjects: int, seed: int, fs: float, context: int) -> dict[str, Any]:
    """Generate the cohort and its features; unscored epochs are dropped after context."""
    single, contextual, labels, groups = [], [], [], []
    profiles: dict[int, SubjectProfile] = {}
    for path in packaged_hypnograms():
        subject = int(path.name[3:5])
        if subject >= subjects:
            continue
        night_index = int(path.name[5])
        hyp = read_hypnogram(path).in_bed(30.0)
        profile = profiles.setdefault(subject, SubjectProfile.draw(subject_rng(seed, subject)))
        night = generate_night(
            hyp.stages, profile=profile, seed=seed, subject=subject, night=night_index, fs=fs
        )
        x, names = epoch_features(night)
        keep = hyp.stages >= 0
        single.append(x[keep])
        contextual.append(with_context(x, context)[keep])
        labels.append(hyp.stages[keep])
        groups.append(np.full(int(keep.sum()), subject))
    return {
        "single": np.concatenate(single),
        "context": np.concatenate(contextual),
        "y": np.concatenate(labels).astype(int),
        "groups": np.concatenate(groups),
        "features": names,
        "nights": len(labels),
    }


def cross_validate(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.int_],
    groups: npt.NDArray[np.int_],
    folds: int,
    seed: int,
    threads: int,
) -> dict[str, Any]:
    """Pooled subject-wise cross-validated predictions and their metrics."""
    predicted = np.empty_like(y)
    for train, test in GroupKFold(n_splits=folds).split(x, y, groups):
        model = lgb.LGBMClassifier(
            n_estimators=300,
            learning_rate=0.05,
            num_leaves=31,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=seed,
            n_jobs=threads,
            verbose=-1,
        )
        model.fit(x[train], y[train])
        predicted[test] = model.predict(x[test])
    per_stage = f1_score(y, predicted, labels=range(5), average=None)
    return {
        "accuracy": float(accuracy_score(y, predicted)),
        "kappa": float(cohen_kappa_score(y, predicted)),
        "macro_f1": float(f1_score(y, predicted, average="macro")),
        "per_stage_f1": {name: float(v) for name, v in zip(STAGE_NAMES, per_stage, strict=True)},
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument("--subjects", type=int, default=20, help="subjects 0..N-1 (max 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fs", type=float, default=200.0, help="generator base rate, Hz")
    parser.add_argument("--context", type=int, default=2, help="neighbours on each side")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    data = build(args.subjects, args.seed, args.fs, args.context)
    generated = time.perf_counter() - start
    y, groups = data["y"], data["groups"]
    results: dict[str, Any] = {}
    for name in ("single", "context"):
        results[name] = cross_validate(data[name], y, groups, args.folds, args.seed, args.threads)
    elapsed = time.perf_counter() - start

    header = f"{'model':<22}{'acc':>7}{'kappa':>7}{'MF1':>7}" + "".join(
        f"{s:>7}" for s in STAGE_NAMES
    )
    print(
        f"{data['nights']} nights, {len(y)} scored epochs, "
        f"{len(np.unique(groups))} subjects, {args.folds}-fold subject-wise CV"
    )
    print(header)
    labels = {"single": "(a) single epoch", "context": f"(b) +-{args.context} epochs"}
    for name, r in results.items():
        print(
            f"{labels[name]:<22}{r['accuracy']:7.3f}{r['kappa']:7.3f}{r['macro_f1']:7.3f}"
            + "".join(f"{r['per_stage_f1'][s]:7.3f}" for s in STAGE_NAMES)
        )
    print(f"generation + features {generated:.0f} s, total {elapsed:.0f} s")

    report = {
        "single_epoch": results["single"],
        "with_context": results["context"],
        "epochs": len(y),
        "nights": data["nights"],
        "subjects": len(np.unique(groups)),
        "class_counts": {s: int((y == i).sum()) for i, s in enumerate(STAGE_NAMES)},
        "features": data["features"],
        "settings": vars(args) | {"json": str(args.json) if args.json else None},
        "seconds": round(elapsed, 1),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "processor": platform.processor(),
        },
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
