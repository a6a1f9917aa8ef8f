"""Epoch-level encoder shared by SeqSleepNet, E2E-ARNN and Multitask E2E-ARNN.

filterbank (per channel) -> bidirectional RNN over the frames of one epoch ->
attention pooling. It sees one epoch at a time, so a night's epochs can be
encoded once and reused by every sequence window that contains them.
:class:`EncoderModel` is the base of the models built on it: they declare a
separable epoch encoder (``separable_encoder = True``) and differ only in
``classify_sequences``, the step from epoch vectors to log-probabilities.
"""

from __future__ import annotations

import dataclasses
from abc import abstractmethod
from typing import Any, ClassVar

import torch
from torch import nn

from seqsleepnet.errors import ConfigError
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.models.base import (
    InputKind,
    ModelConfig,
    SleepStagingModel,
    check_dropout,
    check_positive,
)
from seqsleepnet.models.filterbank import TriangularFilterbank
from seqsleepnet.models.init import normal_
from seqsleepnet.models.recurrent import BidirectionalRNN, CellType, check_cell

__all__ = ["EncoderModel", "EpochEncoder", "FrameAttention", "TFEncoderConfig"]

_PAPER_INPUT = Preprocessing()  # the input defaults below are derived from the paper's


@dataclasses.dataclass
class TFEncoderConfig(ModelConfig):
    """Settings shared by the models that read time-frequency images.

    Attributes
    ----------
    channels : int
        Input channels C (EEG, EOG, EMG: 3; single-channel EEG: 1).
    n_frames : int
        STFT frames T per 30-s epoch (29).
    n_bins : int
        Frequency bins F per frame (129 = 256-point FFT).
    n_filters : int
        Filterbank filters M per channel.
    epoch_hidden : int
        Units per direction of the epoch-level (frame) RNN.
    attention_size : int
        Size of the frame attention projection.
    dropout : float
        Dropout on the inputs and outputs of every RNN layer.
    cell : {"gru", "bn-gru", "bn-lstm"}
        Recurrent cell; ``"gru"`` (fused, fastest) by default.
    n_classes : int
        Output classes (5 stages).
    sampling_rate, low_freq, high_freq : float
        Filterbank geometry in Hz: the triangles cover low..high Hz of a
        spectrum sampled at ``sampling_rate``.
    """

    channels: int = _PAPER_INPUT.n_channels
    n_frames: int = _PAPER_INPUT.n_frames
    n_bins: int = _PAPER_INPUT.n_bins
    n_filters: int = 32
    epoch_hidden: int = 64
    attention_size: int = 64
    dropout: float = 0.25
    cell: CellType = "gru"
    n_classes: int = 5
    sampling_rate: float = _PAPER_INPUT.sfreq
    low_freq: float = 0.0
    high_freq: float = _PAPER_INPUT.sfreq / 2

    def __post_init__(self) -> None:
        where = type(self).__name__
        check_positive(
            where,
            channels=self.channels,
            n_frames=self.n_frames,
            n_filters=self.n_filters,
            epoch_hidden=self.epoch_hidden,
            attention_size=self.attention_size,
            sampling_rate=self.sampling_rate,
        )
        if self.n_bins < 2:
            raise ConfigError(f"{where}: n_bins={self.n_bins!r} must be at least 2")
        if self.n_classes < 2:
            raise ConfigError(f"{where}: n_classes={self.n_classes!r} must be at least 2")
        check_dropout(where, self.dropout)
        check_cell(self.cell)
        if not 0.0 <= self.low_freq < self.high_freq <= self.sampling_rate / 2:
            raise ConfigError(
                f"{where}: band low_freq={self.low_freq} .. high_freq={self.high_freq} Hz "
                f"must satisfy 0 <= low_freq < high_freq <= sampling_rate/2 "
                f"= {self.sampling_rate / 2}"
            )

    @classmethod
    def input_fields(cls, preprocessing: Preprocessing) -> dict[str, Any]:
        """Channels, frames, bins and the spectrum's sampling rate (see :class:`ModelConfig`)."""
        return {
            "channels": preprocessing.n_channels,
            "n_frames": preprocessing.n_frames,
            "n_bins": preprocessing.n_bins,
            "sampling_rate": preprocessing.sfreq,
        }

    def build_encoder(self) -> EpochEncoder:
        """The :class:`EpochEncoder` these settings describe."""
        return EpochEncoder(
            channels=self.channels,
            n_bins=self.n_bins,
            n_frames=self.n_frames,
            n_filters=self.n_filters,
            hidden=self.epoch_hidden,
            attention_size=self.attention_size,
            cell=self.cell,
            dropout=self.dropout,
            sampling_rate=self.sampling_rate,
            low_freq=self.low_freq,
            high_freq=self.high_freq,
        )


class FrameAttention(nn.Module):
    """Additive attention pooling over time steps.

    ``alpha = softmax_t(u^T tanh(W h_t + b))`` and ``a = sum_t alpha_t h_t``.
    ``W``, ``b`` and ``u`` are initialised from N(0, 0.1) as in the authors'
    code. Parameters: ``D*A + A + A``.
    """

    def __init__(self, features: int, attention_size: int) -> None:
        super().__init__()
        self.projection = nn.Linear(features, attention_size)
        self.context = nn.Parameter(torch.empty(attention_size))
        for param in (self.projection.weight, self.projection.bias, self.context):
            normal_(param, std=0.1)

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pool h (N, T, D) -> (a (N, D), alpha (N, T))."""
        scores = torch.tanh(self.projection(h)) @ self.context  # (N, T, A) -> (N, T)
        alpha = torch.softmax(scores, dim=1)  # (N, T)
        pooled = (alpha.unsqueeze(2) * h).sum(dim=1)  # (N, T, D) -> (N, D)
        return pooled, alpha


class EpochEncoder(nn.Module):
    """Encode one epoch's time-frequency image into a vector.

    Parameters
    ----------
    channels : int
        Input channels C.
    n_bins : int
        Frequency bins F (129 for a 256-point FFT).
    n_frames : int
        Frames T per epoch (29); sets the batch-norm steps of BN cells.
    n_filters : int
        Filterbank filters M per channel.
    hidden : int
        RNN units per direction H; the output has 2H features.
    attention_size : int
        Attention projection size A.
    cell : str
        ``"gru"``, ``"bn-gru"`` or ``"bn-lstm"``.
    dropout : float
        Dropout on the RNN inputs and outputs.
    sampling_rate, low_freq, high_freq : float
        Filterbank geometry in Hz.
    """

    def __init__(
        self,
        channels: int,
        n_bins: int,
        n_frames: int,
        n_filters: int,
        hidden: int,
        attention_size: int,
        cell: str,
        dropout: float,
        sampling_rate: float = 100.0,
        low_freq: float = 0.0,
        high_freq: float | None = None,
    ) -> None:
        super().__init__()
        self.filterbank = TriangularFilterbank(
            channels, n_bins, n_filters, sampling_rate, low_freq, high_freq
        )
        self.rnn = BidirectionalRNN(channels * n_filters, hidden, cell, n_frames, dropout)
        self.attention = FrameAttention(2 * hidden, attention_size)
        self.output_size = 2 * hidden

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode epochs.

        Parameters
        ----------
        x : torch.Tensor, shape (E, C, T, F)

        Returns
        -------
        z : torch.Tensor, shape (E, 2H)
            One vector per epoch.
        alpha : torch.Tensor, shape (E, T)
            Attention weight of each frame (rows sum to 1).
        """
        frames = self.filterbank(x)  # (E, C, T, F) -> (E, T, C*M)
        h = self.rnn(frames)  # (E, T, C*M) -> (E, T, 2H)
        return self.attention(h)  # -> (E, 2H), (E, T)


class EncoderModel(SleepStagingModel):
    """Base of the models that encode each epoch alone with an :class:`EpochEncoder`.

    Subclasses build ``self.encoder`` from their :class:`TFEncoderConfig` and
    implement :meth:`classify_sequences`; ``forward`` is the two steps in a
    row, so encoding a night once and classifying its windows gives exactly
    what ``forward`` gives on every window.
    """

    input_kind: ClassVar[InputKind] = "tf"
    separable_encoder: ClassVar[bool] = True
    config: TFEncoderConfig
    encoder: EpochEncoder

    @property
    def epoch_shape(self) -> tuple[int, ...]:
        """(C, T, F) of one epoch's time-frequency image."""
        return (self.config.channels, self.config.n_frames, self.config.n_bins)

    @property
    def embedding_size(self) -> int:
        """Size of one encoded epoch (2 x epoch-level units, 128 by default)."""
        return self.encoder.output_size

    def freeze_epoch_encoder(self) -> None:
        """Stop training the epoch encoder: its weights no longer get gradients.

        Batch-normalised cells (``bn-gru``, ``bn-lstm``) still update their
        running statistics in training mode.
        """
        self.encoder.requires_grad_(False)

    def encode_epochs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode epochs independently of each other.

        Parameters
        ----------
        x : torch.Tensor, shape (E, C, T, F)
            Normalised log-magnitude images of E epochs.

        Returns
        -------
        z : torch.Tensor, shape (E, 2H)
            Epoch vectors (E, 128 by default).
        alpha : torch.Tensor, shape (E, T)
            Frame attention weights (rows sum to 1).

        Raises
        ------
        ConfigError
            If x does not have shape (E, C, T, F) of this config.
        """
        self.check_input(x, leading=1)
        return self.encoder(x)  # (E, C, T, F) -> (E, 2H), (E, T)

    @abstractmethod
    def classify_sequences(self, z: torch.Tensor) -> torch.Tensor:
        """Map windows of epoch vectors z (B, L, 2H) to log-probabilities (B, L, n_classes)."""

    def forward_with_attention(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-probabilities and attention weights of sequences.

        Parameters
        ----------
        x : torch.Tensor, shape (B, L, C, T, F)

        Returns
        -------
        log_probs : torch.Tensor, shape (B, L, n_classes)
        alpha : torch.Tensor, shape (B, L, T)
            Frame attention weights of each epoch.
        """
        self.check_input(x)
        b, n = x.shape[0], x.shape[1]
        z, alpha = self.encoder(x.flatten(0, 1))  # (B*L, C, T, F) -> (B*L, 2H), (B*L, T)
        log_probs = self.classify_sequences(z.reshape(b, n, -1))  # (B, L, 2H) -> (B, L, K)
        return log_probs, alpha.reshape(b, n, -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map sequences x (B, L, C, T, F) to log-probabilities (B, L, n_classes)."""
        return self.forward_with_attention(x)[0]
