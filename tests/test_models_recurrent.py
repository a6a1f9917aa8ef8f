"""Tests of the bidirectional RNN layer and the batch-normalised cells."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

from seqsleepnet.errors import ConfigError
from seqsleepnet.models.recurrent import (
    BidirectionalRNN,
    BNGRUCell,
    BNLSTMCell,
    StepwiseBatchNorm,
)

CELLS = ["gru", "bn-gru", "bn-lstm"]


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("cell", CELLS)
def test_output_shape(cell: str) -> None:
    layer = BidirectionalRNN(10, 7, cell, max_steps=6, dropout=0.25)
    assert layer(torch.randn(3, 6, 10)).shape == (3, 6, 14)


def test_parameter_counts_per_cell() -> None:
    i, h = 10, 7
    # nn.GRU: 3 gates x (W_x, W_h, b_x, b_h) per direction
    assert _count(BidirectionalRNN(i, h, "gru", 5, 0.0)) == 2 * 3 * (i * h + h * h + 2 * h)
    # BN-GRU: W_x, W_h, x-scale, h-scale and h-offset for 3 gates per direction
    assert _count(BidirectionalRNN(i, h, "bn-gru", 5, 0.0)) == 2 * (
        3 * h * i + 3 * h * h + 3 * h + 3 * h + 3 * h
    )
    # BN-LSTM: 4 gates as above plus scale and offset of the cell-state batch norm
    assert _count(BidirectionalRNN(i, h, "bn-lstm", 5, 0.0)) == 2 * (
        4 * h * i + 4 * h * h + 4 * h + 4 * h + 4 * h + h + h
    )


def test_unknown_cell() -> None:
    with pytest.raises(ConfigError, match="cell='lstm' is not allowed; choose one of 'gru'"):
        BidirectionalRNN(4, 4, "lstm", 5, 0.0)


@pytest.mark.parametrize("cell", CELLS)
def test_directions_are_causal_each_way(cell: str) -> None:
    torch.manual_seed(0)
    layer = BidirectionalRNN(5, 4, cell, max_steps=8, dropout=0.0).eval()
    x = torch.randn(2, 8, 5)
    x2 = x.clone()
    x2[:, 4] += 1.0
    y, y2 = layer(x), layer(x2)
    # forward half (first 4 features): steps before 4 are unchanged, step 4 changes
    torch.testing.assert_close(y[:, :4, :4], y2[:, :4, :4])
    assert not torch.allclose(y[:, 4, :4], y2[:, 4, :4])
    # backward half: steps after 4 are unchanged, step 4 changes
    torch.testing.assert_close(y[:, 5:, 4:], y2[:, 5:, 4:])
    assert not torch.allclose(y[:, 4, 4:], y2[:, 4, 4:])


@pytest.mark.parametrize("cell", ["bn-gru", "bn-lstm"])
def test_eval_mode_outputs_do_not_depend_on_the_batch(cell: str) -> None:
    torch.manual_seed(1)
    layer = BidirectionalRNN(5, 4, cell, max_steps=6, dropout=0.0)
    layer(torch.randn(16, 6, 5))  # training step: fills the running statistics
    layer.eval()
    x = torch.randn(4, 6, 5)
    torch.testing.assert_close(layer(x)[:1], layer(x[:1]))


def test_batch_norm_keeps_statistics_per_step() -> None:
    bn = StepwiseBatchNorm(3, max_steps=5, momentum=0.5)
    x = torch.zeros(8, 2, 3)
    x[:, 0] += 4.0  # step 0 mean 4, step 1 mean 0
    bn(x)
    torch.testing.assert_close(bn.running_mean[0], torch.full((3,), 2.0))
    torch.testing.assert_close(bn.running_mean[1], torch.zeros(3))
    torch.testing.assert_close(bn.running_mean[2:], torch.zeros(3, 3))  # steps not seen
    bn.eval()
    # steps beyond max_steps reuse the last step's statistics
    bn.running_mean[4] = 1.0
    long = torch.ones(1, 7, 3)
    out = bn(long)
    torch.testing.assert_close(out[0, 5], out[0, 4])
    torch.testing.assert_close(out[0, 4], torch.zeros(3))


def test_bn_lstm_initialisation() -> None:
    cell = BNLSTMCell(6, 4, max_steps=3)
    assert cell.bn_h.bias is not None
    torch.testing.assert_close(cell.bn_h.bias[:4], torch.ones(4))  # forget gate
    torch.testing.assert_close(cell.bn_h.bias[4:], torch.zeros(12))
    for bn in (cell.bn_x, cell.bn_h, cell.bn_c):
        torch.testing.assert_close(bn.weight, torch.full_like(bn.weight, 0.1))
    block = cell.w_h.weight[:4]  # (H, H) recurrent weights of one gate
    torch.testing.assert_close(block @ block.T, torch.eye(4), atol=1e-5, rtol=0)


Stats = tuple[StepwiseBatchNorm, torch.Tensor, torch.Tensor]  # batch norm, mean, unbiased var


def _batch_norm(z: torch.Tensor, bn: StepwiseBatchNorm, stats: list[Stats]) -> torch.Tensor:
    """Training-mode batch norm of one step z (N, D) with batch statistics; records them."""
    mean, var = z.mean(dim=0), z.var(dim=0, unbiased=False)
    stats.append((bn, mean.detach(), z.var(dim=0, unbiased=True).detach()))
    y = (z - mean) / torch.sqrt(var + bn.eps) * bn.weight
    return y if bn.bias is None else y + bn.bias


def _reference_bn_lstm(cell: BNLSTMCell, x: torch.Tensor, stats: list[Stats]) -> torch.Tensor:
    """The equations of BNLSTMCell's docstring, one step at a time."""
    h = c = x.new_zeros(x.shape[0], cell.hidden)
    out = []
    for step in range(x.shape[1]):
        gx = _batch_norm(x[:, step] @ cell.w_x.weight.T, cell.bn_x, stats)
        f, i, o, g = (gx + _batch_norm(h @ cell.w_h.weight.T, cell.bn_h, stats)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(_batch_norm(c, cell.bn_c, stats))
        out.append(h)
    return torch.stack(out, dim=1)


def _reference_bn_gru(cell: BNGRUCell, x: torch.Tensor, stats: list[Stats]) -> torch.Tensor:
    """The equations of BNGRUCell's docstring, one step at a time."""
    h = x.new_zeros(x.shape[0], cell.hidden)
    out = []
    for step in range(x.shape[1]):
        rx, zx, nx = _batch_norm(x[:, step] @ cell.w_x.weight.T, cell.bn_x, stats).chunk(3, dim=1)
        rh, zh, nh = _batch_norm(h @ cell.w_h.weight.T, cell.bn_h, stats).chunk(3, dim=1)
        r, z = torch.sigmoid(rx + rh), torch.sigmoid(zx + zh)
        h = (1 - z) * torch.tanh(nx + r * nh) + z * h
        out.append(h)
    return torch.stack(out, dim=1)


@pytest.mark.parametrize(
    ("cell_class", "reference"), [(BNLSTMCell, _reference_bn_lstm), (BNGRUCell, _reference_bn_gru)]
)
def test_bn_cells_equal_their_equations_with_gradients(
    cell_class: type[BNLSTMCell] | type[BNGRUCell],
    reference: Callable[[Any, torch.Tensor, list[Stats]], torch.Tensor],
) -> None:
    """The cells' fast forward (input projections of all steps in one product, one unbind)
    gives the step-by-step equations' outputs, gradients and running statistics.

    In float64, so that the comparison is of the maths, to float precision, and not of the
    order in which float32 roundings happen."""
    torch.manual_seed(2)
    steps = 7
    cell = cell_class(5, 4, max_steps=steps).double()
    with torch.no_grad():
        for bn in (m for m in cell.modules() if isinstance(m, StepwiseBatchNorm)):
            bn.weight.uniform_(0.5, 1.5)  # away from the 0.1 initialisation: a stiffer test
    x = torch.randn(6, steps, 5, dtype=torch.float64, requires_grad=True)
    upstream = torch.randn(6, steps, 4, dtype=torch.float64)
    out = cell(x)
    grads = torch.autograd.grad((out * upstream).sum(), [x, *cell.parameters()])
    stats: list[Stats] = []
    expected = reference(cell, x, stats)
    expected_grads = torch.autograd.grad((expected * upstream).sum(), [x, *cell.parameters()])
    torch.testing.assert_close(out, expected)  # float64 tolerances: rtol 1e-7, atol 1e-7
    for got, want in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(got, want)
    # running statistics: one update from (0, 1) with the batch mean and unbiased variance
    seen: dict[int, int] = {}
    for bn, mean, var in stats:
        step = seen.get(id(bn), 0)
        seen[id(bn)] = step + 1
        torch.testing.assert_close(bn.running_mean[step], bn.momentum * mean)
        torch.testing.assert_close(bn.running_var[step], (1 - bn.momentum) + bn.momentum * var)
