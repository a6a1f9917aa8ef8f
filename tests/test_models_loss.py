"""Tests of the training loss and the L2 term."""

from __future__ import annotations

import math

import pytest
import torch

from seqsleepnet.errors import ConfigError, HypnogramError
from seqsleepnet.models.loss import (
    l2_parameters,
    l2_penalty,
    masked_cross_entropy,
    sequence_loss,
)
from seqsleepnet.models.seqsleepnet import SeqSleepNet, SeqSleepNetConfig


def _log_probs() -> torch.Tensor:
    probs = torch.tensor(
        [
            [[0.5, 0.2, 0.1, 0.1, 0.1], [0.1, 0.6, 0.1, 0.1, 0.1]],
            [[0.2, 0.2, 0.4, 0.1, 0.1], [0.1, 0.1, 0.1, 0.1, 0.6]],
        ]
    )  # (B=2, L=2, K=5)
    return probs.log()


def test_cross_entropy_by_hand_with_unscored_position() -> None:
    lp = _log_probs()
    targets = torch.tensor([[0, 1], [2, -1]])
    scored = -(math.log(0.5) + math.log(0.6) + math.log(0.4))
    # authors' reduction: per-sequence average over L = 2 positions, summed over sequences
    assert masked_cross_entropy(lp, targets).item() == pytest.approx(scored / 2)
    assert masked_cross_entropy(lp, targets, "mean").item() == pytest.approx(scored / 3)
    # the unscored position's prediction does not matter
    lp2 = lp.clone()
    lp2[1, 1] = torch.tensor([0.96, 0.01, 0.01, 0.01, 0.01]).log()
    assert masked_cross_entropy(lp2, targets).item() == pytest.approx(scored / 2)


def test_nothing_scored_gives_zero_with_gradient() -> None:
    lp = _log_probs().requires_grad_()
    loss = masked_cross_entropy(lp, torch.full((2, 2), -1))
    loss.backward()
    assert loss.item() == 0.0 and lp.grad is not None


@pytest.mark.parametrize(
    ("targets", "error", "match"),
    [
        (torch.tensor([[0, 5], [1, 1]]), HypnogramError, r"targets contain \[5\]"),
        (torch.tensor([[0, -2], [1, 1]]), HypnogramError, r"targets contain \[-2\]"),
        (torch.tensor([0, 1]), HypnogramError, "targets have shape"),
    ],
)
def test_bad_targets(targets: torch.Tensor, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        masked_cross_entropy(_log_probs(), targets)


def test_bad_reduction() -> None:
    with pytest.raises(ConfigError, match="batch_reduction='median'"):
        masked_cross_entropy(_log_probs(), torch.zeros(2, 2, dtype=torch.long), "median")  # type: ignore[arg-type]


def test_l2_skips_only_the_filterbank() -> None:
    model = SeqSleepNet(SeqSleepNetConfig(channels=3))
    chosen = list(l2_parameters(model))
    assert all(p is not model.encoder.filterbank.weight_logits for p in chosen)
    total = sum(p.numel() for p in model.parameters())
    assert sum(p.numel() for p in chosen) == total - 3 * 129 * 32
    expected = sum((p.detach() ** 2).sum() for p in chosen) / 2
    assert l2_penalty(model).item() == pytest.approx(float(expected), rel=1e-5)


def test_sequence_loss_adds_weighted_l2() -> None:
    torch.manual_seed(0)
    model = SeqSleepNet(SeqSleepNetConfig(channels=1, seq_len=3)).eval()
    x = torch.randn(2, 3, 1, 29, 129)
    y = torch.tensor([[0, 1, 2], [3, 4, -1]])
    with torch.no_grad():
        data = masked_cross_entropy(model(x), y).item()
        total = sequence_loss(model, x, y, l2_weight=1e-3).item()
        assert sequence_loss(model, x, y, l2_weight=0.0).item() == pytest.approx(data)
        assert total == pytest.approx(data + 1e-3 * l2_penalty(model).item(), rel=1e-6)
