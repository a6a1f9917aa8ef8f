"""Tests of SeqSleepNet: shapes, parameter counts, encode-once, overfitting, seeding."""

from __future__ import annotations

import pytest
import torch

from conftest import data_loss, fit_one_batch
from seqsleepnet.errors import ConfigError
from seqsleepnet.models.registry import build_model, count_parameters
from seqsleepnet.models.seqsleepnet import SeqSleepNet, SeqSleepNetConfig

CELLS = ["gru", "bn-gru", "bn-lstm"]


def gru(i: int, h: int) -> int:
    """Parameters of one bidirectional nn.GRU layer: 3 gates x (W_x, W_h, b_x, b_h) x 2."""
    return 2 * 3 * (i * h + h * h + 2 * h)


def bn_gru(i: int, h: int) -> int:
    return 2 * (3 * h * i + 3 * h * h + 3 * h + 3 * h + 3 * h)


def bn_lstm(i: int, h: int) -> int:
    return 2 * (4 * h * i + 4 * h * h + 4 * h + 4 * h + 4 * h + h + h)


def expected_parameters(channels: int, cell: str, heads: int) -> int:
    rnn = {"gru": gru, "bn-gru": bn_gru, "bn-lstm": bn_lstm}[cell]
    filterbank = channels * 129 * 32  # one V (129 x 32) per channel; T is fixed
    epoch_rnn = rnn(channels * 32, 64)
    attention = 128 * 64 + 64 + 64  # W, b, u
    sequence_rnn = rnn(128, 64)
    output = heads * (128 * 5 + 5)
    return filterbank + epoch_rnn + attention + sequence_rnn + output


def test_paper_parameter_count_three_channels_gru() -> None:
    model = SeqSleepNet(SeqSleepNetConfig(channels=3))
    # 12,384 + 62,208 + 8,320 + 74,496 + 645
    assert count_parameters(model) == expected_parameters(3, "gru", 1) == 158_053


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize(("channels", "per_position"), [(1, False), (3, True)])
def test_parameter_counts(cell: str, channels: int, per_position: bool) -> None:
    cfg = SeqSleepNetConfig(channels=channels, cell=cell, per_position_heads=per_position)  # type: ignore[arg-type]
    heads = cfg.seq_len if per_position else 1
    assert count_parameters(SeqSleepNet(cfg)) == expected_parameters(channels, cell, heads)


@pytest.mark.parametrize("cell", CELLS)
def test_shapes_and_attention(cell: str) -> None:
    model = SeqSleepNet(SeqSleepNetConfig(channels=2, seq_len=4, cell=cell))  # type: ignore[arg-type]
    x = torch.randn(3, 4, 2, 29, 129)
    log_probs, alpha = model.forward_with_attention(x)
    assert log_probs.shape == (3, 4, 5)
    assert alpha.shape == (3, 4, 29)
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(3, 4))
    torch.testing.assert_close(alpha.sum(-1), torch.ones(3, 4))
    assert torch.all(alpha >= 0)
    z, a = model.encode_epochs(x[0])
    assert z.shape == (4, 128) and a.shape == (4, 29)
    assert model.classify_sequences(z[None]).shape == (1, 4, 5)


@pytest.mark.parametrize("cell", CELLS)
def test_encode_once_matches_naive_windows(cell: str) -> None:
    torch.manual_seed(0)
    seq_len, n_epochs = 10, 50
    model = SeqSleepNet(SeqSleepNetConfig(channels=3, seq_len=seq_len, cell=cell))  # type: ignore[arg-type]
    # a training step so that batch-norm cells have non-trivial running statistics
    x_train = torch.randn(4, seq_len, 3, 29, 129)
    data_loss(model, x_train, torch.randint(0, 5, (4, seq_len))).backward()
    model.eval()
    night = torch.randn(n_epochs, 3, 29, 129)
    with torch.no_grad():
        windows = night.unfold(0, seq_len, 1).permute(0, 4, 1, 2, 3)  # (W, L, C, T, F)
        assert windows.shape == (n_epochs - seq_len + 1, seq_len, 3, 29, 129)
        naive = model(windows)
        z, _ = model.encode_epochs(night)  # (E, 128)
        z_windows = z.unfold(0, seq_len, 1).permute(0, 2, 1)  # (W, L, 128)
        once = model.classify_sequences(z_windows)
    assert naive.shape == once.shape == (n_epochs - seq_len + 1, seq_len, 5)
    assert (naive - once).abs().max().item() < 1e-5


def test_shared_head_accepts_any_length_but_per_position_heads_do_not() -> None:
    shared = SeqSleepNet(SeqSleepNetConfig(channels=1, seq_len=5)).eval()
    assert shared(torch.randn(2, 7, 1, 29, 129)).shape == (2, 7, 5)
    per_position = SeqSleepNet(SeqSleepNetConfig(channels=1, seq_len=5, per_position_heads=True))
    assert per_position(torch.randn(2, 5, 1, 29, 129)).shape == (2, 5, 5)
    with pytest.raises(ConfigError, match="per-position output layers for seq_len=5"):
        per_position(torch.randn(2, 7, 1, 29, 129))


def test_bad_inputs_and_config() -> None:
    model = SeqSleepNet(SeqSleepNetConfig(channels=3, seq_len=4))
    with pytest.raises(ConfigError, match=r"expected \(B, L, 3, 29, 129\)"):
        model(torch.randn(2, 4, 1, 29, 129))
    with pytest.raises(ConfigError, match=r"expected \(E, 3, 29, 129\)"):
        model.encode_epochs(torch.randn(2, 4, 3, 29, 129))
    with pytest.raises(ConfigError, match=r"expected \(B, L, 128\)"):
        model.classify_sequences(torch.randn(2, 4, 64))
    with pytest.raises(ConfigError, match="seq_len=0 must be positive"):
        SeqSleepNetConfig(seq_len=0)
    with pytest.raises(ConfigError, match=r"dropout=1.0 must be in \[0, 1\)"):
        SeqSleepNetConfig(dropout=1.0)
    with pytest.raises(ConfigError, match="cell='rnn' is not allowed; choose one of 'gru'"):
        SeqSleepNetConfig(cell="rnn")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"high_freq=80\.0 Hz must satisfy"):
        SeqSleepNetConfig(high_freq=80.0)


def test_overfits_one_small_batch() -> None:
    torch.manual_seed(0)
    model = SeqSleepNet(SeqSleepNetConfig(channels=1, seq_len=4))
    x = torch.randn(4, 4, 1, 29, 129)
    y = torch.arange(16).reshape(4, 4) % 5
    with torch.no_grad():
        start = data_loss(model.eval(), x, y).item()
    fit_one_batch(model, x, y, steps=80)
    model.eval()
    with torch.no_grad():
        end = data_loss(model, x, y).item()
        accuracy = (model(x).argmax(-1) == y).float().mean().item()
    assert end < 0.2 * start
    assert accuracy == 1.0


def test_bn_lstm_overfits_one_small_batch_with_batch_statistics() -> None:
    # Running statistics trail the weights (momentum 0.05), so with a handful of
    # steps the fit is judged in training mode (batch statistics, no dropout).
    torch.manual_seed(0)
    model = SeqSleepNet(SeqSleepNetConfig(channels=1, seq_len=4, cell="bn-lstm", dropout=0.0))
    x = torch.randn(4, 4, 1, 29, 129)
    y = torch.arange(16).reshape(4, 4) % 5
    with torch.no_grad():
        start = data_loss(model, x, y).item()
    fit_one_batch(model, x, y, steps=40)
    with torch.no_grad():
        end = data_loss(model, x, y).item()
        accuracy = (model(x).argmax(-1) == y).float().mean().item()
    assert end < 0.05 * start
    assert accuracy == 1.0


def test_same_seed_same_weights_and_outputs() -> None:
    x = torch.randn(2, 20, 3, 29, 129)
    a = build_model("seqsleepnet", seed=7).eval()
    b = build_model("seqsleepnet", seed=7).eval()
    c = build_model("seqsleepnet", seed=8).eval()
    for key, value in a.state_dict().items():
        torch.testing.assert_close(value, b.state_dict()[key], rtol=0, atol=0)
    assert not torch.equal(a.state_dict()["heads.0.weight"], c.state_dict()["heads.0.weight"])
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x), rtol=0, atol=0)
        assert not torch.allclose(a(x), c(x))


def test_initialisation_of_filterbank_and_attention() -> None:
    torch.manual_seed(0)
    model = SeqSleepNet(SeqSleepNetConfig(channels=3, attention_size=256))
    v = model.encoder.filterbank.weight_logits
    assert abs(v.mean().item()) < 0.05 and abs(v.std().item() - 1.0) < 0.05  # N(0, 1)
    w = model.encoder.attention.projection.weight
    assert abs(w.std().item() - 0.1) < 0.01  # N(0, 0.1)
