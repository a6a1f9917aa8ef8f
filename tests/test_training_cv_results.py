"""Reading finished cross-validation folders, on fake folders written by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.training.cv_results import read_cv_results, validation_curve

SUBJECTS = [f"S{i:02d}" for i in range(6)]
FOLDS = [["S00", "S03"], ["S01", "S04"], ["S02", "S05"]]  # test subjects of folds 0..2


def night(seed: int, subject: str, length: int) -> np.ndarray:
    """True stages of one fake recording (about 5% unscored), shape (length,)."""
    rng = np.random.default_rng([seed, int(subject[1:]), length])
    true = rng.integers(0, 5, length).astype(np.int8)
    true[rng.random(length) < 0.05] = -1
    return true


def predict(true: np.ndarray, error: float, model_seed: int) -> np.ndarray:
    """A prediction that replaces about ``error`` of the stages by random ones."""
    rng = np.random.default_rng([model_seed, true.size, int(error * 1000)])
    wrong = rng.random(true.size) < error
    return np.where(wrong | (true == -1), rng.integers(0, 5, true.size), true).astype(np.int8)


def write_fake_cv(
    folder: Path,
    error: dict[str, float],
    *,
    folds: list[list[str]] = FOLDS,
    seed: int = 0,
    model_seed: int = 1,
    skip: tuple[int, ...] = (),
    curve: tuple[float, ...] = (0.5, 0.6, 0.55),
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Write ``folds.json``, ``fold-k/predictions.npz`` and ``fold-k/run/log.jsonl``.

    Each subject has two recordings of 30 and 41 epochs whose true stages
    depend only on ``seed`` and the subject (so that two fake folders of one
    seed share them); its predictions (drawn with ``model_seed``) are wrong
    on about ``error[subject]`` of them.
    Folds in ``skip`` get no predictions.

    Returns
    -------
    dict
        Subject -> (true, pred) of all its epochs, in recording order.
    """
    folder.mkdir(parents=True)
    subjects = sorted(s for test in folds for s in test)
    rows = [
        {"index": k, "test": test, "val": [], "train": sorted(set(subjects) - set(test))}
        for k, test in enumerate(folds)
    ]
    (folder / "folds.json").write_text(json.dumps({"n_folds": len(folds), "folds": rows}))
    arrays = {}
    for k, test in enumerate(folds):
        run = folder / f"fold-{k}" / "run"
        run.mkdir(parents=True)
        lines = [{"step": 100 * (i + 1), "val_accuracy": a + k / 100} for i, a in enumerate(curve)]
        (run / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
        (run / "config.json").write_text(json.dumps({"model": "fake"}))
        true, pred, owners, offsets = [], [], [], [0]
        for subject in test:
            for length in (30, 41):
                t = night(seed, subject, length)
                p = predict(t, error[subject], model_seed)
                true.append(t)
                pred.append(p)
                owners.append(subject)
                offsets.append(offsets[-1] + length)
            arrays[subject] = (np.concatenate(true[-2:]), np.concatenate(pred[-2:]))
        if k in skip:
            continue
        np.savez(
            folder / f"fold-{k}" / "predictions.npz",
            recordings=np.array([f"{s}N{i}" for i, s in enumerate(owners)]),
            subjects=np.array(owners),
            offsets=np.array(offsets),
            true=np.concatenate(true),
            pred=np.concatenate(pred),
        )
    return arrays


ERRORS = {s: 0.1 + 0.05 * i for i, s in enumerate(SUBJECTS)}


def test_reads_every_subject_with_its_fold(tmp_path: Path) -> None:
    arrays = write_fake_cv(tmp_path / "cv", ERRORS)
    results = read_cv_results(tmp_path / "cv")
    assert results.read == [0, 1, 2] and results.model == "fake"
    assert sorted(results.subjects) == SUBJECTS
    assert results.subjects["S04"].fold == 1 and results.subjects["S04"].recordings == 2
    np.testing.assert_array_equal(results.subjects["S03"].true, arrays["S03"][0])
    np.testing.assert_array_equal(results.subjects["S03"].pred, arrays["S03"][1])
    true, pred = results.pooled()
    assert true.size == pred.size == 6 * 71


def test_unfinished_folds_are_named_or_skipped(tmp_path: Path) -> None:
    write_fake_cv(tmp_path / "cv", ERRORS, skip=(0, 2))
    with pytest.raises(FileFormatError, match=r"fold\(s\) \[0, 2\] of 3 have no predictions"):
        read_cv_results(tmp_path / "cv")
    partial = read_cv_results(tmp_path / "cv", partial=True)
    assert partial.read == [1] and sorted(partial.subjects) == ["S01", "S04"]
    with pytest.raises(FileFormatError, match="no folds file"):
        read_cv_results(tmp_path)


def test_damaged_predictions_name_the_file(tmp_path: Path) -> None:
    write_fake_cv(tmp_path / "cv", ERRORS)
    np.savez(tmp_path / "cv" / "fold-1" / "predictions.npz", true=np.zeros(3))
    with pytest.raises(FileFormatError, match=r"fold-1.predictions.npz: not a predictions file"):
        read_cv_results(tmp_path / "cv")


def test_validation_curve_from_the_log(tmp_path: Path) -> None:
    write_fake_cv(tmp_path / "cv", ERRORS)
    steps, values = validation_curve(tmp_path / "cv", 2)
    assert steps.tolist() == [100, 200, 300]
    np.testing.assert_allclose(values, [0.52, 0.62, 0.57])
    steps, values = validation_curve(tmp_path / "cv", 9)  # no such run: empty
    assert steps.size == values.size == 0


def test_folds_made_with_other_settings_are_not_pooled(tmp_path: Path) -> None:
    write_fake_cv(tmp_path / "cv", ERRORS)
    (tmp_path / "cv" / "fold-2" / "run" / "config.json").write_text(json.dumps({"model": "arnn"}))
    with pytest.raises(ConfigError, match=r'training.model: "fake" fold 0 vs "arnn" fold 2'):
        read_cv_results(tmp_path / "cv")
    write_fake_cv(tmp_path / "recorded", ERRORS)
    contract = {"data": {"settings": "a"}, "training": {"model": "fake"}}
    for k, settings in enumerate(["a", "b", "a"]):
        path = tmp_path / "recorded" / f"fold-{k}" / "predictions.npz"
        with np.load(path) as data:
            arrays = dict(data)
        contract["data"]["settings"] = settings
        np.savez(path, **arrays, contract=np.array(json.dumps(contract)))
    with pytest.raises(ConfigError, match=r'data.settings: "a" fold 0 vs "b" fold 1'):
        read_cv_results(tmp_path / "recorded")
    folds = json.loads((tmp_path / "cv" / "folds.json").read_text())
    folds["shared"] = {"training": {"model": "fake"}}
    (tmp_path / "cv" / "folds.json").write_text(json.dumps(folds))
    with pytest.raises(ConfigError, match=r'"fake" folds.json vs "arnn" fold 2'):
        read_cv_results(tmp_path / "cv")


def test_predictions_of_other_subjects_than_the_fold_tests_are_refused(tmp_path: Path) -> None:
    """A fold's predictions left from another split would replace or drop subjects."""
    write_fake_cv(tmp_path / "cv", ERRORS)
    path = tmp_path / "cv" / "fold-1" / "predictions.npz"
    with np.load(tmp_path / "cv" / "fold-0" / "predictions.npz") as data:
        np.savez(path, **dict(data))  # fold 0's subjects in fold 1
    with pytest.raises(FileFormatError, match=r"fold-1.*holds the predictions of subjects"):
        read_cv_results(tmp_path / "cv")
