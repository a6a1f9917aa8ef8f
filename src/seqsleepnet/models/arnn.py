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

from seqsleepnet.models.encoder import EncoderModel, TFEncoderConfig

__all__ = ["ARNN", "ARNNConfig"]


@dataclasses.dataclass
class ARNNConfig(TFEncoderConfig):
    """E2E-ARNN settings; see :class:`TFEncoderConfig` for the fields."""

    n_filters: int = 20
    attention_size: int = 32


class ARNN(EncoderModel):
    """E2E-ARNN: classify every epoch on its own.

    ``forward`` accepts sequences (B, L, C, T, F) like every model of the
    package and folds L into the batch: each epoch's output depends on that
    epoch only. Capabilities: a separable epoch encoder, whose
    :meth:`classify_sequences` applies the softmax layer to each epoch
    vector; any window length, and none of its own.
    """

    name: ClassVar[str] = "arnn"
    description: ClassVar[str] = "E2E-ARNN: filterbank + attention bi-RNN on one epoch (one-to-one)"
    config_class = ARNNConfig
    config: ARNNConfig

    def __init__(self, config: ARNNConfig | None = None) -> None:
        super().__init__()
        cfg = config if config is not None else ARNNConfig()
        self.config = cfg
        self.encoder = cfg.build_encoder()
        self.head = nn.Linear(self.encoder.output_size, cfg.n_classes)

    def classify_sequences(self, z: torch.Tensor) -> torch.Tensor:
        """Classify each epoch vector alone.

        Parameters
        ----------
        z : torch.Tensor, shape (B, L, 2H)
            Epoch vectors from :meth:`encode_epochs`.

        Returns
        -------
        torch.Tensor, shape (B, L, n_classes)
            Log-probabilities of each epoch.

        Raises
        ------
        ConfigError
            If z is not (B, L, 2H).
        """
        self.check_embeddings(z)
        return torch.log_softmax(self.head(z), dim=-1)  # (B, L, 2H) -> (B, L, K)
