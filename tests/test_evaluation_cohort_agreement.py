"""Agreement over folders of nights, cross-checked against scikit-learn and NumPy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from seqsleepnet.errors import HypnogramError
from seqsleepnet.evaluation.agreement import night_agreement
from seqsleepnet.evaluation.cohort_agreement import evaluate_agreement
from seqsleepnet.evaluation.sleep_stats import compare_statistics
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import write_hypnogram


def fake_nights(folder: Path, nights: int = 10, seed: int = 0) -> dict[str, tuple]:
    """Expert ``t/NAME.tsv`` and predicted ``p/NAME.hypnogram.tsv`` pairs with wake around sleep."""
    rng = np.random.default_rng(seed)
    (folder / "t").mkdir(parents=True)
    (folder / "p").mkdir(parents=True)
    pairs = {}
    for i in range(nights):
        sleep = np.repeat(rng.choice([1, 2, 2, 3, 4, 0], size=24), 10)  # (240,)
        true = np.concatenate([np.zeros(80 + 10 * i, dtype=int), sleep, np.zeros(90, dtype=int)])
        pred = np.where(rng.random(true.size) < 0.8, true, rng.integers(0, 5, true.size))
        name = f"night{i:02d}"
        write_hypnogram(Hypnogram(true), folder / "t" / f"{name}.tsv")
        write_hypnogram(Hypnogram(pred), folder / "p" / f"{name}.hypnogram.tsv")
        pairs[name] = (true, pred)
    return pairs


def test_ten_nights_match_scikit_learn_and_a_direct_bland_altman(tmp_path: Path) -> None:
    pairs = fake_nights(tmp_path)
    cohort = evaluate_agreement(tmp_path / "t", tmp_path / "p", n_boot=200, seed=1)
    assert [n.name for n in cohort.nights] == sorted(pairs)
    t = np.concatenate([pairs[k][0] for k in sorted(pairs)])
    p = np.concatenate([pairs[k][1] for k in sorted(pairs)])
    labels = [0, 1, 2, 3, 4]
    assert cohort.pooled.accuracy == pytest.approx(skm.accuracy_score(t, p))
    assert cohort.pooled.kappa == pytest.approx(skm.cohen_kappa_score(t, p, labels=labels))
    assert cohort.pooled.macro_f1 == pytest.approx(
        skm.f1_score(t, p, labels=labels, average="macro")
    )
    np.testing.assert_array_equal(
        cohort.pooled.confusion, skm.confusion_matrix(t, p, labels=labels)
    )
    for night in cohort.nights:
        true, pred = pairs[night.name]
        assert night.agreement.metrics.kappa == pytest.approx(skm.cohen_kappa_score(true, pred))
    assert cohort.ci is not None
    low, high = cohort.ci["kappa"]
    assert low < cohort.pooled.kappa < high
    tst = np.array(
        [
            [
                compare_statistics(*pairs[k]).expert["tst"],
                compare_statistics(*pairs[k]).predicted["tst"],
            ]
            for k in sorted(pairs)
        ]
    )
    d = tst[:, 1] - tst[:, 0]
    ba = cohort.bland_altman["tst"]
    assert ba.n == 10 and ba.bias == pytest.approx(d.mean())
    assert ba.loa_high == pytest.approx(d.mean() + 1.96 * d.std(ddof=1))
    slope = np.polyfit((tst[:, 0] + tst[:, 1]) / 2, d, 1)[0]
    assert ba.slope == pytest.approx(slope)
    expert, predicted = cohort.paired_statistic("tst")
    np.testing.assert_allclose(predicted - expert, d)
    accuracies = [night_agreement(*pairs[k]).metrics.accuracy for k in sorted(pairs)]
    assert cohort.across_nights["accuracy"]["mean"] == pytest.approx(np.mean(accuracies))
    assert cohort.across_nights["accuracy"]["sd"] == pytest.approx(np.std(accuracies, ddof=1))


def test_the_bootstrap_is_seeded(tmp_path: Path) -> None:
    fake_nights(tmp_path, nights=4)
    first = evaluate_agreement(tmp_path / "t", tmp_path / "p", n_boot=100, seed=3)
    again = evaluate_agreement(tmp_path / "t", tmp_path / "p", n_boot=100, seed=3)
    assert first.ci == again.ci
    assert first.to_dict()["bootstrap"] == {"resamples": 100, "seed": 3, "level": 0.95}


def test_wake_trim_keeps_thirty_minutes_around_the_expert_sleep(tmp_path: Path) -> None:
    pairs = fake_nights(tmp_path, nights=2)
    cohort = evaluate_agreement(tmp_path / "t", tmp_path / "p", wake_trim_min=30, n_boot=50)
    first = cohort.nights[0]
    true = pairs["night00"][0]
    sleep = np.flatnonzero(true > 0)
    assert first.trim is not None
    assert first.trim.first == sleep[0] - 60 and first.trim.stop == sleep[-1] + 61
    assert first.onset == first.trim.first * 30.0
    assert first.agreement.metrics.epochs == first.trim.kept
    assert "kept by --wake-trim-min" in first.line()
    assert cohort.to_dict()["wake_trim_min"] == 30


def test_an_unscored_night_is_left_out_and_said_so(tmp_path: Path) -> None:
    fake_nights(tmp_path, nights=2)
    write_hypnogram(Hypnogram(np.full(50, -1)), tmp_path / "t" / "blank.tsv")
    write_hypnogram(Hypnogram(np.zeros(50, dtype=int)), tmp_path / "p" / "blank.tsv")
    cohort = evaluate_agreement(tmp_path / "t", tmp_path / "p", n_boot=50)
    blank = next(n for n in cohort.nights if n.name == "blank")
    assert "nothing comparable" in blank.line() and "accuracy" not in blank.line()
    assert len(cohort.comparable) == 2 and cohort.to_dict()["n_comparable"] == 2
    assert cohort.pooled.epochs == sum(n.agreement.metrics.epochs for n in cohort.comparable)


def test_a_stage_neither_scorer_used_in_a_night_has_no_f1_there(tmp_path: Path) -> None:
    """Across nights, F1 of N3 is over the nights that have N3; undefined values are null."""
    (tmp_path / "t").mkdir()
    (tmp_path / "p").mkdir()
    with_n3 = np.array([0, 1, 2, 3, 3, 4, 0, 2])
    pred_n3 = np.array([0, 1, 2, 3, 2, 4, 0, 2])  # F1 of N3: 2 / 3
    without = np.array([0, 1, 2, 2, 4, 4, 0, 2])  # no N3 in either scoring
    one_stage = np.zeros(8, dtype=int)  # kappa undefined
    for name, true, pred in (("a", with_n3, pred_n3), ("b", without, without)):
        write_hypnogram(Hypnogram(true), tmp_path / "t" / f"{name}.tsv")
        write_hypnogram(Hypnogram(pred), tmp_path / "p" / f"{name}.tsv")
    write_hypnogram(Hypnogram(one_stage), tmp_path / "t" / "c.tsv")
    write_hypnogram(Hypnogram(one_stage), tmp_path / "p" / "c.tsv")
    cohort = evaluate_agreement(tmp_path / "t", tmp_path / "p", n_boot=50)
    across = cohort.across_nights
    assert across["f1_N3"]["mean"] == pytest.approx(2 / 3) and across["f1_N3"]["sd"] == 0.0
    b = next(n for n in cohort.nights if n.name == "b").agreement.metrics
    assert b.macro_f1 == 1.0  # not marked down for the N3 it does not have
    assert across["kappa"]["max"] == 1.0  # night c's undefined kappa is left out
    payload = json.dumps(cohort.to_dict(), allow_nan=False)  # valid JSON: no NaN
    nights = json.loads(payload)["nights"]
    assert [n["kappa"] for n in nights if n["name"] == "c"] == [None]


def test_one_pair_has_no_interval_and_nothing_comparable_is_an_error(tmp_path: Path) -> None:
    true = write_hypnogram(Hypnogram(np.array([0, 2, 2, 4])), tmp_path / "a.tsv")
    pred = write_hypnogram(Hypnogram(np.array([0, 2, 3, 4])), tmp_path / "b.tsv")
    single = evaluate_agreement(true, pred)
    assert single.ci is None and single.pooled.accuracy == 0.75
    assert single.bland_altman["tst"].sd is None
    blank = write_hypnogram(Hypnogram(np.full(4, -1)), tmp_path / "c.tsv")
    with pytest.raises(HypnogramError, match="nothing comparable"):
        evaluate_agreement(blank, pred)
