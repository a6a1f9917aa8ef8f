"""Tests of the E2E-DeepSleepNet baseline."""

from __future__ import annotations

import math

import pytest
import torch

from conftest import data_loss, fit_one_batch
from seqsleepnet.errors import ConfigError
from seqsleepnet.models.deepsleepnet import DeepSleepNet, DeepSleepNetConfig
from seqsleepnet.models.registry import build_model, count_parameters

SMALL = DeepSleepNetConfig(channels=1, first_filters=8, filters=16, lstm_hidden=16)


def test_cnn_feature_sizes_follow_same_padding() -> None:
    model = DeepSleepNet(DeepSleepNetConfig(channels=1))
    # small filters: 3000 / 6 -> 500, pool 8 -> 63, pool 4 -> 16 frames of 128
    assert model.small.out_features == 128 * math.ceil(math.ceil(math.ceil(3000 / 6) / 8) / 4)
    assert model.small.out_features == 2048
    # large filters: 3000 / 50 -> 60, pool 4 -> 15, pool 2 -> 8 frames of 128
    assert model.large.out_features == 1024
    features = model.epoch_features(torch.randn(2, 1, 3000))
    assert features.shape == (2, 3072)


def test_parameter_count_default_three_channels() -> None:
    c, fs = 3, 100
    bn = 2  # scale and offset per channel (convolutions have no bias)
    small = c * 64 * (fs // 2) + bn * 64 + 64 * 128 * 8 + 2 * 128 * 128 * 8 + 3 * bn * 128
    large = c * 64 * (fs * 4) + bn * 64 + 64 * 128 * 6 + 2 * 128 * 128 * 6 + 3 * bn * 128
    d, h = 3072, 512
    lstm = 2 * 4 * (d * h + h * h + 2 * h) + 2 * 4 * (2 * h * h + h * h + 2 * h)
    shortcut = d * 2 * h + 2 * h + bn * 2 * h
    output = 2 * h * 5 + 5
    assert count_parameters(DeepSleepNet()) == small + large + lstm + shortcut + output


def test_shapes_and_input_kind() -> None:
    model = DeepSleepNet(SMALL).eval()
    assert model.input_kind == "raw"
    assert model.epoch_shape == (1, 3000)
    y = model(torch.randn(2, 3, 1, 3000))
    assert y.shape == (2, 3, 5)
    torch.testing.assert_close(y.exp().sum(-1), torch.ones(2, 3))


def test_bad_input_and_config() -> None:
    with pytest.raises(ConfigError, match=r"expected \(B, L, 1, 3000\)"):
        DeepSleepNet(SMALL)(torch.randn(2, 3, 1, 2000))
    with pytest.raises(ConfigError, match="sampling_rate=8 Hz is too low"):
        DeepSleepNetConfig(sampling_rate=8)
    with pytest.raises(ConfigError, match="an epoch is too short for the CNN"):
        DeepSleepNet(DeepSleepNetConfig(epoch_seconds=1.0))
    with pytest.raises(ConfigError, match="lstm_layers=0 must be positive"):
        DeepSleepNetConfig(lstm_layers=0)


def test_overfits_one_small_batch() -> None:
    torch.manual_seed(0)
    model = DeepSleepNet(DeepSleepNetConfig(**{**SMALL.to_dict(), "dropout": 0.0}))
    x = torch.randn(2, 5, 1, 3000)
    y = torch.arange(10).reshape(2, 5) % 5
    with torch.no_grad():
        start = data_loss(model.eval(), x, y).item()
    fit_one_batch(model, x, y, steps=40, lr=3e-3)
    model.eval()
    with torch.no_grad():
        assert data_loss(model, x, y).item() < 0.2 * start
        assert (model(x).argmax(-1) == y).all()


def test_same_seed_same_model() -> None:
    cfg = SMALL.to_dict()
    x = torch.randn(1, 2, 1, 3000)
    a = build_model("deepsleepnet", seed=5, **cfg).eval()
    b = build_model("deepsleepnet", seed=5, **cfg).eval()
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x), rtol=0, atol=0)
