"""Bidirectional recurrent layers: fused GRU, batch-normalised GRU and LSTM.

Three cell types share one interface, :class:`BidirectionalRNN`:

``"gru"``
    :class:`torch.nn.GRU` (fused, fast, any sequence length). The paper
    describes GRU cells.
``"bn-gru"``
    A GRU with recurrent batch normalisation (Cooijmans et al. 2016) on the
    input and hidden projections.
``"bn-lstm"``
    The batch-normalised LSTM of the authors' released code: batch norm on the
    input projection, the hidden projection and the cell state, scale
    initialised to 0.1, forget-gate bias 1, orthogonal recurrent weights.

Batch-norm statistics are kept per time step (``max_steps`` of them; later
steps reuse the last), so in eval mode the running statistics make each
output independent of the other sequences in the batch. Dropout is applied to
the inputs and the outputs of the layer, as in the authors' code.
"""

from __future__ import annotations

from typing import Literal, get_args

import torch
from torch import nn

from seqsleepnet.errors import check_option

__all__ = [
    "CELL_TYPES",
    "BNGRUCell",
    "BNLSTMCell",
    "BidirectionalRNN",
    "CellType",
    "StepwiseBatchNorm",
    "check_cell",
]

CellType = Literal["gru", "bn-gru", "bn-lstm"]
CELL_TYPES: tuple[str, ...] = get_args(CellType)


def check_cell(cell: str) -> None:
    """Raise :class:`ConfigError` unless ``cell`` is one of :data:`CELL_TYPES`."""
    check_option("cell", cell, CELL_TYPES)


class StepwiseBatchNorm(nn.Module):
    """Batch normalisation with separate running statistics per time step.

    Parameters
    ----------
    features : int
        Feature size D.
    max_steps : int
        Number of steps with their own statistics; steps beyond use the last.
    scale_init : float
        Initial value of the scale (0.1 in recurrent batch normalisation).
    offset : bool
        Learn an additive offset (bias) as well.
    momentum : float
        Weight of the new batch in the running averages (0.05 = decay 0.95).
    """

    running_mean: torch.Tensor
    running_var: torch.Tensor

    def __init__(
        self,
        features: int,
        max_steps: int,
        scale_init: float = 0.1,
        offset: bool = True,
        momentum: float = 0.05,
        eps: float = 1e-5,
    ) -> None:
        super().__init__()
        self.max_steps = max_steps
        self.momentum = momentum
        self.eps = eps
        self.weight = nn.Parameter(torch.full((features,), scale_init))
        self.bias = nn.Parameter(torch.zeros(features)) if offset else None
        self.register_buffer("running_mean", torch.zeros(max_steps, features))
        self.register_buffer("running_var", torch.ones(max_steps, features))

    def forward(self, x: torch.Tensor, step: int | None = None) -> torch.Tensor:
        """Normalise one step (x: (N, D), ``step`` given) or all steps (x: (N, T, D)).

        Returns a tensor of the same shape as ``x``.
        """
        if step is not None:
            return self._normalise(x, min(step, self.max_steps - 1))
        idx = torch.arange(x.shape[1], device=x.device).clamp(max=self.max_steps - 1)
        return self._normalise(x, idx)

    def _normalise(self, x: torch.Tensor, idx: torch.Tensor | int) -> torch.Tensor:
        # x: (N, T, D) with idx (T,), the statistics row of each step; or x: (N, D) with
        # idx one row (plain indexing: no index tensor, gather or scatter per step)
        if self.training:
            mean = x.mean(dim=0)  # (T, D)
            centred = x - mean  # (N, T, D)
            # the biased variance as the mean of squares of the centred values: the same
            # two-pass maths as Tensor.var, which is far slower over the batch dimension
            var = (centred * centred).mean(dim=0)  # (T, D)
            with torch.no_grad():
                n = x.shape[0]
                unbiased = var * n / max(n - 1, 1)
                m = self.momentum
                self.running_mean[idx] = (1 - m) * self.running_mean[idx] + m * mean
                self.running_var[idx] = (1 - m) * self.running_var[idx] + m * unbiased
        else:
            centred = x - self.running_mean[idx]  # (N, T, D)
            var = self.running_var[idx]  # (T, D)
        y = centred * torch.rsqrt(var + self.eps) * self.weight
        return y if self.bias is None else y + self.bias


def _orthogonal_blocks(weight: torch.Tensor, hidden: int) -> None:
    """Initialise each (hidden, in) gate block of ``weight`` (G*hidden, in) orthogonally."""
    with torch.no_grad():
        for block in weight.split(hidden, dim=0):
            nn.init.orthogonal_(block)


class BNLSTMCell(nn.Module):
    """Batch-normalised LSTM cell (Cooijmans et al. 2016), one direction.

    Gates ``[f, i, o, g] = BN_x(W_x x_t) + BN_h(W_h h_{t-1})`` (the offset of
    ``BN_h`` is the gate bias, forget part initialised to 1);
    ``c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g)``;
    ``h_t = sigmoid(o) tanh(BN_c(c_t))``.

    Parameters: ``4H*in + 4H*H`` weights, ``4H`` + ``4H`` scales, ``4H`` gate
    offsets, ``H`` + ``H`` for ``BN_c``.
    """

    def __init__(self, input_size: int, hidden: int, max_steps: int) -> None:
        super().__init__()
        self.hidden = hidden
        self.w_x = nn.Linear(input_size, 4 * hidden, bias=False)
        self.w_h = nn.Linear(hidden, 4 * hidden, bias=False)
        self.bn_x = StepwiseBatchNorm(4 * hidden, max_steps, offset=False)
        self.bn_h = StepwiseBatchNorm(4 * hidden, max_steps)
        self.bn_c = StepwiseBatchNorm(hidden, max_steps)
        _orthogonal_blocks(self.w_x.weight, hidden)
        _orthogonal_blocks(self.w_h.weight, hidden)
        gate_bias = self.bn_h.bias
        if gate_bias is not None:
            with torch.no_grad():
                gate_bias[:hidden].fill_(1.0)  # forget-gate bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run over a sequence: x (N, T, in) -> hidden states (N, T, H)."""
        n = x.shape[0]
        gx = self.bn_x(self.w_x(x))  # (N, T, 4H), all steps at once
        h = x.new_zeros(n, self.hidden)
        c = x.new_zeros(n, self.hidden)
        out = []
        # T x (N, 4H): unbind's backward is one stack, where indexing gx[:, step] would
        # write a zero-filled (N, T, 4H) gradient for every step
        for step, gx_t in enumerate(gx.unbind(1)):
            gates = gx_t + self.bn_h(self.w_h(h), step)  # (N, 4H)
            f, i, o, g = gates.chunk(4, dim=1)  # 4 x (N, H)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(self.bn_c(c, step))
            out.append(h)
        return torch.stack(out, dim=1)  # (N, T, H)


class BNGRUCell(nn.Module):
    """Batch-normalised GRU cell, one direction.

    ``[r_x, z_x, n_x] = BN_x(W_x x_t)`` and ``[r_h, z_h, n_h] = BN_h(W_h h_{t-1})``
    (the offset of ``BN_h`` is the bias); ``r = sigmoid(r_x + r_h)``,
    ``z = sigmoid(z_x + z_h)``, ``n = tanh(n_x + r * n_h)``,
    ``h_t = (1 - z) n + z h_{t-1}``.

    Parameters: ``3H*in + 3H*H`` weights, ``3H`` + ``3H`` scales, ``3H`` offsets.
    """

    def __init__(self, input_size: int, hidden: int, max_steps: int) -> None:
        super().__init__()
        self.hidden = hidden
        self.w_x = nn.Linear(input_size, 3 * hidden, bias=False)
        self.w_h = nn.Linear(hidden, 3 * hidden, bias=False)
        self.bn_x = StepwiseBatchNorm(3 * hidden, max_steps, offset=False)
        self.bn_h = StepwiseBatchNorm(3 * hidden, max_steps)
        _orthogonal_blocks(self.w_x.weight, hidden)
        _orthogonal_blocks(self.w_h.weight, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run over a sequence: x (N, T, in) -> hidden states (N, T, H)."""
        n = x.shape[0]
        gx = self.bn_x(self.w_x(x))  # (N, T, 3H), all steps at once
        h = x.new_zeros(n, self.hidden)
        out = []
        for step, gx_t in enumerate(gx.unbind(1)):  # T x (N, 3H), as in BNLSTMCell
            rx, zx, nx = gx_t.chunk(3, dim=1)  # 3 x (N, H)
            rh, zh, nh = self.bn_h(self.w_h(h), step).chunk(3, dim=1)  # 3 x (N, H)
            r = torch.sigmoid(rx + rh)
            z = torch.sigmoid(zx + zh)
            cand = torch.tanh(nx + r * nh)
            h = (1 - z) * cand + z * h
            out.append(h)
        return torch.stack(out, dim=1)  # (N, T, H)


class BidirectionalRNN(nn.Module):
    """Dropout -> bidirectional recurrent layer -> dropout.

    Parameters
    ----------
    input_size : int
        Features per step.
    hidden : int
        Units per direction H; the output has 2H features (forward, backward).
    cell : {"gru", "bn-gru", "bn-lstm"}
        Cell type (see module docstring).
    max_steps : int
        Steps with their own batch-norm statistics (BN cells only): the frame
        count for the epoch level, the sequence length for the sequence level.
    dropout : float
        Drop probability on the layer's inputs and outputs.
    """

    def __init__(
        self, input_size: int, hidden: int, cell: str, max_steps: int, dropout: float
    ) -> None:
        super().__init__()
        check_cell(cell)
        self.cell = cell
        self.drop_in = nn.Dropout(dropout)
        self.drop_out = nn.Dropout(dropout)
        if cell == "gru":
            self.rnn = nn.GRU(input_size, hidden, batch_first=True, bidirectional=True)
        else:
            cell_class = BNGRUCell if cell == "bn-gru" else BNLSTMCell
            self.forward_cell = cell_class(input_size, hidden, max_steps)
            self.backward_cell = cell_class(input_size, hidden, max_steps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (N, T, in) -> (N, T, 2H); the backward half reads the steps in reverse."""
        x = self.drop_in(x)
        if self.cell == "gru":
            y, _ = self.rnn(x)  # (N, T, 2H)
        else:
            fwd = self.forward_cell(x)  # (N, T, H)
            bwd = self.backward_cell(x.flip(1)).flip(1)  # (N, T, H)
            y = torch.cat([fwd, bwd], dim=2)  # (N, T, 2H)
        return self.drop_out(y)
