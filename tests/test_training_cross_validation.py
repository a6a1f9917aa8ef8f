"""Subject-wise folds, a full 5-fold run on tiny data, and the pooled summary."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from seqsleepnet.data.cache import load_manifest, save_manifest
from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.evaluation.metrics import compute_metrics
from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.cross_validation import (
    make_folds,
    predict_recordings,
    prepare_folds,
    read_folds,
    run_fold,
)
from seqsleepnet.training.cv_summary import summarize_cv
from test_training_datasets import make_toy_cache

SMALL = {"n_filters": 4, "epoch_hidden": 6, "attention_size": 6, "sequence_hidden": 6}


def test_folds_partition_subjects_and_never_straddle() -> None:
    subjects = [f"S{i:02d}" for i in range(11)]
    folds = make_folds(subjects + subjects[:3], n_folds=4, n_val=2, seed=3)  # duplicates merge
    tests = [s for f in folds for s in f.test]
    assert sorted(tests) == subjects  # every subject tested exactly once
    for f in folds:
        assert not set(f.test) & set(f.val) and not set(f.test) & set(f.train)
        assert not set(f.val) & set(f.train)
        assert sorted(f.test + f.val + f.train) == subjects and len(f.val) == 2
    assert make_folds(subjects, 4, 2, seed=3) == folds  # deterministic
    assert make_folds(subjects, 4, 2, seed=4) != folds
    assert {len(f.test) for f in folds} == {2, 3}


def test_bad_fold_settings_raise(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="between 2 and the 3 subjects"):
        make_folds(["a", "b", "c"], 4)
    with pytest.raises(ConfigError, match="leaves no training subject"):
        make_folds(["a", "b", "c"], 3, n_val=2)
    with pytest.raises(FileFormatError, match="no folds file"):
        read_folds(tmp_path)


def test_five_fold_cv_end_to_end(tmp_path: Path) -> None:
    cache = make_toy_cache(tmp_path / "cache", n_subjects=5, nights=2, n_epochs=20, seed=2)
    cv = tmp_path / "cv"
    folds = prepare_folds(cv, cache, n_folds=5, n_val=1, seed=0)
    base = TrainConfig(
        data=str(cache),
        model_config=SMALL,
        seq_len=4,
        batch_size=16,
        epochs=1,
        lr=3e-3,
        eval_every=4,
        threads=1,
    )
    with pytest.raises(FileFormatError, match=r"fold\(s\) \[0, 1, 2, 3, 4\]"):
        summarize_cv(cv)
    for fold in folds[:4]:
        run_fold(cv, fold.index, base)
    with pytest.raises(FileFormatError, match=r"fold\(s\) \[4\] of 5"):
        summarize_cv(cv)
    run_fold(cv, 4, base)
    summary = summarize_cv(cv)
    # pooled metrics equal the metrics of all test predictions together
    true, pred, recordings = [], [], []
    for k in range(5):
        with np.load(cv / f"fold-{k}" / "predictions.npz") as data:
            true.append(data["true"])
            pred.append(data["pred"])
            recordings += data["recordings"].tolist()
            np.testing.assert_allclose(data["probs"].sum(axis=1), 1.0, atol=1e-5)
            assert set(data["subjects"].tolist()) == set(folds[k].test)
    assert sorted(recordings) == [f"S{s:02d}N{n}" for s in range(5) for n in (1, 2)]
    expected = compute_metrics(np.concatenate(true), np.concatenate(pred))
    assert summary.metrics.accuracy == pytest.approx(expected.accuracy)
    assert summary.metrics.epochs == 200 - int((np.concatenate(true) == -1).sum())
    saved = json.loads((cv / "metrics.json").read_text())
    assert saved["kappa"] == pytest.approx(expected.kappa) and saved["folds"] == 5
    assert "| seqsleepnet |" in (cv / "summary.md").read_text()
    per_subject = pd.read_csv(cv / "per_subject.tsv", sep="\t")
    assert sorted(per_subject["subject"]) == [f"S{s:02d}" for s in range(5)]
    assert (per_subject["recordings"] == 2).all()
    image = imread(cv / "confusion.png")
    assert image.ndim == 3 and image.shape[0] > 200 and image.std() > 0.05
    with pytest.raises(ConfigError, match="other"):
        prepare_folds(cv, cache, n_folds=4, n_val=1, seed=0)
    with pytest.raises(ConfigError, match="fold 7 does not exist"):
        run_fold(cv, 7, base)


def _tiny(cache: Path, **changes: object) -> TrainConfig:
    values: dict = dict(
        data=str(cache),
        model_config=SMALL,
        seq_len=4,
        batch_size=8,
        epochs=1,
        max_steps=1,
        lr=3e-3,
        eval_every=4,
        threads=1,
    )
    values.update(changes)
    return TrainConfig(**values)


def test_a_fold_with_other_data_or_settings_is_refused(tmp_path: Path) -> None:
    cache = make_toy_cache(tmp_path / "cache", n_subjects=3, n_epochs=12, seed=1)
    cv = tmp_path / "cv"
    prepare_folds(cv, cache, n_folds=3, n_val=0, seed=0, config=_tiny(cache))
    shared = json.loads((cv / "folds.json").read_text())["shared"]
    assert shared["training"]["model"] == "seqsleepnet" and "device" not in shared["training"]
    assert shared["data"]["recordings"] == {"S00N1": 12, "S01N1": 12, "S02N1": 12}
    run_fold(cv, 0, _tiny(cache))
    with pytest.raises(ConfigError, match=r"training\.lr: 0\.003 in folds.json vs 0\.01 now"):
        run_fold(cv, 1, _tiny(cache, lr=1e-2))
    with pytest.raises(ConfigError, match=r"training\.model: \"seqsleepnet\" in folds.json vs"):
        run_fold(cv, 1, _tiny(cache, model="arnn", model_config={}))
    other = make_toy_cache(tmp_path / "other", n_subjects=3, n_epochs=10, seed=1)
    with pytest.raises(ConfigError, match=r"data\.recordings: 3 recordings \(36 epochs\)"):
        run_fold(cv, 1, _tiny(other))
    with pytest.raises(ConfigError, match=r"data\.recordings"):
        prepare_folds(cv, other, n_folds=3, n_val=0, seed=0, config=_tiny(other))
    assert not (cv / "fold-1").exists()  # refused before training
    moved = tmp_path / "moved"
    shutil.copytree(cache, moved)  # the same data elsewhere, on another device setting
    run_fold(cv, 1, _tiny(moved, threads=2, device="cpu", eval_batch_size=5))
    with np.load(cv / "fold-1" / "predictions.npz") as data:
        assert json.loads(str(data["contract"])) == shared


def test_a_folder_made_before_the_record_keeps_working(tmp_path: Path) -> None:
    cache = make_toy_cache(tmp_path / "cache", n_subjects=3, n_epochs=12, seed=1)
    cv = tmp_path / "cv"
    prepare_folds(cv, cache, n_folds=3, n_val=0, seed=0)  # no config: as older versions wrote
    legacy = json.loads((cv / "folds.json").read_text())
    assert "shared" not in legacy and legacy["data"] == str(cache)
    run_fold(cv, 0, _tiny(cache))
    recorded = json.loads((cv / "folds.json").read_text())
    assert recorded["shared"]["training"]["lr"] == 3e-3  # recorded at the next fold run
    assert recorded["folds"] == legacy["folds"] and recorded["data"] == legacy["data"]
    assert (cv / "fold-0" / "predictions.npz").is_file()

    old = tmp_path / "old"  # an older folder whose finished fold used another lr
    prepare_folds(old, cache, n_folds=3, n_val=0, seed=0)
    (old / "fold-0" / "run").mkdir(parents=True)
    _tiny(cache, lr=1e-2).save(old / "fold-0" / "run")
    with pytest.raises(ConfigError, match=r"training\.lr: 0\.01 in fold 0 vs 0\.003 now"):
        run_fold(old, 1, _tiny(cache))
    assert "shared" not in json.loads((old / "folds.json").read_text())
    other = make_toy_cache(tmp_path / "other", n_subjects=3, n_epochs=10, seed=1)
    with pytest.raises(ConfigError, match=r"data\.recordings: .* in .*cache vs .* in .*other"):
        run_fold(old, 1, _tiny(other, lr=1e-2))


def test_test_recordings_prepared_with_other_settings_are_refused(tmp_path: Path) -> None:
    cache = make_toy_cache(tmp_path / "cache", n_subjects=3, n_epochs=12, seed=1)
    cv = tmp_path / "cv"
    folds = prepare_folds(cv, cache, n_folds=3, n_val=0, seed=0, config=_tiny(cache))
    entries, info = load_manifest(cache)
    tested = folds[0].test[0]
    stale = [dataclasses.replace(e, settings="old") if e.subject == tested else e for e in entries]
    save_manifest(cache, stale, info)
    with pytest.raises(ConfigError, match=r"prepared with other settings than the manifest's"):
        run_fold(cv, 0, _tiny(cache))
    assert not (cv / "fold-0").exists()  # refused before training
    with pytest.raises(ConfigError, match=rf"\['{tested}N1'\]"):
        predict_recordings(cv / "none.pt", cache, [e for e in stale if e.subject == tested])


@pytest.mark.parametrize(("one", "other"), [("S01", "s01"), ("S01", "S1"), ("p007", "P7")])
def test_subject_ids_that_differ_only_in_case_or_zeros_are_refused(one: str, other: str) -> None:
    """One person under two ids would be tested in a fold that trained on their other night."""
    with pytest.raises(ConfigError, match=f"subjects '{one}' and '{other}'|'{other}' and '{one}'"):
        make_folds([one, other, "S02", "S03", "S04"], 2)
    assert len(make_folds(["S01", "S10", "S2", "S20"], 2)) == 2  # different numbers: fine
