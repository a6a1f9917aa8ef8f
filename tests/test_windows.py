"""Window starts and the aggregation of overlapping windows."""

from __future__ import annotations

import numpy as np
import pytest

from seqsleepnet.errors import ConfigError
from seqsleepnet.windows import aggregate_windows, window_starts


def test_window_starts() -> None:
    assert window_starts(6, 3).tolist() == [0, 1, 2, 3]
    assert window_starts(7, 3, stride=3).tolist() == [0, 3, 4]  # last window aligned to the end
    assert window_starts(6, 3, stride=3).tolist() == [0, 3]
    assert window_starts(2, 5).tolist() == [0]  # shorter than L: one padded window


def test_sum_and_mean_by_hand() -> None:
    # E=4, L=2, stride 1: windows [0,1], [1,2], [2,3]; one class so values are easy to follow
    lp = np.array([[[1.0], [2.0]], [[3.0], [4.0]], [[5.0], [6.0]]])
    summed = aggregate_windows(lp, 4, reduce="sum")
    assert summed[:, 0].tolist() == [1.0, 2.0 + 3.0, 4.0 + 5.0, 6.0]
    mean = aggregate_windows(lp, 4)
    assert mean[:, 0].tolist() == [1.0, 2.5, 4.5, 6.0]


def test_sum_is_multiplicative_aggregation() -> None:
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(5), size=(4, 3))  # (W=4, L=3, K=5), E=6
    out = aggregate_windows(np.log(probs), 6, reduce="sum")
    # epoch 2 sits at position 2 of window 0, 1 of window 1 and 0 of window 2
    expected = probs[0, 2] * probs[1, 1] * probs[2, 0]
    np.testing.assert_allclose(np.exp(out[2]), expected)


def test_non_overlapping_and_padding() -> None:
    lp = np.arange(3 * 3 * 1, dtype=float).reshape(3, 3, 1)  # windows at 0, 3, 4 of E=7
    out = aggregate_windows(lp, 7, stride=3, reduce="sum")
    assert out[:, 0].tolist() == [0, 1, 2, 3, 4 + 6, 5 + 7, 8]
    padded = aggregate_windows(np.ones((1, 5, 2)), 2)  # positions 2..4 are padding
    assert padded.shape == (2, 2)


def test_bad_input_raises() -> None:
    with pytest.raises(ConfigError, match="must all be >= 1"):
        window_starts(0, 3)
    with pytest.raises(ConfigError, match=r"\(W, L, K\)"):
        aggregate_windows(np.zeros((2, 3)), 4)
    with pytest.raises(ConfigError, match="start positions"):
        aggregate_windows(np.zeros((2, 3, 5)), 10)
    with pytest.raises(ConfigError, match="covered by no window"):
        aggregate_windows(np.zeros((1, 2, 5)), 4, starts=[0])
    with pytest.raises(ConfigError, match="reduce"):
        aggregate_windows(np.zeros((2, 3, 5)), 4, reduce="max")  # type: ignore[arg-type]
