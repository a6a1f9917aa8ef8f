"""Tests of whole-night inference: encode-once and naive paths, padding, aggregation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from seqsleepnet.errors import ConfigError
from seqsleepnet.inference import (
    predict_encode_once,
    predict_logprobs,
    predict_naive,
    predict_night,
    torch_parts,
)
from seqsleepnet.models.base import SleepStagingModel
from seqsleepnet.models.registry import build_model
from seqsleepnet.windows import aggregate_windows, window_starts

SMALL = {"channels": 1, "n_filters": 4, "epoch_hidden": 6, "attention_size": 5}
L = 8

# every model with a separable epoch encoder, small enough to run many windows fast
SEPARABLE: dict[str, tuple[str, dict[str, Any]]] = {
    "seqsleepnet-shared-head": ("seqsleepnet", {"seq_len": L, "sequence_hidden": 5}),
    "seqsleepnet-per-position-heads": (
        "seqsleepnet",
        {"seq_len": L, "sequence_hidden": 5, "per_position_heads": True, "cell": "bn-lstm"},
    ),
    "arnn": ("arnn", {}),
    "multitask-arnn": ("multitask-arnn", {}),
}


@pytest.fixture(scope="module")
def model() -> SleepStagingModel:
    return build_model("seqsleepnet", seed=1, seq_len=8).eval()


def _images(n: int, seed: int = 0, channels: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, channels, 29, 129)).astype(np.float32)


def _small(key: str) -> SleepStagingModel:
    name, options = SEPARABLE[key]
    return build_model(name, seed=3, **SMALL, **options).eval()


def _by_hand(model: SleepStagingModel, x: np.ndarray, length: int, stride: int) -> np.ndarray:
    """forward on every window of ``length`` epochs, averaged per epoch, renormalised."""
    starts = window_starts(x.shape[0], length, stride)
    with torch.no_grad():
        windows = torch.from_numpy(np.stack([x[s : s + length] for s in starts]))
        summed = aggregate_windows(model(windows).numpy(), x.shape[0], starts=starts)
    return summed - np.logaddexp.reduce(summed, axis=1, keepdims=True)


@pytest.mark.parametrize("key", list(SEPARABLE))
@pytest.mark.parametrize("n_epochs", [37, L, 5, 1])
def test_encode_once_equals_the_naive_path_for_every_separable_model(
    key: str, n_epochs: int
) -> None:
    model = _small(key)
    assert model.separable_encoder
    x = _images(n_epochs, seed=n_epochs, channels=1)
    fast = predict_night(model, x, L, batch_size=5)
    slow = predict_night(model, x, L, batch_size=7, encode_once=False)
    assert fast.attention is not None and fast.attention.shape == (n_epochs, 29)
    assert slow.attention is None
    assert fast.log_probs.shape == slow.log_probs.shape == (n_epochs, 5)
    np.testing.assert_allclose(fast.log_probs, slow.log_probs, rtol=0, atol=1e-5)
    np.testing.assert_allclose(np.exp(fast.log_probs).sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("key", ["seqsleepnet-shared-head", "arnn", "multitask-arnn"])
@pytest.mark.parametrize("stride", [1, 3])
def test_predictions_are_forward_on_every_window_averaged(key: str, stride: int) -> None:
    model = _small(key)
    x = _images(13, channels=1)
    expected = _by_hand(model, x, L, stride)
    got = predict_logprobs(model, x, L, stride=stride, batch_size=3)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_multitask_windows_combine_neighbour_predictions_inside_each_window() -> None:
    # the multitask model's output for an epoch depends on its neighbours ...
    model = _small("multitask-arnn")
    x = _images(12, channels=1)
    changed = x.copy()
    changed[6] += 1.0
    before, after = predict_logprobs(model, x, L), predict_logprobs(model, changed, L)
    untouched = [0, 1, 2, 3, 4, 8, 9, 10, 11]
    np.testing.assert_allclose(before[untouched], after[untouched], atol=1e-6)
    assert not np.allclose(before[[5, 7]], after[[5, 7]])
    # ... but windows of one epoch keep each epoch's prediction about itself only
    with torch.no_grad():
        own = model.context_log_probs(torch.from_numpy(x)[None])[0, :, 1].numpy()  # (E, K)
    np.testing.assert_allclose(predict_logprobs(model, x, 1), own, atol=1e-5)


def test_fixed_length_models_pad_short_nights_with_zero_epochs() -> None:
    model = _small("seqsleepnet-per-position-heads")
    assert model.fixed_length and model.window_length == L
    x = _images(5, channels=1)
    padded = np.concatenate([x, np.zeros((L - 5, *x.shape[1:]), np.float32)])
    with torch.no_grad():
        expected = model(torch.from_numpy(padded)[None])[0, :5].numpy()  # padding ignored
    for encode_once in (True, False):
        out = predict_night(model, x, L, encode_once=encode_once)
        np.testing.assert_allclose(out.log_probs, expected, atol=1e-5)


def test_fixed_length_models_refuse_other_window_lengths() -> None:
    model = _small("seqsleepnet-per-position-heads")
    with pytest.raises(ConfigError, match="per-position output layers for seq_len=8"):
        predict_logprobs(model, _images(20, channels=1), 6)


def test_deepsleepnet_encodes_each_epoch_once_and_has_no_attention() -> None:
    small = {"first_filters": 4, "filters": 4, "lstm_hidden": 4, "lstm_layers": 1}
    model = build_model("deepsleepnet", seed=0, channels=1, **small).eval()
    x = np.random.default_rng(0).normal(size=(30, 1, 3000)).astype(np.float32)
    fast = predict_night(model, x, L, batch_size=5)
    slow = predict_night(model, x, L, batch_size=7, encode_once=False)
    assert fast.attention is None and slow.attention is None
    np.testing.assert_allclose(fast.log_probs, slow.log_probs, rtol=0, atol=1e-5)


def test_models_without_separable_encoder_take_the_naive_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = build_model("deepsleepnet", seed=0, channels=1).eval()
    monkeypatch.setattr(type(model), "separable_encoder", False)  # as a model without one
    x = np.random.default_rng(0).normal(size=(4, 1, 3000)).astype(np.float32)
    out = predict_night(model, x, 3)
    assert out.attention is None and out.log_probs.shape == (4, 5)
    with pytest.raises(ConfigError, match="deepsleepnet has no separable epoch encoder"):
        torch_parts(model)


@pytest.mark.parametrize("stride", [1, 3, 8])
def test_encode_once_equals_the_naive_per_window_forward(
    model: SleepStagingModel, stride: int
) -> None:
    x = _images(37)
    fast = predict_encode_once(x, *torch_parts(model), seq_len=8, stride=stride, batch_size=5)
    slow = predict_naive(x, model, seq_len=8, stride=stride, batch_size=7)
    assert np.abs(fast.log_probs - slow.log_probs).max() < 1e-5
    assert fast.attention is not None and fast.attention.shape == (37, 29)


def test_output_is_normalised_log_probabilities(model: SleepStagingModel) -> None:
    out = predict_encode_once(_images(20), *torch_parts(model), seq_len=8)
    np.testing.assert_allclose(np.exp(out.log_probs).sum(axis=1), 1.0, atol=1e-6)


def test_each_epoch_is_encoded_once(model: SleepStagingModel) -> None:
    encode, classify = torch_parts(model)
    seen: list[int] = []

    def counting_encode(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        seen.append(x.shape[0])
        return encode(x)

    predict_encode_once(_images(300), counting_encode, classify, seq_len=8, batch_size=16)
    assert sum(seen) == 300


def test_a_night_shorter_than_the_window_is_staged(model: SleepStagingModel) -> None:
    x = _images(5)
    out = predict_encode_once(x, *torch_parts(model), seq_len=8)
    reference = model(torch.from_numpy(x)[None]).detach().numpy()[0]  # one window of 5 epochs
    np.testing.assert_allclose(out.log_probs, reference, atol=1e-5)


def test_fixed_length_classifiers_get_zero_padded_windows() -> None:
    heads = build_model("seqsleepnet", seed=2, seq_len=8, per_position_heads=True).eval()
    out = predict_encode_once(_images(5), *torch_parts(heads), seq_len=8, fixed_length=True)
    assert out.log_probs.shape == (5, 5)
    assert out.attention is not None and out.attention.shape == (5, 29)
    assert np.isfinite(out.log_probs).all()


def test_window_aggregation_averages_overlapping_votes(model: SleepStagingModel) -> None:
    x = _images(12)
    out = predict_naive(x, model, seq_len=8)
    windows = [model(torch.from_numpy(x[s : s + 8])[None]).detach().numpy()[0] for s in range(5)]
    epoch = 6  # covered by windows starting at 0..4 (positions 6..2)
    mean = np.mean([w[epoch - s] for s, w in enumerate(windows)], axis=0)
    expected = mean - np.log(np.exp(mean).sum())
    np.testing.assert_allclose(out.log_probs[epoch], expected, atol=1e-5)


def test_one_to_one_model_and_short_recording() -> None:
    model = build_model("arnn", seed=0, **SMALL).eval()
    x = np.random.default_rng(1).normal(size=(3, 1, 29, 129)).astype(np.float32)
    out = predict_logprobs(model, x, 5)  # E < L: one window of the E epochs
    with torch.no_grad():
        direct = model(torch.from_numpy(x)[None])[0].numpy()  # one-to-one: context-free
    np.testing.assert_allclose(out, direct, atol=1e-5)
    with pytest.raises(ConfigError, match="E >= 1"):
        predict_logprobs(model, x[:0], 5)
