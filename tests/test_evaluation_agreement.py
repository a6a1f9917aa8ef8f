"""One night's agreement, cross-checked against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from seqsleepnet.evaluation.agreement import NOTHING_COMPARABLE, night_agreement


def _night(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    true = np.repeat(rng.integers(0, 5, size=40), 8)  # (320,) runs of 8 epochs
    pred = np.where(rng.random(true.size) < 0.75, true, rng.integers(0, 5, true.size))
    true[[3, 50, 51]] = -1
    pred[[7, 51]] = -1
    return true, pred


def test_metrics_and_confusion_match_scikit_learn() -> None:
    true, pred = _night()
    agreement = night_agreement(true, pred)
    keep = (true >= 0) & (pred >= 0)
    t, p = true[keep], pred[keep]
    labels = [0, 1, 2, 3, 4]
    m = agreement.metrics
    assert m.epochs == keep.sum()
    assert m.accuracy == pytest.approx(skm.accuracy_score(t, p))
    assert m.kappa == pytest.approx(skm.cohen_kappa_score(t, p, labels=labels))
    assert m.macro_f1 == pytest.approx(skm.f1_score(t, p, labels=labels, average="macro"))
    f1 = skm.f1_score(t, p, labels=labels, average=None)
    recall = skm.recall_score(t, p, labels=labels, average=None)
    precision = skm.precision_score(t, p, labels=labels, average=None)
    for i, stage in enumerate(["W", "N1", "N2", "N3", "REM"]):
        assert m.per_stage[stage]["f1"] == pytest.approx(f1[i])
        assert m.per_stage[stage]["recall"] == pytest.approx(recall[i])
        assert m.per_stage[stage]["precision"] == pytest.approx(precision[i])
    expected = skm.confusion_matrix(t, p, labels=labels)
    np.testing.assert_array_equal(m.confusion, expected)
    np.testing.assert_allclose(
        agreement.confusion_normalised, skm.confusion_matrix(t, p, labels=labels, normalize="true")
    )


def test_specificity_is_one_vs_rest() -> None:
    true, pred = _night(1)
    agreement = night_agreement(true, pred)
    keep = (true >= 0) & (pred >= 0)
    t, p = true[keep], pred[keep]
    for stage, index in (("W", 0), ("N3", 3)):
        negatives = t != index
        expected = np.mean(p[negatives] != index)
        assert agreement.metrics.per_stage[stage]["specificity"] == pytest.approx(expected)


def test_all_unscored_pair_is_nothing_comparable_not_accuracy_zero() -> None:
    agreement = night_agreement(np.full(10, -1), np.zeros(10, dtype=int))
    assert not agreement.comparable
    assert agreement.to_dict() == {"comparable": False, "epochs": 0, "message": NOTHING_COMPARABLE}
    empty = night_agreement(np.array([], dtype=int), np.array([], dtype=int))
    assert not empty.comparable and empty.statistics is None


def test_to_dict_carries_metrics_statistics_and_transitions() -> None:
    true, pred = _night(2)
    values = night_agreement(true, pred).to_dict()
    assert values["comparable"] is True and 0 <= values["accuracy"] <= 1
    assert np.allclose(np.sum(values["confusion_normalised"], axis=1), 1.0)
    assert set(values["transitions"]) == {"near_change", "elsewhere"}
    assert values["statistics"]["tst"]["difference"] == pytest.approx(
        values["statistics"]["tst"]["predicted"] - values["statistics"]["tst"]["expert"]
    )
