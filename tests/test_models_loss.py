"""Tests of the training loss and the L2 term."""

from __future__ import annotations

import math

import pytest
import torch

from seqsleepnet.errors import ConfigError, HypnogramError
from seqsleepnet.models.loss import l2_parameters, l2_penalty, masked_cross_entropy
from seqsleepnet.models.multitask_arnn import MultitaskARNN, MultitaskARNNConfig
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


def test_cross_entropy_of_extra_outputs_by_hand() -> None:
    # training pairs with one extra axis (multitask: B=1, L=2, K_ctx=3), as the training loop
    # passes them; targets -1 mark context outputs outside the sequence
    torch.manual_seed(0)
    model = MultitaskARNN(MultitaskARNNConfig(channels=1)).eval()
    x = torch.randn(1, 2, 1, 29, 129)
    with torch.no_grad():
        log_probs, targets = model.training_pairs(x, torch.tensor([[3, 1]]))
        assert targets.tolist() == [[[-1, 3, 1], [3, 1, -1]]]
        lp = log_probs[0]  # (L, K_ctx, K)
        scored = -(lp[0, 1, 3] + lp[0, 2, 1] + lp[1, 0, 3] + lp[1, 1, 1])
        # per-sequence average over L x K_ctx = 6 outputs, summed over the batch of one
        assert masked_cross_entropy(log_probs, targets).item() == pytest.approx(scored / 6)
        assert masked_cross_entropy(log_probs, targets, "mean").item() == pytest.approx(scored / 4)
