import numpy as np
import pytest
import torch

from seqsleepnet.errors import ConfigError
from seqsleepnet.inference import predict_encode_once, predict_logprobs, predict_naive, torch_parts
from seqsleepnet.models.registry import build_model
from seqsleepnet.windows import aggregate_windows, window_starts

SMALL = {"channels": 1, "n_filters": 4, "epoch_hidden": 6, "attention_size": 5}


@pytest.fixture(scope="module")
def model() -> torch.nn.Module:
    return build_model("seqsleepnet", seed=1, seq_len=8).eval()


def _images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 3, 29, 129)).astype(np.float32)


@pytest.mark.parametrize("stride", [1, 3, 8])
def test_encode_once_equals_the_naive_per_window_forward(
    model: torch.nn.Module, stride: int
) -> None:
    x = _images(37)
    fast = predict_encode_once(x, *torch_parts(model), seq_len=8, stride=stride, batch_size=5)
    slow = predict_naive(x, model, seq_len=8, stride=stride, batch_size=7)
    assert np.abs(fast.log_probs - slow.log_probs).max() < 1e-5
    assert fast.attention is not None and fast.attention.shape == (37, 29)


def test_output_is_normalised_log_probabilities(model: torch.nn.Module) -> None:
    out = predict_encode_once(_images(20), *torch_parts(model), seq_len=8)
    np.testing.assert_allclose(np.exp(out.log_probs).sum(axis=1), 1.0, atol=1e-6)


def test_each_epoch_is_encoded_once(model: torch.nn.Module) -> None:
    encode, classify = torch_parts(model)
    seen: list[int] = []

    def counting_encode(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        seen.append(x.shape[0])
        return encode(x)

    predict_encode_once(_images(300), counting_encode, classify, seq_len=8, batch_size=16)
    assert sum(seen) == 300


def test_a_night_shorter_than_the_window_is_staged(model: torch.nn.Module) -> None:
    x = _images(5)
    out = predict_encode_once(x, *torch_parts(model), seq_len=8)
    reference = model(torch.from_numpy(x)[None]).detach().numpy()[0]  # one window of 5 epochs
    np.testing.assert_allclose(out.log_probs, reference, atol=1e-5)


def test_fixed_length_classifiers_get_zero_padded_windows() -> None:
    heads = build_model("seqsleepnet", seed=2, seq_len=8, per_position_heads=True).eval()
    out = predict_encode_once(_images(5), *torch_parts(heads), seq_len=8, fixed_length=True)
    assert out.log_probs.shape == (5, 5)
    assert np.isfinite(out.log_probs).all()


def test_window_aggregation_averages_overlapping_votes(model: torch.nn.Module) -> None:
    x = _images(12)
    out = predict_naive(x, model, seq_len=8)
    windows = [model(torch.from_numpy(x[s : s + 8])[None]).detach().numpy()[0] for s in range(5)]
    epoch = 6  # covered by windows starting at 0..4 (positions 6..2)
    mean = np.mean([w[epoch - s] for s, w in enumerate(windows)], axis=0)
    expected = mean - np.log(np.exp(mean).sum())
    np.testing.assert_allclose(out.log_probs[epoch], expected, atol=1e-5)


@pytest.mark.parametrize("stride", [1, 4])
def test_encode_once_equals_running_every_window(stride: int) -> None:
    torch.manual_seed(0)
    model = build_model("seqsleepnet", seed=1, sequence_hidden=5, seq_len=4, **SMALL).eval()
    x = np.random.default_rng(0).normal(size=(11, 1, 29, 129)).astype(np.float32)
    fast = predict_logprobs(model, x, 4, stride=stride, batch_size=3)
    starts = window_starts(11, 4, stride)
    with torch.no_grad():
        windows = torch.from_numpy(np.stack([x[s : s + 4] for s in starts]))
        slow = aggregate_windows(model(windows).numpy(), 11, starts=starts)
    slow -= np.logaddexp.reduce(slow, axis=1, keepdims=True)
    np.testing.assert_allclose(fast, slow, atol=1e-5)
    np.testing.assert_allclose(np.exp(fast).sum(axis=1), 1.0, atol=1e-6)


def test_one_to_one_model_and_short_recording() -> None:
    model = build_model("arnn", seed=0, **SMALL).eval()
    x = np.random.default_rng(1).normal(size=(3, 1, 29, 129)).astype(np.float32)
    out = predict_logprobs(model, x, 5)  # E < L: padded window
    with torch.no_grad():
        direct = model(torch.from_numpy(x)[None])[0].numpy()  # one-to-one: context-free
    np.testing.assert_allclose(out, direct, atol=1e-5)
    with pytest.raises(ConfigError, match="E >= 1"):
        predict_logprobs(model, x[:0], 5)
