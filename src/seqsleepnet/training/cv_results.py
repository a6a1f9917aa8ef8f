"""Read a finished cross-validation folder: every fold's test predictions, per subject.

A cross-validation folder (``seqsleepnet cv``, see
:mod:`seqsleepnet.training.cross_validation`) holds ``folds.json`` and, per
fold, ``fold-k/predictions.npz`` and the training run ``fold-k/run/`` whose
``log.jsonl`` has one line per validation. :func:`read_cv_results` reads
them for the pooled summary (``cv-summary``) and for comparisons of
several cross-validations (``compare``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.data.cache import load_manifest
from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.training.cross_validation import (
    FOLDS_NAME,
    PREDICTIONS_NAME,
    Fold,
    fold_folder,
    read_folds,
)
from seqsleepnet.training.cv_contract import (
    CONTRACT_KEY,
    contract_differences,
    data_identity,
    read_run_training,
)
from seqsleepnet.training.state import read_log

__all__ = ["CVResults", "SubjectPredictions", "read_cv_results", "validation_curve"]


@dataclass(frozen=True)
class SubjectPredictions:
    """The test epochs of one subject (all its recordings, in file order).

    Attributes
    ----------
    subject : str
    fold : int
        The fold that tested it.
    recordings : int
        Number of its recordings.
    true, pred : numpy.ndarray of int8, shape (E,)
        Stages 0..4 (W..REM), -1 unscored.
    recording_ids : tuple of str
        Its recordings, in file order.
    """

    subject: str
    fold: int
    recordings: int
    true: npt.NDArray[np.int8]
    pred: npt.NDArray[np.int8]
    recording_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class CVResults:
    """Test predictions of the folds read from a cross-validation folder.

    Attributes
    ----------
    folder : Path
    folds : list of Fold
        Every fold of ``folds.json`` (read or not).
    read : list of int
        The folds whose predictions were read, in order.
    subjects : dict of str to SubjectPredictions
        One entry per test subject of the read folds, by fold then subject id.
    model : str or None
        Model name of the first read fold's run (``run/config.json``), if any.
    """

    folder: Path
    folds: list[Fold]
    read: list[int]
    subjects: dict[str, SubjectPredictions]
    model: str | None

    def pooled(self) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
        """True and predicted stages of every read test epoch, shape (N,) each."""
        values = list(self.subjects.values())
        if not values:
            empty = np.zeros(0, dtype=np.int8)
            return empty, empty
        return np.concatenate([s.true for s in values]), np.concatenate([s.pred for s in values])


def _finished(folder: Path, folds: list[Fold]) -> list[int]:
    return [f.index for f in folds if (fold_folder(folder, f.index) / PREDICTIONS_NAME).is_file()]


def _fold_contract(folder: Path, index: int, stored: str | None) -> dict[str, Any]:
    """A fold's contract: from its predictions, else (older folds) from its run's
    ``config.json`` and the cache at its ``data`` path, if that is still there."""
    if stored is not None:
        try:
            value = json.loads(stored)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
    run = fold_folder(folder, index) / "run"
    training = read_run_training(run)
    contract: dict[str, Any] = {} if training is None else {"training": training}
    try:  # the cache it names, by content, if it is still there
        data = Path(json.loads((run / "config.json").read_text())["data"])
        contract["data"] = data_identity(*load_manifest(data))
    except (OSError, ValueError, KeyError, TypeError, FileFormatError):
        pass
    return contract


def _check_same_contract(folder: Path, shared: Any, contracts: dict[int, dict[str, Any]]) -> None:
    """Refuse folds trained on other data or with other settings than each other."""
    named = [("folds.json", shared)] if isinstance(shared, dict) else []
    named += [(f"fold {k}", c) for k, c in contracts.items() if c]
    differ = []
    for i, (name, contract) in enumerate(named):
        for other_name, other in named[:i]:
            found = contract_differences(other, contract, names=(other_name, name))
            if found:
                differ += found
                break
    if differ:
        raise ConfigError(
            f"{folder}: its folds were trained on other data or with other settings, so "
            f"they cannot be pooled: {'; '.join(differ[:6])}. Move the folds made differently "
            "(fold-K folders) away and run them again with 'seqsleepnet cv --fold K' and the "
            "data and settings of the others"
        )


def read_cv_results(cv: Path, *, partial: bool = False) -> CVResults:
    """Read the test predictions of a cross-validation folder.

    Parameters
    ----------
    cv : Path
        Folder with ``folds.json`` and ``fold-k/predictions.npz``.
    partial : bool
        Read the folds that have predictions and skip the others (a study
        still running); by default every fold must have them.

    Returns
    -------
    CVResults

    Raises
    ------
    FileFormatError
        If ``folds.json`` is missing or damaged, or (unless ``partial``)
        folds have no predictions yet (all of them are named), or a
        predictions file lacks an array or predicts other subjects than its
        fold tests.
    ConfigError
        If the read folds were trained on other data or with other training
        settings than each other or than ``folds.json`` records.
    """
    folder = Path(cv)
    folds, meta = read_folds(folder)
    done = _finished(folder, folds)
    by_index = {f.index: f for f in folds}
    missing = [f.index for f in folds if f.index not in done]
    if missing and not partial:
        raise FileFormatError(
            folder,
            f"fold(s) {missing} of {len(folds)} have no {PREDICTIONS_NAME}",
            "run 'seqsleepnet cv --fold K' for each of them first",
        )
    subjects: dict[str, SubjectPredictions] = {}
    contracts: dict[int, dict[str, Any]] = {}
    for index in done:
        path = fold_folder(folder, index) / PREDICTIONS_NAME
        try:
            with np.load(path) as data:
                true, pred = data["true"], data["pred"]
                offsets, owners = data["offsets"], data["subjects"]
                names = data.get("recordings")
                contract = str(data["contract"]) if "contract" in data else None
        except (KeyError, ValueError, OSError) as error:
            raise FileFormatError(
                path, f"not a predictions file ({error})", "run that fold again"
            ) from error
        contracts[index] = _fold_contract(folder, index, contract)
        tested = sorted(str(subject) for subject in set(owners.tolist()))
        expected = sorted(by_index[index].test)
        if tested != expected:
            raise FileFormatError(
                path,
                f"holds the predictions of subjects {tested}, but fold {index} of "
                f"{FOLDS_NAME} tests {expected}: predictions of other folds or data",
                f"run fold {index} again ('seqsleepnet cv --fold {index}')",
            )
        for subject in sorted(set(owners.tolist())):
            rows = np.flatnonzero(owners == subject)
            sel = np.concatenate([np.arange(offsets[r], offsets[r + 1]) for r in rows])
            subjects[str(subject)] = SubjectPredictions(
                str(subject),
                index,
                int(rows.size),
                true[sel].astype(np.int8),
                pred[sel].astype(np.int8),
                () if names is None else tuple(str(names[r]) for r in rows),
            )
    _check_same_contract(folder, meta.get(CONTRACT_KEY), contracts)
    model = None
    if done:
        config = fold_folder(folder, done[0]) / "run" / "config.json"
        if config.is_file():
            model = json.loads(config.read_text()).get("model")
    return CVResults(folder, folds, done, subjects, model)


def validation_curve(
    cv: Path, index: int, *, metric: str = "val_accuracy"
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """One validation metric against the step, from ``fold-k/run/log.jsonl``.

    Parameters
    ----------
    cv : Path
        Cross-validation folder.
    index : int
        Fold k.
    metric : str
        Log key (``val_accuracy``, ``val_kappa``, ``val_macro_f1``).

    Returns
    -------
    steps : numpy.ndarray of int64, shape (V,)
    values : numpy.ndarray of float64, shape (V,)
        The validations that logged ``metric`` (V may be 0: no log).
    """
    records = [r for r in read_log(fold_folder(Path(cv), index) / "run") if metric in r]
    return (
        np.array([int(r["step"]) for r in records], dtype=np.int64),
        np.array([float(r[metric]) for r in records], dtype=np.float64),
    )
