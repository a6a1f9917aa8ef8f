"""Expert and predicted sleep statistics over the same epochs, on hand-made hypnograms."""

from __future__ import annotations

import numpy as np
import pytest

from seqsleepnet.errors import HypnogramError
from seqsleepnet.evaluation.sleep_stats import (
    COMPARED_STATISTICS,
    STATISTIC_TERMS,
    compare_statistics,
    statistic_values,
)
from seqsleepnet.statistics import sleep_statistics


def test_the_compared_statistics_are_the_named_ones_of_sleep_statistics() -> None:
    keys = [s.key for s in COMPARED_STATISTICS]
    assert keys[:5] == ["tst", "sleep_efficiency", "waso", "sleep_onset_latency", "rem_latency"]
    assert keys[5:] == [f"minutes_{s}" for s in ("W", "N1", "N2", "N3", "REM")]
    values = statistic_values(sleep_statistics([0, 0, 2, 2, 4, 0, 2, 0]))
    assert values["tst"] == 2.0 and values["sleep_onset_latency"] == 1.0
    assert values["rem_latency"] == 1.0 and values["waso"] == 0.5 and values["minutes_N2"] == 1.5
    assert {term for term, _ in STATISTIC_TERMS} >= {"TST", "SE", "WASO", "SOL", "REM latency"}


def test_an_epoch_unscored_by_either_counts_for_neither() -> None:
    true = np.array([0, 0, 2, 2, -1, 2, 4, 4, 0])
    pred = np.array([0, 2, 2, 2, 2, -1, 4, 2, 0])
    comparison = compare_statistics(true, pred)
    # both over epochs 0-3 and 6-8: expert TST 4 epochs, predicted TST 5 epochs (30-s epochs)
    assert comparison.expert["tst"] == 2.0 and comparison.predicted["tst"] == 2.5
    assert comparison.difference("tst") == 0.5
    assert comparison.expert["sleep_efficiency"] == pytest.approx(100 * 4 / 9)
    assert comparison.expert["sleep_onset_latency"] == 1.0
    assert comparison.predicted["sleep_onset_latency"] == 0.5


def test_undefined_statistics_have_no_difference() -> None:
    comparison = compare_statistics([0, 2, 2], [0, 2, 4])
    assert comparison.expert["rem_latency"] is None
    assert comparison.predicted["rem_latency"] == 0.5
    assert comparison.difference("rem_latency") is None
    assert comparison.to_dict()["rem_latency"]["difference"] is None


def test_unaligned_or_empty_scorings_are_refused() -> None:
    with pytest.raises(HypnogramError, match="aligned, non-empty"):
        compare_statistics([0, 1], [0])
    with pytest.raises(HypnogramError, match="aligned, non-empty"):
        compare_statistics([], [])
