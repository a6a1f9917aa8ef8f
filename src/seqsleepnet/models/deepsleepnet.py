"""E2E-DeepSleepNet baseline: DeepSleepNet trained end to end on sequences.

DeepSleepNet (Supratak et al. 2017) reads raw 30-s epochs with two CNN
branches, small filters (first kernel fs/2, stride fs/16: temporal detail)
and large filters (first kernel 4 fs, stride fs/2: frequency content), and
models the sequence with a two-layer bidirectional LSTM plus a residual
shortcut (a fully connected layer from the CNN features added to the LSTM
output). Phan et al. (2019) trained it end to end on sequences instead of in
two stages; so does this module. Convolutions and max-pools pad like
TensorFlow's ``"SAME"`` (output length ``ceil(n / stride)``), as in the
original, giving 16 + 8 frames of 128 features for a 3000-sample epoch.

The CNN sees one epoch at a time (in eval mode), so the model has a separable
epoch encoder: a night's epochs are encoded once and only the LSTM part runs
per window (``encode_epochs`` / ``classify_sequences``); it has no frame
attention.
"""

from __future__ import annotations

import dataclasses
import math
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

__all__ = ["DeepSleepNet", "DeepSleepNetConfig"]

_PAPER_INPUT = Preprocessing()  # the input defaults below are derived from the paper's


@dataclasses.dataclass
class DeepSleepNetConfig(ModelConfig):
    """E2E-DeepSleepNet settings (DeepSleepNet's sizes by default).

    Attributes
    ----------
    channels : int
        Raw signal channels C (convolved together by the first layers).
    sampling_rate : int
        Samples per second (100); sets the first kernels and strides.
    epoch_seconds : float
        Epoch duration (30 s -> 3000 samples at 100 Hz).
    first_filters : int
        Filters of each branch's first convolution (64).
    filters : int
        Filters of the three following convolutions of each branch (128).
    lstm_hidden : int
        LSTM units per direction (512 in DeepSleepNet).
    lstm_layers : int
        Stacked bidirectional LSTM layers (2).
    dropout : float
        Dropout after the first pooling of each branch, on the CNN features,
        between LSTM layers and before the output layer (0.5).
    n_classes : int
        Output classes (5).
    """

    channels: int = _PAPER_INPUT.n_channels
    sampling_rate: int = round(_PAPER_INPUT.sfreq)
    epoch_seconds: float = _PAPER_INPUT.epoch_seconds
    first_filters: int = 64
    filters: int = 128
    lstm_hidden: int = 512
    lstm_layers: int = 2
    dropout: float = 0.5
    n_classes: int = 5

    def __post_init__(self) -> None:
        check_positive(
            "DeepSleepNetConfig",
            channels=self.channels,
            epoch_seconds=self.epoch_seconds,
            first_filters=self.first_filters,
            filters=self.filters,
            lstm_hidden=self.lstm_hidden,
            lstm_layers=self.lstm_layers,
        )
        if self.sampling_rate < 16:
            raise ConfigError(
                f"DeepSleepNetConfig: sampling_rate={self.sampling_rate!r} Hz is too low; "
                "need at least 16 Hz (the small-filter stride is sampling_rate // 16)"
            )
        if self.n_classes < 2:
            raise ConfigError(f"DeepSleepNetConfig: n_classes={self.n_classes!r} must be >= 2")
        check_dropout("DeepSleepNetConfig", self.dropout)

    @property
    def samples(self) -> int:
        """Samples per epoch S."""
        return round(self.sampling_rate * self.epoch_seconds)

    @classmethod
    def input_fields(cls, preprocessing: Preprocessing) -> dict[str, Any]:
        """Channels, sampling rate and epoch length (see :class:`ModelConfig`).

        Raises
        ------
        ConfigError
            If the target rate is not a whole number of hertz (the kernels
            and strides are derived from it).
        """
        rate = preprocessing.sfreq
        if rate != round(rate):
            raise ConfigError(
                f"E2E-DeepSleepNet needs a whole-hertz sampling rate; the preprocessing's "
                f"target rate is {rate:g} Hz"
            )
        return {
            "channels": preprocessing.n_channels,
            "sampling_rate": round(rate),
            "epoch_seconds": preprocessing.epoch_seconds,
        }


class _SameConv(nn.Sequential):
    """Conv1d (no bias) with TensorFlow "SAME" padding, then batch norm and ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, length: int) -> None:
        self.out_length = math.ceil(length / stride)
        total = max((self.out_length - 1) * stride + kernel - length, 0)
        super().__init__(
            nn.ConstantPad1d((total // 2, total - total // 2), 0.0),
            nn.Conv1d(c_in, c_out, kernel, stride, bias=False),
            nn.BatchNorm1d(c_out),
            nn.ReLU(),
        )


class _Branch(nn.Sequential):
    """conv(k1, s1) -> maxpool(p1) -> dropout -> 3 x conv(k2) -> maxpool(p2) -> flatten."""

    def __init__(
        self,
        cfg: DeepSleepNetConfig,
        kernel: int,
        stride: int,
        pool1: int,
        kernel2: int,
        pool2: int,
    ) -> None:
        length = cfg.samples
        first = _SameConv(cfg.channels, cfg.first_filters, kernel, stride, length)
        length = first.out_length
        layers: list[nn.Module] = [first, self._pool(pool1, length), nn.Dropout(cfg.dropout)]
        length = math.ceil(length / pool1)
        c_in = cfg.first_filters
        for _ in range(3):
            layers.append(_SameConv(c_in, cfg.filters, kernel2, 1, length))
            c_in = cfg.filters
        layers += [self._pool(pool2, length), nn.Flatten()]
        self.out_features = cfg.filters * math.ceil(length / pool2)
        super().__init__(*layers)

    @staticmethod
    def _pool(size: int, length: int) -> nn.MaxPool1d:
        if length < size:
            raise ConfigError(
                f"DeepSleepNetConfig: an epoch is too short for the CNN (a max-pool of "
                f"{size} meets only {length} frames); use more samples per epoch"
            )
        return nn.MaxPool1d(size, size, ceil_mode=True)


class DeepSleepNet(SleepStagingModel):
    """E2E-DeepSleepNet on raw signal sequences (B, L, C, S) -> (B, L, n_classes)."""

    name: ClassVar[str] = "deepsleepnet"
    input_kind: ClassVar[InputKind] = "raw"
    separable_encoder: ClassVar[bool] = True  # the CNN sees one epoch; the LSTM, the window
    description: ClassVar[str] = (
        "E2E-DeepSleepNet: two-branch CNN on raw epochs + residual bi-LSTM over the sequence"
    )
    config_class = DeepSleepNetConfig
    config: DeepSleepNetConfig

    def __init__(self, config: DeepSleepNetConfig | None = None) -> None:
        super().__init__()
        cfg = config if config is not None else DeepSleepNetConfig()
        self.config = cfg
        fs = cfg.sampling_rate
        self.small = _Branch(cfg, kernel=fs // 2, stride=fs // 16, pool1=8, kernel2=8, pool2=4)
        self.large = _Branch(cfg, kernel=fs * 4, stride=fs // 2, pool1=4, kernel2=6, pool2=2)
        features = self.small.out_features + self.large.out_features
        self.feature_dropout = nn.Dropout(cfg.dropout)
        self.lstm = nn.LSTM(
            features,
            cfg.lstm_hidden,
            num_layers=cfg.lstm_layers,
            batch_first=True,
            bidirectional=True,
            dropout=cfg.dropout if cfg.lstm_layers > 1 else 0.0,
        )
        self.shortcut = nn.Sequential(
            nn.Linear(features, 2 * cfg.lstm_hidden),
            nn.BatchNorm1d(2 * cfg.lstm_hidden),
            nn.ReLU(),
        )
        self.output_dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(2 * cfg.lstm_hidden, cfg.n_classes)

    @property
    def epoch_shape(self) -> tuple[int, ...]:
        """(C, S) of one raw epoch."""
        return (self.config.channels, self.config.samples)

    @property
    def embedding_size(self) -> int:
        """Size D of one epoch's CNN features (3072 for 100 Hz, 30 s)."""
        return self.small.out_features + self.large.out_features

    def epoch_features(self, x: torch.Tensor) -> torch.Tensor:
        """CNN features of epochs x (E, C, S) -> (E, D) (3072 for 100 Hz, 30 s)."""
        self.check_input(x, leading=1)
        feats = torch.cat([self.small(x), self.large(x)], dim=1)  # (E, D_small + D_large)
        return self.feature_dropout(feats)

    def encode_epochs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """CNN features of epochs x (E, C, S), each on its own: (z (E, D), alpha (E, 0)).

        The model has no frame attention: ``alpha`` has no columns.
        """
        z = self.epoch_features(x)  # (E, C, S) -> (E, D)
        return z, z.new_zeros((z.shape[0], 0))

    def classify_sequences(self, z: torch.Tensor) -> torch.Tensor:
        """Map windows of CNN features z (B, L, D) to log-probabilities (B, L, n_classes)."""
        self.check_embeddings(z)
        b, n = z.shape[0], z.shape[1]
        seq, _ = self.lstm(z)  # (B, L, D) -> (B, L, 2H)
        shortcut = self.shortcut(z.flatten(0, 1)).reshape(b, n, -1)  # (B*L, D) -> (B, L, 2H)
        h = self.output_dropout(seq + shortcut)  # (B, L, 2H)
        return torch.log_softmax(self.head(h), dim=-1)  # (B, L, K)

    def freeze_epoch_encoder(self) -> None:
        """Stop training the two CNN branches (their batch norms still update in training)."""
        self.small.requires_grad_(False)
        self.large.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map raw sequences x (B, L, C, S) to log-probabilities (B, L, n_classes)."""
        self.check_input(x)
        b, n = x.shape[0], x.shape[1]
        feats = self.epoch_features(x.flatten(0, 1))  # (B*L, C, S) -> (B*L, D)
        return self.classify_sequences(feats.reshape(b, n, -1))  # (B, L, D) -> (B, L, K)
