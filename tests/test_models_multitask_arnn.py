"""Tests of the Multitask E2E-ARNN baseline and its aggregation."""

from __future__ import annotations

import pytest
import torch

from conftest import data_loss, fit_one_batch
from seqsleepnet.errors import ConfigError
from seqsleepnet.models.multitask_arnn import (
    MultitaskARNN,
    MultitaskARNNConfig,
    aggregate_context,
    context_targets,
)
from seqsleepnet.models.registry import build_model, count_parameters


def test_parameter_count_three_channels() -> None:
    channels, filters, hidden, att, context = 3, 20, 64, 32, 3
    filterbank = channels * 129 * filters
    rnn = 2 * 3 * (channels * filters * hidden + hidden * hidden + 2 * hidden)
    attention = 2 * hidden * att + att + att
    outputs = context * (2 * hidden * 5 + 5)  # one softmax layer per predicted epoch
    assert count_parameters(MultitaskARNN()) == filterbank + rnn + attention + outputs


def test_aggregation_sums_predictions_about_the_same_epoch() -> None:
    torch.manual_seed(0)
    lp = torch.log_softmax(torch.randn(1, 4, 3, 5), dim=-1)  # [:, s, j]: about s + j - 1
    expected = torch.stack(
        [
            lp[0, 0, 1] + lp[0, 1, 0],  # epoch 0: itself, and epoch 1 looking back
            lp[0, 0, 2] + lp[0, 1, 1] + lp[0, 2, 0],
            lp[0, 1, 2] + lp[0, 2, 1] + lp[0, 3, 0],
            lp[0, 2, 2] + lp[0, 3, 1],  # last epoch: no epoch after it
        ]
    )
    torch.testing.assert_close(aggregate_context(lp)[0], torch.log_softmax(expected, dim=-1))


def test_context_targets() -> None:
    targets = torch.tensor([[0, 1, 2, -1]])
    expected = torch.tensor([[[-1, 0, 1], [0, 1, 2], [1, 2, -1], [2, -1, -1]]])
    torch.testing.assert_close(context_targets(targets, 3), expected)


def test_forward_shapes_and_locality() -> None:
    torch.manual_seed(0)
    model = MultitaskARNN(MultitaskARNNConfig(channels=1)).eval()
    x = torch.randn(2, 8, 1, 29, 129)
    assert model.context_log_probs(x).shape == (2, 8, 3, 5)
    y = model(x)
    assert y.shape == (2, 8, 5)
    torch.testing.assert_close(y.exp().sum(-1), torch.ones(2, 8))
    x2 = x.clone()
    x2[:, 4] += 1.0
    y2 = model(x2)
    # epoch 4 informs only epochs 3, 4 and 5
    torch.testing.assert_close(y[:, [0, 1, 2, 6, 7]], y2[:, [0, 1, 2, 6, 7]])
    assert not torch.allclose(y[:, 3], y2[:, 3])
    assert not torch.allclose(y[:, 5], y2[:, 5])


def test_forward_is_context_heads_then_aggregation_and_splits_at_the_encoder() -> None:
    torch.manual_seed(0)
    model = MultitaskARNN(MultitaskARNNConfig(channels=1)).eval()
    x = torch.randn(2, 6, 1, 29, 129)
    with torch.no_grad():
        y = model(x)
        torch.testing.assert_close(y, aggregate_context(model.context_log_probs(x)))
        z, alpha = model.encode_epochs(x.flatten(0, 1))  # (12, 128), (12, 29)
        assert z.shape == (12, model.embedding_size) and alpha.shape == (12, 29)
        torch.testing.assert_close(model.classify_sequences(z.reshape(2, 6, -1)), y)
    with pytest.raises(ConfigError, match=r"expected \(B, L, 128\)"):
        model.classify_sequences(torch.randn(2, 6, 64))


def test_bad_context() -> None:
    with pytest.raises(ConfigError, match="context=2 must be a positive odd number"):
        MultitaskARNNConfig(context=2)


def test_overfits_one_small_batch() -> None:
    torch.manual_seed(0)
    model = MultitaskARNN(MultitaskARNNConfig(channels=1))
    x = torch.randn(2, 5, 1, 29, 129)
    y = torch.arange(10).reshape(2, 5) % 5
    with torch.no_grad():
        start = data_loss(model.eval(), x, y).item()
    fit_one_batch(model, x, y, steps=80)
    model.eval()
    with torch.no_grad():
        assert data_loss(model, x, y).item() < 0.2 * start
        assert (model(x).argmax(-1) == y).all()


def test_same_seed_same_model() -> None:
    x = torch.randn(1, 3, 3, 29, 129)
    a = build_model("multitask-arnn", seed=1).eval()
    b = build_model("multitask-arnn", seed=1).eval()
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x), rtol=0, atol=0)
