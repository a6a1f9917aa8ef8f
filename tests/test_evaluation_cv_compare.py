"""Comparing fake cross-validation folders, checked against scikit-learn and NumPy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from sklearn import metrics as skm

from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.evaluation.cv_compare import (
    COMPARISON_FILES,
    compare_cv,
    compare_results,
    write_comparison,
)
from seqsleepnet.training.cv_results import read_cv_results
from test_evaluation_paired import plain_bootstrap
from test_training_cv_results import ERRORS, SUBJECTS, write_fake_cv

WORSE = {s: e + 0.2 for s, e in ERRORS.items()}


def scored(true: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = true != -1
    return true[keep], pred[keep]


def sk_values(true: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    t, p = scored(true, pred)
    return {
        "accuracy": skm.accuracy_score(t, p),
        "kappa": skm.cohen_kappa_score(t, p),
        "macro_f1": skm.f1_score(t, p, average="macro", labels=range(5), zero_division=0),
    }


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path, dict, dict]:
    good = write_fake_cv(tmp_path / "good", ERRORS, model_seed=1)
    bad = write_fake_cv(tmp_path / "bad", WORSE, model_seed=2)
    return tmp_path / "good", tmp_path / "bad", good, bad


def test_pooled_metrics_match_scikit_learn(folders: tuple[Path, Path, dict, dict]) -> None:
    a, b, arrays_a, _ = folders
    comparison = compare_cv([a, b], n_boot=100)
    assert [r.label for r in comparison.runs] == ["good", "bad"]
    t, p = scored(
        np.concatenate([arrays_a[s][0] for s in SUBJECTS]),
        np.concatenate([arrays_a[s][1] for s in SUBJECTS]),
    )
    pooled = comparison.reference.pooled
    assert pooled.epochs == t.size
    assert pooled.accuracy == pytest.approx(skm.accuracy_score(t, p))
    assert pooled.kappa == pytest.approx(skm.cohen_kappa_score(t, p))
    assert pooled.macro_f1 == pytest.approx(skm.f1_score(t, p, average="macro"))
    assert pooled.sensitivity == pytest.approx(skm.recall_score(t, p, average="macro"))
    f1 = skm.f1_score(t, p, average=None, labels=range(5))
    assert [pooled.per_stage[s]["f1"] for s in ("W", "N1", "N2", "N3", "REM")] == pytest.approx(f1)
    table = comparison.pooled_table()
    assert f"| good | {100 * pooled.accuracy:.1f} | {pooled.kappa:.3f} |" in table


def test_paired_differences_match_a_direct_computation(
    folders: tuple[Path, Path, dict, dict],
) -> None:
    a, b, arrays_a, arrays_b = folders
    comparison = compare_cv([a, b], n_boot=300, seed=4)
    for metric in ("accuracy", "kappa", "macro_f1"):
        diff = np.array(
            [sk_values(*arrays_b[s])[metric] - sk_values(*arrays_a[s])[metric] for s in SUBJECTS]
        )
        d = comparison.differences["bad"][metric]
        assert d.subjects == SUBJECTS
        np.testing.assert_allclose(d.differences, diff, atol=1e-12)
        assert d.mean == pytest.approx(diff.mean())
        assert (d.ci_low, d.ci_high) == pytest.approx(plain_bootstrap(diff, 300, 4))
    accuracy = comparison.differences["bad"]["accuracy"]
    assert accuracy.ci_high < 0  # the worse model is clearly worse
    row = f"| bad | 6 | {100 * accuracy.mean:+.1f} | [{100 * accuracy.ci_low:+.1f}, "
    assert row in comparison.differences_table()


def test_partial_results_pair_only_common_subjects(tmp_path: Path) -> None:
    write_fake_cv(tmp_path / "a", ERRORS)
    write_fake_cv(tmp_path / "b", WORSE, skip=(0,))
    results = [read_cv_results(tmp_path / n, partial=True) for n in ("a", "b")]
    comparison = compare_results(results, ["A", "B"], n_boot=50)
    assert comparison.differences["B"]["kappa"].subjects == ["S01", "S02", "S04", "S05"]
    assert comparison.runs[1].folds == 2 and comparison.runs[1].total_folds == 3
    with pytest.raises(ConfigError, match="one distinct label per result"):
        compare_results(results, ["A", "A"])


def test_folders_that_cannot_be_compared_raise(tmp_path: Path) -> None:
    write_fake_cv(tmp_path / "a", ERRORS)
    write_fake_cv(
        tmp_path / "swapped", ERRORS, folds=[["S00", "S04"], ["S01", "S03"], ["S02", "S05"]]
    )
    write_fake_cv(tmp_path / "two", ERRORS, folds=[["S00", "S01", "S02"], ["S03", "S04", "S05"]])
    write_fake_cv(tmp_path / "unfinished", ERRORS, skip=(1, 2))
    with pytest.raises(ConfigError, match=r"swapped: fold 0 tests subjects \['S00', 'S04'\]"):
        compare_cv([tmp_path / "a", tmp_path / "swapped"])
    with pytest.raises(ConfigError, match=r"has 2 folds but .* has 3"):
        compare_cv([tmp_path / "a", tmp_path / "two"])
    with pytest.raises(FileFormatError, match=r"unfinished: fold\(s\) \[1, 2\] of 3"):
        compare_cv([tmp_path / "a", tmp_path / "unfinished"])
    with pytest.raises(FileFormatError, match="no folds file"):
        compare_cv([tmp_path / "a", tmp_path])
    with pytest.raises(ConfigError, match="at least two"):
        compare_cv([tmp_path / "a"])


def test_equal_folder_names_are_labelled_by_path(tmp_path: Path) -> None:
    write_fake_cv(tmp_path / "x" / "cv", ERRORS)
    write_fake_cv(tmp_path / "y" / "cv", WORSE)
    comparison = compare_cv([tmp_path / "x" / "cv", tmp_path / "y" / "cv"], n_boot=20)
    assert list(comparison.differences) == [str(tmp_path / "y" / "cv")]


def test_written_tables_and_figures(folders: tuple[Path, Path, dict, dict], tmp_path: Path) -> None:
    a, b, _, _ = folders
    comparison = compare_cv([a, b], n_boot=100)
    written = write_comparison(comparison, tmp_path / "out" / "deep")
    names = sorted(p.name for p in written)
    assert names == sorted(
        [
            "comparison.md",
            "comparison.json",
            "pooled.csv",
            "differences.csv",
            "per_subject.csv",
            "differences.png",
            "validation.png",
        ]
    )
    out = tmp_path / "out" / "deep"
    saved = json.loads((out / "comparison.json").read_text())
    assert saved["reference"] == "good" and saved["runs"]["bad"]["folds"] == 3
    assert saved["differences"]["bad"]["macro_f1"]["mean"] == pytest.approx(
        comparison.differences["bad"]["macro_f1"].mean
    )
    pooled = pd.read_csv(out / "pooled.csv")
    assert pooled["label"].tolist() == ["good", "bad"]
    assert pooled["accuracy"][1] == pytest.approx(comparison.runs[1].pooled.accuracy, abs=1e-6)
    per_subject = pd.read_csv(out / "per_subject.csv")
    assert len(per_subject) == 12 and set(per_subject["fold"]) == {0, 1, 2}
    assert len(pd.read_csv(out / "differences.csv")) == 3
    assert "bootstrap 95% CI (100 resamples" in (out / "comparison.md").read_text()
    for png in ("differences.png", "validation.png"):
        image = imread(out / png)
        assert image.ndim == 3 and image.std() > 0.02


def test_folders_tested_on_other_recordings_or_epochs_raise(tmp_path: Path) -> None:
    write_fake_cv(tmp_path / "a", ERRORS)
    write_fake_cv(tmp_path / "renamed", WORSE)
    write_fake_cv(tmp_path / "shorter", WORSE)
    path = tmp_path / "renamed" / "fold-1" / "predictions.npz"
    with np.load(path) as data:
        arrays = dict(data)
    arrays["recordings"] = np.array([f"{r}b" for r in arrays["recordings"]])
    np.savez(path, **arrays)
    with pytest.raises(ConfigError, match=r"renamed tested subject S01 on recordings \['S01N0b'"):
        compare_cv([tmp_path / "a", tmp_path / "renamed"])
    path = tmp_path / "shorter" / "fold-0" / "predictions.npz"  # one night of S00 only
    with np.load(path) as data:
        arrays = dict(data)
    keep = arrays["offsets"][1]
    for name in ("true", "pred"):
        arrays[name] = np.concatenate([arrays[name][:keep], arrays[name][arrays["offsets"][2] :]])
    arrays["recordings"] = arrays["recordings"][[0, 2, 3]]
    arrays["subjects"] = arrays["subjects"][[0, 2, 3]]
    arrays["offsets"] = np.array([0, 30, 60, 101])
    np.savez(path, **arrays)
    with pytest.raises(ConfigError, match=r"subject S00 on recordings \['S00N0'\] \(30 epochs\)"):
        compare_cv([tmp_path / "a", tmp_path / "shorter"])


def test_folders_tested_against_other_expert_stages_raise(tmp_path: Path) -> None:
    write_fake_cv(tmp_path / "a", ERRORS)
    write_fake_cv(tmp_path / "b", WORSE, seed=1)  # same recordings and lengths, other stages
    with pytest.raises(ConfigError, match=r"tested subject S\d+ against other expert stages"):
        compare_cv([tmp_path / "a", tmp_path / "b"])


def test_an_earlier_comparison_is_kept_without_overwrite(
    folders: tuple[Path, Path, dict, dict], tmp_path: Path
) -> None:
    a, b, _, _ = folders
    comparison = compare_cv([a, b], n_boot=20)
    out = tmp_path / "out"
    write_comparison(comparison, out)
    (out / "pooled.csv").write_text("earlier")
    with pytest.raises(FileFormatError, match=r"already exists \(7 of the 7 outputs"):
        write_comparison(comparison, out)
    assert (out / "pooled.csv").read_text() == "earlier"
    write_comparison(comparison, out, overwrite=True)
    assert (out / "pooled.csv").read_text().startswith("label,")
    assert sorted(p.name for p in out.iterdir()) == sorted(COMPARISON_FILES)  # no staging left


def _one_stage(folder: Path, subject: str) -> None:
    """Make ``subject`` (tested in fold 0) scored and predicted N2 throughout: kappa undefined."""
    path = folder / "fold-0" / "predictions.npz"
    data = dict(np.load(path))
    mine = np.repeat(data["subjects"], np.diff(data["offsets"])) == subject
    data["true"][mine] = data["pred"][mine] = 2
    np.savez(path, **data)


def test_a_subject_with_undefined_kappa_is_left_out_of_that_difference_not_shown_as_nan(
    folders: tuple[Path, Path, dict, dict], tmp_path: Path
) -> None:
    a, b, _, _ = folders
    for folder in (a, b):
        _one_stage(folder, "S00")
    comparison = compare_cv([a, b], n_boot=50)
    kappa = comparison.differences["bad"]["kappa"]
    assert kappa.undefined == ["S00"] and len(kappa.subjects) == 5
    assert np.isfinite([kappa.mean, kappa.ci_low, kappa.ci_high]).all()
    assert comparison.differences["bad"]["accuracy"].subjects == SUBJECTS
    text = comparison.markdown()
    assert "nan" not in text.lower()
    assert f"| {kappa.mean:+.3f} (5 subjects) |" in text and "(kappa: S00)" in text
    write_comparison(comparison, tmp_path / "out")
    payload = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert payload["differences"]["bad"]["kappa"]["undefined"] == ["S00"]
    assert payload["differences"]["bad"]["kappa"]["subjects"] == 5


def test_a_subject_without_a_scored_epoch_is_undefined_not_a_difference_of_zero(
    tmp_path: Path,
) -> None:
    for name, errors, model_seed in (("a", ERRORS, 1), ("b", WORSE, 2)):
        write_fake_cv(tmp_path / name, errors, model_seed=model_seed)
        path = tmp_path / name / "fold-2" / "predictions.npz"  # fold 2 tests S02 and S05
        with np.load(path) as data:
            arrays = dict(data)
        arrays["true"][arrays["offsets"][2] :] = -1  # S05's two nights: nothing scored
        np.savez(path, **arrays)
    comparison = compare_cv([tmp_path / "a", tmp_path / "b"], n_boot=50)
    for metric in ("accuracy", "kappa", "macro_f1"):
        difference = comparison.differences["b"][metric]
        assert "S05" not in difference.subjects and "S05" in difference.undefined
    pooled = comparison.pooled_frame()
    assert pooled["f1_W"].notna().all()
