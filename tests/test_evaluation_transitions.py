"""Agreement next to expert stage changes and elsewhere, on hand-made scorings."""

from __future__ import annotations

import numpy as np
import pytest

from seqsleepnet.errors import HypnogramError
from seqsleepnet.evaluation.transitions import near_expert_change, transition_agreement


def test_epochs_on_both_sides_of_a_change_are_near_it() -> None:
    true = np.array([0, 0, 0, 2, 2, 2, -1, 2, 2])
    assert near_expert_change(true).tolist() == [
        False, False, True, True, False, False, False, False, False
    ]  # fmt: skip


def test_accuracy_is_counted_separately_near_changes_and_elsewhere() -> None:
    true = np.array([0, 0, 0, 2, 2, 2, 2])
    pred = np.array([0, 0, 1, 1, 2, 2, 3])  # both epochs at the change wrong, one other wrong
    result = transition_agreement(true, pred)
    assert (result.near_epochs, result.near_accuracy) == (2, 0.0)
    assert result.other_epochs == 5 and result.other_accuracy == pytest.approx(4 / 5)
    assert result.to_dict()["near_change"] == {"epochs": 2, "accuracy": 0.0}


def test_no_change_gives_no_accuracy_near_changes() -> None:
    result = transition_agreement([2, 2, 2], [2, -1, 2])
    assert result.near_accuracy is None and result.other_epochs == 2


def test_unequal_lengths_are_refused() -> None:
    with pytest.raises(HypnogramError, match="align them first"):
        transition_agreement([0, 1], [0])
