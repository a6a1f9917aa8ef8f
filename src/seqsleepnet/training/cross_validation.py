"""Subject-wise cross-validation: folds, one-fold runs, pooled summary.

Each fold has test subjects, validation subjects and training subjects; a
subject (with all its nights) belongs to exactly one of the three sets of a
fold, and every subject is tested in exactly one fold. Folds are a seeded
permutation of the subjects cut into K nearly equal test groups; the
validation subjects of fold k are the first ones of the following folds'
test groups. They are written to ``CV/folds.json`` so that folds run on
different machines agree.

A fold writes ``CV/fold-k/run/`` (a training run) and
``CV/fold-k/predictions.npz`` with, for the test recordings, the arrays
``recordings`` (R,), ``subjects`` (R,), ``offsets`` (R+1,) (recording r owns
epochs ``offsets[r]:offsets[r+1]``), ``true`` (N,) and ``pred`` (N,) int8
stages (-1 unscored), ``probs`` (N, 5) float32 and ``contract`` (a JSON
string, see :mod:`seqsleepnet.training.cv_contract`). :func:`summarize_cv`
pools the predictions of every fold, as the paper computes its metrics.

Folds are pooled, so they must share the data and the training settings:
``folds.json`` records them (its ``"shared"`` entry) when it is made, and a
fold run with other ones is refused. Folders made before that record
existed are checked against their data path and their folds' ``config.json``
at the next fold run, which then records it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seqsleepnet.data.cache import CacheEntry, check_settings, load_manifest
from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.inference import predict_logprobs
from seqsleepnet.io.atomic import atomic_path, atomic_write
from seqsleepnet.models.checkpoint import load_trained
from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.cv_contract import (
    CONTRACT_KEY,
    contract_differences,
    data_identity,
    fold_contract,
    read_run_training,
)
from seqsleepnet.training.datasets import open_arrays
from seqsleepnet.training.loop import resolve_device, train
from seqsleepnet.training.selection import subjects_of
from seqsleepnet.training.state import BEST_NAME, LAST_NAME

__all__ = [
    "FOLDS_NAME",
    "PREDICTIONS_NAME",
    "Fold",
    "check_contract",
    "fold_folder",
    "make_folds",
    "predict_recordings",
    "prepare_folds",
    "read_folds",
    "run_fold",
    "write_folds",
]

logger = logging.getLogger(__name__)

FOLDS_NAME = "folds.json"
PREDICTIONS_NAME = "predictions.npz"


@dataclass(frozen=True)
class Fold:
    """Subjects of one fold."""

    index: int
    test: list[str]
    val: list[str]
    train: list[str]


def make_folds(subjects: list[str], n_folds: int, n_val: int = 1, seed: int = 0) -> list[Fold]:
    """Split subjects into K folds of test, validation and training subjects.

    Parameters
    ----------
    subjects : list of str
        Subject ids (duplicates are merged: nights of one subject stay together).
    n_folds : int
        K >= 2, at most the number of subjects.
    n_val : int
        Validation subjects per fold (0: none; training keeps its last step).
    seed : int
        Seeds the permutation of the subjects.

    Returns
    -------
    list of Fold
        K folds; their test sets partition the subjects.

    Raises
    ------
    ConfigError
        If K or ``n_val`` leaves a fold without training subjects, or two subject ids
        differ only in case or leading zeros (``S01``, ``s1``): one person's nights
        under two ids would be tested in a fold that trained on them.
    """
    pool = sorted(set(subjects))
    _refuse_look_alike_subjects(pool)
    if not 2 <= n_folds <= len(pool):
        raise ConfigError(f"folds={n_folds} must be between 2 and the {len(pool)} subjects")
    groups = [
        [str(s) for s in g]
        for g in np.array_split(np.random.default_rng(seed).permutation(pool), n_folds)
    ]
    largest = max(len(g) for g in groups)
    if n_val < 0 or largest + n_val >= len(pool):
        raise ConfigError(
            f"val-subjects={n_val} with {n_folds} folds of {len(pool)} subjects leaves no "
            f"training subject; choose 0..{len(pool) - largest - 1}"
        )
    folds = []
    for k, test in enumerate(groups):
        following = [s for g in groups[k + 1 :] + groups[:k] for s in g]
        val = sorted(following[:n_val])
        train = sorted(set(pool) - set(test) - set(val))
        folds.append(Fold(k, sorted(test), val, train))
    return folds


def _refuse_look_alike_subjects(subjects: list[str]) -> None:
    """Raise :class:`ConfigError` if two ids differ only in case or leading zeros."""
    seen: dict[str, str] = {}
    for subject in subjects:
        key = re.sub(r"\d+", lambda m: str(int(m.group())), subject.casefold())
        if key in seen:
            raise ConfigError(
                f"subjects {seen[key]!r} and {subject!r} differ only in case or leading zeros; "
                "if they are one person, give all their nights one subject id (the subject "
                "column of a CSV manifest, then prepare again), so that the folds keep them "
                "together; if two people, give them ids that differ otherwise"
            )
        seen[key] = subject


def write_folds(cv: Path, folds: list[Fold], meta: dict[str, Any]) -> Path:
    """Write ``CV/folds.json`` atomically (``meta``: data, seed, n_val, ...)."""
    Path(cv).mkdir(parents=True, exist_ok=True)
    target = Path(cv) / FOLDS_NAME
    with atomic_write(target) as handle:
        json.dump({**meta, "folds": [dataclasses.asdict(f) for f in folds]}, handle, indent=1)
    return target


def read_folds(cv: Path) -> tuple[list[Fold], dict[str, Any]]:
    """Read ``CV/folds.json``.

    Raises
    ------
    FileFormatError
        If it is missing or damaged.
    """
    path = Path(cv) / FOLDS_NAME
    if not path.is_file():
        raise FileFormatError(path, "no folds file", "run 'seqsleepnet cv' on this folder first")
    try:
        payload = json.loads(path.read_text())
        folds = [Fold(**row) for row in payload.pop("folds")]
    except (ValueError, KeyError, TypeError) as error:
        raise FileFormatError(path, f"damaged folds file ({error})") from error
    return folds, payload


def prepare_folds(
    cv: Path,
    data: Path,
    n_folds: int,
    n_val: int,
    seed: int,
    *,
    config: TrainConfig | None = None,
) -> list[Fold]:
    """Folds for ``data``: read from ``CV/folds.json`` or made and written there.

    Parameters
    ----------
    config : TrainConfig, optional
        The folds' training settings: recorded in a new ``folds.json`` and
        checked against an existing one (see :func:`check_contract`).

    Raises
    ------
    ConfigError
        If an existing folds file was made with other settings, subjects or
        (with ``config``) other data or training settings.
    """
    entries, info = load_manifest(data)
    subjects = subjects_of(entries)
    meta = {"n_folds": n_folds, "n_val": n_val, "seed": seed, "subjects": subjects}
    if (Path(cv) / FOLDS_NAME).is_file():
        folds, saved = read_folds(cv)
        differ = sorted(k for k, v in meta.items() if saved.get(k) != v)
        if differ:
            raise ConfigError(
                f"{Path(cv) / FOLDS_NAME} was made with other {differ}; use the same "
                "--folds/--val-subjects/--seed and data, or another output folder"
            )
        if config is not None:
            check_contract(cv, config, entries, info)
        return folds
    folds = make_folds(subjects, n_folds, n_val, seed)
    extra: dict[str, Any] = {"data": str(data)}
    if config is not None:
        extra[CONTRACT_KEY] = fold_contract(config, entries, info)
    write_folds(cv, folds, {**meta, **extra})
    return folds


def check_contract(
    cv: Path, config: TrainConfig, entries: list[CacheEntry], info: dict[str, Any]
) -> None:
    """Refuse to run a fold with other data or training settings than the folder's.

    The data are compared by content (manifest settings and recordings), not
    by path. A ``folds.json`` without the record (made by an earlier
    version) is compared with the cache at its ``data`` path, if that is
    still there, and with the ``run/config.json`` of its folds; if they
    agree, the record is added to ``folds.json``.

    Parameters
    ----------
    cv : Path
        Cross-validation folder with ``folds.json``.
    config : TrainConfig
        The settings of the fold about to run.
    entries, info : list of CacheEntry, dict
        The manifest of ``config.data``.

    Raises
    ------
    ConfigError
        Naming every difference.
    """
    current = fold_contract(config, entries, info)
    folds, meta = read_folds(cv)
    saved = meta.get(CONTRACT_KEY)
    if isinstance(saved, dict):
        differ = contract_differences(saved, current, names=("in folds.json", "now"))
    else:
        differ = []
        old_data = meta.get("data")
        if old_data and (Path(old_data) / "manifest.json").is_file():
            try:
                then = data_identity(*load_manifest(Path(old_data)))
            except FileFormatError:
                then = None
            if then is not None:
                differ += contract_differences(
                    {"data": then}, current, names=(f"in {old_data}", f"in {config.data}")
                )
        for fold in folds:
            training = read_run_training(fold_folder(cv, fold.index) / "run")
            if training is not None:
                differ += contract_differences(
                    {"training": training}, current, names=(f"in fold {fold.index}", "now")
                )
    if differ:
        raise ConfigError(
            f"{Path(cv) / FOLDS_NAME}: the folds of this cross-validation were made with other "
            f"data or settings: {'; '.join(differ)}. Run every fold with the same data (by "
            "content) and training settings, or give another --out folder"
        )
    if saved is None and int(os.environ.get("RANK", "0")) == 0:
        write_folds(cv, folds, {**meta, CONTRACT_KEY: current})
        logger.info("recorded the data and settings the folds share in %s", cv)


def fold_folder(cv: Path, index: int) -> Path:
    """``CV/fold-k``."""
    return Path(cv) / f"fold-{index}"


def predict_recordings(
    checkpoint: Path,
    data: Path,
    entries: list[CacheEntry],
    *,
    batch_size: int = 64,
    device: str = "auto",
) -> dict[str, np.ndarray]:
    """Stage cached recordings with a checkpoint (stride-1 windows, aggregated).

    Returns
    -------
    dict
        The arrays of ``predictions.npz`` (see the module docstring).

    Raises
    ------
    ConfigError
        If a recording was prepared with other settings than the manifest's.
    """
    check_settings(Path(data), entries, load_manifest(Path(data))[1])
    model, model_input, extra = load_trained(checkpoint)
    dev = resolve_device(device)
    model.to(dev)
    seq_len = int(extra["seq_len"])
    true, pred, probs, offsets = [], [], [], [0]
    for entry in entries:
        arrays = open_arrays(data, entry)
        x = model_input.of_cached(arrays)
        lp = predict_logprobs(model, x, seq_len, batch_size=batch_size, device=dev)  # (E, K)
        true.append(np.asarray(arrays["labels"], dtype=np.int8))
        pred.append(lp.argmax(axis=1).astype(np.int8))
        probs.append(np.exp(lp).astype(np.float32))
        offsets.append(offsets[-1] + lp.shape[0])
    return {
        "recordings": np.array([e.recording for e in entries]),
        "subjects": np.array([e.subject for e in entries]),
        "offsets": np.array(offsets, dtype=np.int64),
        "true": np.concatenate(true),
        "pred": np.concatenate(pred),
        "probs": np.concatenate(probs),
    }


def run_fold(cv: Path, index: int, base: TrainConfig, *, progress: bool = False) -> Path:
    """Train fold ``index`` of ``CV/folds.json`` and predict its test subjects.

    The run is resumed when ``CV/fold-k/run/last.pt`` exists (an interrupted
    fold). Under ``torchrun`` every process trains and rank 0 predicts.

    Parameters
    ----------
    cv : Path
        Cross-validation folder with ``folds.json``.
    index : int
        Fold number 0..K-1.
    base : TrainConfig
        Training settings; subjects are set from the fold.

    Returns
    -------
    Path
        ``CV/fold-k/predictions.npz`` (on every rank).

    Raises
    ------
    ConfigError
        If ``index`` is not a fold of ``folds.json``, the data or settings
        differ from those of the folder's folds (:func:`check_contract`), or a
        test recording was prepared with other settings than the manifest's.
    """
    folds, _ = read_folds(cv)
    if not 0 <= index < len(folds):
        raise ConfigError(f"fold {index} does not exist; folds are 0..{len(folds) - 1}")
    fold = folds[index]
    config = dataclasses.replace(
        base, val_subjects=fold.val, train_subjects=fold.train, exclude_subjects=fold.test
    )
    entries, info = load_manifest(Path(config.data))
    test_entries = [e for e in entries if e.subject in set(fold.test)]
    check_settings(Path(config.data), test_entries, info)  # before hours of training
    check_contract(cv, config, entries, info)
    contract = fold_contract(config, entries, info)
    folder = fold_folder(cv, index)
    run = folder / "run"
    resume = (run / LAST_NAME).is_file()
    result = train(config, run, resume=resume, progress=progress)
    target = folder / PREDICTIONS_NAME
    if int(os.environ.get("RANK", "0")) != 0:
        return target
    arrays = predict_recordings(
        run / BEST_NAME,
        Path(config.data),
        test_entries,
        batch_size=config.eval_batch_size,
        device=config.device,
    )
    with atomic_path(target) as tmp:
        arrays["fold"] = np.array(index)
        arrays["best_step"] = np.array(result.best_step)
        arrays["contract"] = np.array(json.dumps(contract, sort_keys=True))
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
    logger.info("fold %d: %d test epochs -> %s", index, arrays["true"].size, target)
    return target
