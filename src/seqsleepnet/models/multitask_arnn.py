"""Multitask E2E-ARNN baseline (Phan et al. 2019): one epoch in, several labels out.

From one epoch the network predicts its own stage and those of its
neighbours (``context`` = 3: previous, current, next), one softmax layer per
output. At test time every prediction that concerns the same epoch is
combined by summing log-probabilities (multiplicative aggregation).
Defaults follow the authors' code: 20 filters, attention size 32.

Implementation differences: the paper aggregates the predictions over the
whole night at once. Here, like every model of the package, the network is
run on windows of L epochs with stride 1 (:mod:`seqsleepnet.inference`):
inside a window the predictions about each epoch are summed and renormalised
(:func:`aggregate_context`; an epoch at a window's edge misses the
prediction of its neighbour outside the window), then the windows that
contain an epoch are averaged. Interior epochs thus still combine all
``context`` predictions made about them, and the epoch encoder runs once per
epoch (:meth:`MultitaskARNN.classify_sequences` is the per-window step).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from seqsleepnet.errors import ConfigError
from seqsleepnet.models.encoder import EncoderModel, TFEncoderConfig

__all__ = ["MultitaskARNN", "MultitaskARNNConfig", "aggregate_context", "context_targets"]


@dataclasses.dataclass
class MultitaskARNNConfig(TFEncoderConfig):
    """Multitask E2E-ARNN settings.

    Attributes (besides those of :class:`TFEncoderConfig`)
    -------------------------------------------------------
    context : int
        Odd number of epochs each epoch predicts, centred on itself (3).
    """

    n_filters: int = 20
    attention_size: int = 32
    context: int = 3

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.context < 1 or self.context % 2 == 0:
            raise ConfigError(
                f"MultitaskARNNConfig: context={self.context!r} must be a positive odd number "
                "(e.g. 3: previous, current and next epoch)"
            )


def _shift(values: torch.Tensor, offset: int, fill: float) -> torch.Tensor:
    """Move values (B, L, ...) by ``offset`` positions along L, filling the gap."""
    if offset == 0:
        return values
    pad = values.new_full((values.shape[0], abs(offset), *values.shape[2:]), fill)
    if offset > 0:
        return torch.cat([pad, values[:, :-offset]], dim=1)
    return torch.cat([values[:, -offset:], pad], dim=1)


def aggregate_context(context_log_probs: torch.Tensor) -> torch.Tensor:
    """Combine the predictions that concern the same epoch.

    Parameters
    ----------
    context_log_probs : torch.Tensor, shape (B, L, K_ctx, n_classes)
        ``[:, s, j]`` is epoch ``s``'s prediction for epoch ``s + j - K_ctx // 2``.

    Returns
    -------
    torch.Tensor, shape (B, L, n_classes)
        Per epoch, the sum of the log-probabilities of all predictions made for
        it by epochs inside the sequence, renormalised to log-probabilities
        (the argmax is that of the plain sum). Pass a whole night as one
        sequence (B = 1, L = E) for the paper's test-time aggregation.
    """
    centre = context_log_probs.shape[2] // 2
    total = torch.zeros_like(context_log_probs[:, :, 0])  # (B, L, K)
    for j in range(context_log_probs.shape[2]):
        # the prediction of epoch s about epoch s + (j - centre) moves to that epoch
        total = total + _shift(context_log_probs[:, :, j], j - centre, 0.0)
    return torch.log_softmax(total, dim=-1)


def context_targets(targets: torch.Tensor, context: int) -> torch.Tensor:
    """Targets of each epoch's context predictions.

    Parameters
    ----------
    targets : torch.Tensor of int, shape (B, L)
        Stage per epoch, -1 for unscored.
    context : int
        Odd context size K_ctx.

    Returns
    -------
    torch.Tensor of int, shape (B, L, K_ctx)
        ``[:, s, j]`` = ``targets[:, s + j - K_ctx // 2]``, -1 outside the sequence.
    """
    centre = context // 2
    return torch.stack(
        [_shift(targets, centre - j, -1) for j in range(context)], dim=2
    )  # K_ctx x (B, L) -> (B, L, K_ctx)


class MultitaskARNN(EncoderModel):
    """Multitask E2E-ARNN (one-to-many) with the package's sequence interface.

    ``forward`` on (B, L, C, T, F) returns the aggregated log-probabilities
    (B, L, n_classes) of the L epochs; ``training_pairs`` gives the per-output
    predictions and their targets so that each output is trained on its own.
    Capabilities: a separable epoch encoder, whose :meth:`classify_sequences`
    runs the context heads and :func:`aggregate_context` inside each window;
    any window length, and none of its own.
    """

    name: ClassVar[str] = "multitask-arnn"
    description: ClassVar[str] = (
        "Multitask E2E-ARNN: one epoch predicts its own and its neighbours' stages (one-to-many)"
    )
    config_class = MultitaskARNNConfig
    config: MultitaskARNNConfig

    def __init__(self, config: MultitaskARNNConfig | None = None) -> None:
        super().__init__()
        cfg = config if config is not None else MultitaskARNNConfig()
        self.config = cfg
        self.encoder = cfg.build_encoder()
        self.heads = nn.ModuleList(
            nn.Linear(self.encoder.output_size, cfg.n_classes) for _ in range(cfg.context)
        )

    def _context_of_embeddings(self, z: torch.Tensor) -> torch.Tensor:
        """Context log-probabilities (B, L, K_ctx, n_classes) of epoch vectors z (B, L, 2H)."""
        logits = torch.stack([head(z) for head in self.heads], dim=2)  # (B, L, K_ctx, K)
        return F.log_softmax(logits, dim=-1)

    def context_log_probs(self, x: torch.Tensor) -> torch.Tensor:
        """Every epoch's predictions for itself and its neighbours.

        Parameters
        ----------
        x : torch.Tensor, shape (B, L, C, T, F)

        Returns
        -------
        torch.Tensor, shape (B, L, K_ctx, n_classes)
            ``[:, s, j]``: log-probabilities that epoch ``s`` gives epoch
            ``s + j - K_ctx // 2``.
        """
        self.check_input(x)
        b, n = x.shape[0], x.shape[1]
        z, _ = self.encoder(x.flatten(0, 1))  # (B*L, C, T, F) -> (B*L, 2H)
        return self._context_of_embeddings(z.reshape(b, n, -1))  # -> (B, L, K_ctx, K)

    def classify_sequences(self, z: torch.Tensor) -> torch.Tensor:
        """Aggregated log-probabilities of windows of epoch vectors.

        The same as :meth:`forward` after the encoder: every epoch's context
        predictions, combined per epoch inside the window by
        :func:`aggregate_context`.

        Parameters
        ----------
        z : torch.Tensor, shape (B, L, 2H)
            Epoch vectors from :meth:`encode_epochs`, L consecutive per row.

        Returns
        -------
        torch.Tensor, shape (B, L, n_classes)

        Raises
        ------
        ConfigError
            If z is not (B, L, 2H).
        """
        self.check_embeddings(z)
        context = self._context_of_embeddings(z)  # (B, L, 2H) -> (B, L, K_ctx, K)
        return aggregate_context(context)  # (B, L, K_ctx, K) -> (B, L, K)

    def training_pairs(
        self, x: torch.Tensor, targets: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-output predictions (B, L, K_ctx, K) and their targets (B, L, K_ctx).

        Outputs whose target epoch lies outside the sequence get target -1 and
        are masked by the loss.
        """
        return self.context_log_probs(x), context_targets(targets, self.config.context)
