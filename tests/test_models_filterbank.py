"""Tests of the triangular filterbank and its learnable layer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqsleepnet.errors import ConfigError
from seqsleepnet.models.filterbank import TriangularFilterbank, linear_triangular_filterbank


def test_paper_filterbank_shape_and_triangles() -> None:
    bank = linear_triangular_filterbank(32, 256, 100.0, 0.0, 50.0)
    assert bank.shape == (129, 32)
    assert bank.dtype == np.float32
    assert bank.min() >= 0.0 and bank.max() <= 1.0
    freqs = np.arange(129) * 100.0 / 256
    edges = np.linspace(0.0, 50.0, 34)
    for m in range(32):
        column = bank[:, m]
        peak = int(np.argmax(column))
        # unimodal: rises up to the peak, falls after it
        assert np.all(np.diff(column[: peak + 1]) >= 0)
        assert np.all(np.diff(column[peak:]) <= 0)
        # the peak sits within one bin of the triangle's centre frequency
        assert abs(freqs[peak] - edges[m + 1]) <= 100.0 / 256
        # zero outside the triangle's support
        outside = (freqs <= edges[m]) | (freqs >= edges[m + 2])
        assert np.all(column[outside] == 0)


def test_adjacent_triangles_sum_to_one_inside_band() -> None:
    bank = linear_triangular_filterbank(32, 256, 100.0)
    freqs = np.arange(129) * 100.0 / 256
    edges = np.linspace(0.0, 50.0, 34)
    inner = (freqs >= edges[1]) & (freqs <= edges[-2])
    np.testing.assert_allclose(bank[inner].sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_filters": 0, "n_fft": 256, "sampling_rate": 100.0}, "must be positive"),
        ({"n_filters": 8, "n_fft": 256, "sampling_rate": 100.0, "high_freq": 60.0}, "band"),
        (
            {
                "n_filters": 8,
                "n_fft": 256,
                "sampling_rate": 100.0,
                "low_freq": 30.0,
                "high_freq": 20.0,
            },
            "band",
        ),
    ],
)
def test_bad_filterbank_settings(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        linear_triangular_filterbank(**kwargs)  # type: ignore[arg-type]


def test_layer_applies_one_nonnegative_filterbank_per_channel() -> None:
    torch.manual_seed(0)
    layer = TriangularFilterbank(channels=2, n_bins=129, n_filters=32)
    weights = layer.weights()
    assert weights.shape == (2, 129, 32)
    assert torch.all(weights >= 0)
    # the learned weights can never leave the fixed triangles
    assert torch.all(weights[:, layer.triangles == 0] == 0)
    x = torch.randn(4, 2, 29, 129)
    y = layer(x)
    assert y.shape == (4, 29, 64)
    torch.testing.assert_close(y[:, :, :32], x[:, 0] @ weights[0])
    torch.testing.assert_close(y[:, :, 32:], x[:, 1] @ weights[1])


def test_layer_learns_through_sigmoid() -> None:
    layer = TriangularFilterbank(channels=1, n_bins=129, n_filters=8)
    layer(torch.randn(3, 1, 29, 129)).sum().backward()
    grad = layer.weight_logits.grad
    assert grad is not None and grad.abs().sum() > 0
    # bins outside every triangle get no gradient
    assert torch.all(grad[0, layer.triangles == 0] == 0)
