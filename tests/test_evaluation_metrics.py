"""Metrics against hand-computed values and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from seqsleepnet.errors import HypnogramError
from seqsleepnet.evaluation.metrics import (
    StagingMetrics,
    compute_metrics,
    confusion_matrix,
    kappa_text,
    markdown_table,
)


def test_small_case_by_hand() -> None:
    # true: W W N1 N2 N2 N3 REM UNS ; pred: W N1 N1 N2 N3 N3 REM W
    true = [0, 0, 1, 2, 2, 3, 4, -1]
    pred = [0, 1, 1, 2, 3, 3, 4, 0]
    m = compute_metrics(true, pred)
    assert m.epochs == 7  # the unscored epoch is left out
    assert m.accuracy == pytest.approx(5 / 7)
    # p_o = 5/7; row sums (2,1,2,1,1), column sums (1,2,1,2,1): p_e = (2+2+2+2+1)/49
    pe = 9 / 49
    assert m.kappa == pytest.approx((5 / 7 - pe) / (1 - pe))
    f1 = [2 / 3, 2 / 3, 2 / 3, 2 / 3, 1.0]  # W: P=1 R=.5; N1: P=.5 R=1; N2: P=1 R=.5; N3: P=.5 R=1
    assert [m.per_stage[s]["f1"] for s in ("W", "N1", "N2", "N3", "REM")] == pytest.approx(f1)
    assert m.macro_f1 == pytest.approx(np.mean(f1))
    assert m.sensitivity == pytest.approx(np.mean([0.5, 1, 0.5, 1, 1]))
    # specificity W: TN = 5 of 5 non-W epochs; N1: 5/6; N2: 5/5; N3: 5/6; REM: 6/6
    assert m.specificity == pytest.approx(np.mean([1, 5 / 6, 1, 5 / 6, 1]))
    assert m.confusion[0].tolist() == [1, 1, 0, 0, 0]
    assert m.per_stage["W"]["support"] == 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_scikit_learn_on_random_labels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    true = rng.integers(-1, 5, size=500)
    pred = np.where(rng.random(500) < 0.6, true, rng.integers(0, 5, size=500))
    pred[true == -1] = rng.integers(0, 5, size=int((true == -1).sum()))
    m = compute_metrics(true, pred)
    keep = true >= 0
    t, p = true[keep], pred[keep]
    labels = list(range(5))
    np.testing.assert_array_equal(m.confusion, skm.confusion_matrix(t, p, labels=labels))
    assert m.accuracy == pytest.approx(skm.accuracy_score(t, p))
    assert m.kappa == pytest.approx(skm.cohen_kappa_score(t, p))
    assert m.macro_f1 == pytest.approx(skm.f1_score(t, p, average="macro", labels=labels))
    assert m.sensitivity == pytest.approx(skm.recall_score(t, p, average="macro", labels=labels))
    prec = skm.precision_score(t, p, average=None, labels=labels, zero_division=0)
    assert [m.per_stage[s]["precision"] for s in m.per_stage] == pytest.approx(prec)
    spec = [skm.recall_score(t != k, p != k) for k in labels]  # one-vs-rest specificity
    assert m.specificity == pytest.approx(np.mean(spec))


@pytest.mark.parametrize(
    ("true", "pred"),
    [
        ([0, 1, 2, 2, 4, 0], [0, 1, 2, 2, 4, 0]),  # no N3 in either: perfect is 1
        ([0, 1, 2, 2, 4, 0], [0, 1, 3, 2, 4, 0]),  # N3 only predicted: it counts
        ([0, 0, 2, 2, 2, 2], [0, 2, 2, 2, 1, 2]),
    ],
)
def test_macro_averages_run_over_the_stages_either_scoring_uses(
    true: list[int], pred: list[int]
) -> None:
    """As scikit-learn's default: a night without N3 is not marked down for it."""
    m = compute_metrics(true, pred)
    assert m.macro_f1 == pytest.approx(skm.f1_score(true, pred, average="macro"))
    assert m.sensitivity == pytest.approx(
        skm.recall_score(true, pred, average="macro", zero_division=0)
    )
    used = sorted(set(true) | set(pred))
    spec = [skm.recall_score(np.not_equal(true, k), np.not_equal(pred, k)) for k in used]
    assert m.specificity == pytest.approx(np.mean(spec))


def test_kappa_of_one_stage_in_both_is_undefined_not_zero() -> None:
    m = compute_metrics([0, 0, 0], [0, 0, 0])
    assert np.isnan(m.kappa) and m.accuracy == 1.0
    assert m.to_dict()["kappa"] is None
    assert kappa_text(m.kappa) == "undefined (one stage only)"
    assert kappa_text(compute_metrics([0, 1], [0, 0]).kappa) == "0.000"


def test_absent_stage_counts_zero_and_json_keys() -> None:
    m = compute_metrics([0, 0, 2, 2], [0, 0, 2, 0])
    assert m.per_stage["N1"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "specificity": 1.0,
        "support": 0,
    }
    d = m.to_dict()
    assert set(d) == {
        "accuracy",
        "kappa",
        "macro_f1",
        "sensitivity",
        "specificity",
        "per_stage",
        "confusion",
        "epochs",
    }
    assert d["confusion"][2] == [1, 0, 1, 0, 0]
    assert StagingMetrics.from_confusion(d["confusion"]).accuracy == m.accuracy


def test_markdown_table_has_the_paper_columns() -> None:
    m = compute_metrics([0, 1, 2, 3, 4], [0, 1, 2, 3, 3])
    table = markdown_table({"seqsleepnet": m})
    header, _, row = table.strip().splitlines()
    assert header.split("|")[2:7] == [" Acc ", " κ ", " MF1 ", " Sens ", " Spec "]
    assert row.split("|")[2].strip() == "80.0"
    assert row.split("|")[10].strip() == f"{100 * 2 / 3:.1f}"  # N3: P=1/2, R=1
    assert row.split("|")[11].strip() == "0.0"  # REM never predicted
    (row,) = markdown_table({"no N1": compute_metrics([0, 2, 3], [0, 2, 2])}).splitlines()[2:]
    assert row.split("|")[8].strip() == "n/a"  # N1 in neither scoring: no F1
    assert row.split("|")[10].strip() == "0.0"  # N3 scored but never predicted


def test_bad_input_raises() -> None:
    with pytest.raises(HypnogramError, match="4 epochs but y_pred has 3"):
        confusion_matrix([0, 1, 2, 3], [0, 1, 2])
    with pytest.raises(HypnogramError, match=r"allowed are 0..4"):
        confusion_matrix([0, 7], [0, 1])
    with pytest.raises(HypnogramError, match="1-D"):
        compute_metrics([[0, 1]], [[0, 1]])
    with pytest.raises(HypnogramError, match="integer"):
        compute_metrics([0.5], [0])
    with pytest.raises(HypnogramError, match=r"\(5, 5\)"):
        StagingMetrics.from_confusion(np.ones((4, 4)))
