"""The Sleep-EDF wake trim: up to N minutes of wake around the expert's night."""

from __future__ import annotations

import numpy as np
import pytest

from seqsleepnet.errors import ConfigError, HypnogramError
from seqsleepnet.evaluation.wake_trim import trim_wake


def test_keeps_the_margin_around_the_expert_sleep() -> None:
    true = np.array([0] * 100 + [2] * 20 + [0] * 5 + [4] * 10 + [0] * 200)
    trim = trim_wake(true, 30.0, 30.0)  # 30 min = 60 epochs
    assert (trim.first, trim.stop) == (100 - 60, 135 + 60)
    assert trim.kept == 155
    whole = trim_wake(true[90:160], 30.0, 30.0)  # fewer than 60 wake epochs on each side
    assert (whole.first, whole.stop) == (0, 70)
    assert trim_wake(true, 30.0, 0.0).kept == 35


def test_no_expert_sleep_or_a_bad_margin_is_refused() -> None:
    with pytest.raises(HypnogramError, match=r"a\.tsv: the expert scored no sleep epoch"):
        trim_wake(np.zeros(10, dtype=int), 30.0, 30.0, source="a.tsv")
    with pytest.raises(ConfigError, match="minutes >= 0"):
        trim_wake(np.array([2]), 30.0, -1.0)
