"""Training loss: masked cross-entropy over sequence positions plus L2 weight decay.

Following the authors' code, the data term is the cross-entropy of every
scored position, averaged over the L positions of a sequence and summed over
the sequences of the batch (``batch_reduction="sum"``); ``"mean"`` averages
over all scored positions instead. The L2 term is ``l2_weight * sum(w**2) / 2``
(TensorFlow's ``l2_loss``) over every trainable parameter except the
filterbank weights. Unscored targets (-1) contribute nothing.

The training loop (:mod:`seqsleepnet.training.loop`) is the one place that
adds the two terms: ``masked_cross_entropy(*model.training_pairs(x, y)) +
l2_weight * l2_penalty(model)``, with ``l2_weight`` from the training config.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from seqsleepnet.errors import HypnogramError, check_option
from seqsleepnet.models.filterbank import TriangularFilterbank
from seqsleepnet.stages import UNSCORED

__all__ = ["l2_parameters", "l2_penalty", "masked_cross_entropy"]


def l2_parameters(model: nn.Module) -> Iterator[nn.Parameter]:
    """Yield the trainable parameters that get L2: all but the filterbank weights."""
    excluded = {
        id(p)
        for module in model.modules()
        if isinstance(module, TriangularFilterbank)
        for p in module.parameters()
    }
    for param in model.parameters():
        if param.requires_grad and id(param) not in excluded:
            yield param


def l2_penalty(model: nn.Module) -> torch.Tensor:
    """``sum(w**2) / 2`` over :func:`l2_parameters` (a scalar tensor)."""
    terms = [p.pow(2).sum() for p in l2_parameters(model)]
    if not terms:
        return torch.zeros(())
    return torch.stack(terms).sum() / 2


def masked_cross_entropy(
    log_probs: torch.Tensor,
    targets: torch.Tensor,
    batch_reduction: Literal["sum", "mean"] = "sum",
) -> torch.Tensor:
    """Cross-entropy of scored positions.

    Parameters
    ----------
    log_probs : torch.Tensor, shape (B, L, ..., K)
        Log-probabilities.
    targets : torch.Tensor of int, shape (B, L, ...)
        Class indices, -1 (unscored) to skip a position.
    batch_reduction : {"sum", "mean"}
        ``"sum"``: sum of the scored losses / (number of positions per
        sequence), i.e. per-sequence averages summed over the batch when every
        position is scored (authors' code). ``"mean"``: mean over scored
        positions.

    Returns
    -------
    torch.Tensor
        Scalar loss (0 with a gradient path when nothing is scored).

    Raises
    ------
    HypnogramError
        If a target is outside -1..K-1 or the shapes do not match.
    ConfigError
        If ``batch_reduction`` is unknown.
    """
    n_classes = log_probs.shape[-1]
    if log_probs.shape[:-1] != targets.shape or targets.dim() < 2:
        raise HypnogramError(
            f"targets have shape {tuple(targets.shape)} but the outputs "
            f"{tuple(log_probs.shape)} need (B, L, ...) = {tuple(log_probs.shape[:-1])}"
        )
    bad = (targets < UNSCORED) | (targets >= n_classes)
    if bool(bad.any()):
        values = sorted({int(v) for v in targets[bad].unique()})
        raise HypnogramError(
            f"targets contain {values}; allowed are 0..{n_classes - 1} and {UNSCORED} (unscored)"
        )
    check_option("batch_reduction", batch_reduction, ("sum", "mean"))
    flat_lp = log_probs.reshape(-1, n_classes)
    flat_t = targets.reshape(-1).long()
    losses = F.nll_loss(flat_lp, flat_t, ignore_index=UNSCORED, reduction="none")  # (N,)
    total = losses.sum()
    if batch_reduction == "sum":
        per_sequence = targets[0].numel()  # L x (extra outputs per position)
        return total / per_sequence
    scored = int((flat_t != UNSCORED).sum())
    return total / max(scored, 1)
