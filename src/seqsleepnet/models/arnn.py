"""E2E-ARNN baseline (Phan et al. 2019): one epoch in, its stage out (one-to-one).

The epoch-level part of SeqSleepNet alone (filterbank + attention
bidirectional RNN) followed by a softmax layer. Defaults follow the authors'
released E2E-ARNN code: 20 filters per channel, 64 GRU units per direction,
attention size 32.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import torch
from torch import nn

from seqsleepnet.models.base import InputKind, SleepStagingModel
from seqsleepnet.models.encoder import TFEncoderConfig

__all__ = ["ARNN", "ARNNConfig"]


@dataclasses.dataclass
class ARNNConfig(TFEncoderConfig):
    """E2E-ARNN settings; see :class:`TFEncoderConfig` for the fields."""

    n_filters: int = 20
    attention_size: int = 32


class ARNN(SleepStagingModel):
    """E2E-ARNN: classify every epoch on its own.

    ``forward`` accepts sequences (B, L, C, T, F) like every model of the
    package and folds L into the batch: each epoch's output depends on that
    epoch only.
    """

    name: ClassVar[str] = "arnn"
    input_kind: ClassVar[InputKind] = "tf"
    description: ClassVar[str] = "E2E-ARNN: filterbank + attention bi-RNN on one epoch (one-to-one)"
    config_class = ARNNConfig
    config: ARNNConfig

    def __init__(self, config: ARNNConfig | None = None) -> None:
        super().__init__()
        cfg = config if config is not None else ARNNConfig()
        self.config = cfg
        self.encoder = cfg.build_encoder()
        self.head = nn.Linear(self.encoder.output_size, cfg.n_classes)

    @property
    def epoch_shape(self) -> tuple[int, ...]:
        """(C, T, F) of one epoch's time-frequency image."""
        return (self.config.channels, self.config.n_frames, self.config.n_bins)

    def forward_with_attention(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-probabilities (B, L, K) and frame attention (B, L, T) of x (B, L, C, T, F)."""
        self.check_input(x)
        b, n = x.shape[0], x.shape[1]
        z, alpha = self.encoder(x.flatten(0, 1))  # (B*L, C, T, F) -> (B*L, 2H), (B*L, T)
        log_probs = torch.log_softmax(self.head(z), dim=-1)  # (B*L, K)
        return log_probs.reshape(b, n, -1), alpha.reshape(b, n, -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map x (B, L, C, T, F) to log-probabilities (B, L, n_classes), epoch by epoch."""
        return self.forward_with_attention(x)[0]
