"""SeqSleepNet (Phan et al. 2019): hierarchical RNN for sequence-to-sequence staging.

Per sequence of L epochs: filterbank + epoch-level bidirectional RNN +
attention encode each epoch into a 2H vector (:meth:`SeqSleepNet.encode_epochs`);
a sequence-level bidirectional RNN reads the L vectors and an output layer
gives log-probabilities per position (:meth:`SeqSleepNet.classify_sequences`).

Defaults: fused GRU cells (the cell the paper describes; fast, and any L works
at inference) and one output layer shared by all positions. The authors'
released code used a batch-normalised LSTM (``cell="bn-lstm"``) and a separate
output layer per position (``per_position_heads=True``; then L is fixed to
``seq_len``).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import torch
from torch import nn

from seqsleepnet.errors import ConfigError
from seqsleepnet.models.base import check_positive
from seqsleepnet.models.encoder import EncoderModel, TFEncoderConfig
from seqsleepnet.models.recurrent import BidirectionalRNN

__all__ = ["SeqSleepNet", "SeqSleepNetConfig"]


@dataclasses.dataclass
class SeqSleepNetConfig(TFEncoderConfig):
    """SeqSleepNet settings (paper values by default).

    Attributes (besides those of :class:`TFEncoderConfig`)
    -------------------------------------------------------
    seq_len : int
        Epochs per sequence L (20 in the paper's headline); the number of
        per-step batch-norm statistics of BN cells and of per-position heads.
    sequence_hidden : int
        Units per direction of the sequence-level RNN.
    per_position_heads : bool
        One output layer per sequence position (authors' code) instead of one
        shared layer; requires inputs of exactly ``seq_len`` epochs.
    """

    seq_len: int = 20
    sequence_hidden: int = 64
    per_position_heads: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive(
            "SeqSleepNetConfig", seq_len=self.seq_len, sequence_hidden=self.sequence_hidden
        )


class SeqSleepNet(EncoderModel):
    """SeqSleepNet as a plain :class:`torch.nn.Module`.

    Parameters
    ----------
    config : SeqSleepNetConfig, optional
        Architecture settings; paper defaults if omitted.

    Notes
    -----
    ``forward`` maps (B, L, C, T, F) to log-probabilities (B, L, n_classes).
    For plots, :meth:`forward_with_attention` also returns the frame attention
    weights (B, L, T). For a night, encode every epoch once with
    :meth:`encode_epochs` and run only :meth:`classify_sequences` per window.
    Capabilities: a separable epoch encoder; ``window_length`` is
    ``config.seq_len``; ``fixed_length`` is ``config.per_position_heads``.
    """

    name: ClassVar[str] = "seqsleepnet"
    description: ClassVar[str] = (
        "SeqSleepNet: filterbank + attention bi-RNN per epoch, bi-RNN over the sequence "
        "(many-to-many)"
    )
    config_class = SeqSleepNetConfig
    config: SeqSleepNetConfig

    def __init__(self, config: SeqSleepNetConfig | None = None) -> None:
        super().__init__()
        cfg = config if config is not None else SeqSleepNetConfig()
        self.config = cfg
        self.encoder = cfg.build_encoder()
        self.sequence_rnn = BidirectionalRNN(
            self.encoder.output_size, cfg.sequence_hidden, cfg.cell, cfg.seq_len, cfg.dropout
        )
        n_heads = cfg.seq_len if cfg.per_position_heads else 1
        self.heads = nn.ModuleList(
            nn.Linear(2 * cfg.sequence_hidden, cfg.n_classes) for _ in range(n_heads)
        )

    @property
    def fixed_length(self) -> bool:
        """True with per-position output layers: windows must have ``seq_len`` epochs."""
        return self.config.per_position_heads

    @property
    def window_length(self) -> int:
        """``config.seq_len``: the L of batch-norm statistics and per-position heads."""
        return self.config.seq_len

    def classify_sequences(self, z: torch.Tensor) -> torch.Tensor:
        """Sequence-level part: epoch vectors of each sequence -> log-probabilities.

        Parameters
        ----------
        z : torch.Tensor, shape (B, L, 2H)
            Epoch vectors from :meth:`encode_epochs`, L consecutive per row.

        Returns
        -------
        torch.Tensor, shape (B, L, n_classes)
            Log-probabilities per position.

        Raises
        ------
        ConfigError
            If z is not (B, L, 2H), or L differs from ``seq_len`` with
            per-position output layers.
        """
        self.check_embeddings(z)
        h = self.sequence_rnn(z)  # (B, L, 2H) -> (B, L, 2H')
        if len(self.heads) == 1:
            logits = self.heads[0](h)  # (B, L, 2H') -> (B, L, K)
        else:
            if h.shape[1] != len(self.heads):
                raise ConfigError(
                    f"seqsleepnet: sequences have {h.shape[1]} epochs but the model has "
                    f"per-position output layers for seq_len={len(self.heads)}; "
                    "use windows of exactly seq_len epochs"
                )
            logits = torch.stack(
                [head(h[:, i]) for i, head in enumerate(self.heads)], dim=1
            )  # L x (B, K) -> (B, L, K)
        return torch.log_softmax(logits, dim=-1)  # (B, L, K)
