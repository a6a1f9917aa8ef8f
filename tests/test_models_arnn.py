"""Tests of the E2E-ARNN baseline."""

from __future__ import annotations

import pytest
import torch

from conftest import data_loss, fit_one_batch
from seqsleepnet.errors import ConfigError
from seqsleepnet.models.arnn import ARNN, ARNNConfig
from seqsleepnet.models.registry import build_model, count_parameters


def test_parameter_count_three_channels() -> None:
    channels, filters, hidden, att = 3, 20, 64, 32
    filterbank = channels * 129 * filters
    rnn = 2 * 3 * (channels * filters * hidden + hidden * hidden + 2 * hidden)  # bi-GRU
    attention = 2 * hidden * att + att + att
    output = 2 * hidden * 5 + 5
    assert count_parameters(ARNN(ARNNConfig(channels=3))) == (filterbank + rnn + attention + output)


def test_shapes_and_one_to_one() -> None:
    torch.manual_seed(0)
    model = ARNN(ARNNConfig(channels=2)).eval()
    assert model.input_kind == "tf"
    x = torch.randn(3, 4, 2, 29, 129)
    log_probs, alpha = model.forward_with_attention(x)
    assert log_probs.shape == (3, 4, 5) and alpha.shape == (3, 4, 29)
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(3, 4))
    # each epoch is classified alone: changing epoch 1 leaves the others unchanged
    x2 = x.clone()
    x2[:, 1] += 1.0
    y, y2 = model(x), model(x2)
    torch.testing.assert_close(y[:, [0, 2, 3]], y2[:, [0, 2, 3]])
    assert not torch.allclose(y[:, 1], y2[:, 1])
    # folding L into the batch: a sequence gives the same as its epochs one by one
    torch.testing.assert_close(y[:, 2:3], model(x[:, 2:3]))


def test_forward_splits_at_the_encoder() -> None:
    torch.manual_seed(0)
    model = ARNN(ARNNConfig(channels=1)).eval()
    x = torch.randn(2, 4, 1, 29, 129)
    with torch.no_grad():
        z, alpha = model.encode_epochs(x.flatten(0, 1))  # (8, 128), (8, 29)
        assert z.shape == (8, model.embedding_size) == (8, 128) and alpha.shape == (8, 29)
        log_probs = model.classify_sequences(z.reshape(2, 4, -1))
        torch.testing.assert_close(log_probs, model(x))
        by_hand = torch.log_softmax(model.head(z), dim=-1).reshape(2, 4, 5)  # one epoch at a time
        torch.testing.assert_close(log_probs, by_hand)


def test_bad_input() -> None:
    with pytest.raises(ConfigError, match=r"expected \(B, L, 3, 29, 129\)"):
        ARNN()(torch.randn(2, 3, 29, 129))
    with pytest.raises(ConfigError, match=r"expected \(E, 3, 29, 129\)"):
        ARNN().encode_epochs(torch.randn(1, 2, 3, 29, 129))
    with pytest.raises(ConfigError, match=r"arnn: epoch vectors have shape \(2, 128\)"):
        ARNN().classify_sequences(torch.randn(2, 128))


def test_overfits_one_small_batch() -> None:
    torch.manual_seed(0)
    model = ARNN(ARNNConfig(channels=1))
    x = torch.randn(2, 5, 1, 29, 129)
    y = torch.arange(10).reshape(2, 5) % 5
    with torch.no_grad():
        start = data_loss(model.eval(), x, y).item()
    fit_one_batch(model, x, y, steps=60)
    model.eval()
    with torch.no_grad():
        assert data_loss(model, x, y).item() < 0.2 * start
        assert (model(x).argmax(-1) == y).all()


def test_same_seed_same_model() -> None:
    x = torch.randn(1, 2, 3, 29, 129)
    a, b = build_model("arnn", seed=3).eval(), build_model("arnn", seed=3).eval()
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x), rtol=0, atol=0)
        assert not torch.allclose(a(x), build_model("arnn", seed=4).eval()(x))
