"""The contract every sleep-staging model of the package follows.

Training, evaluation and inference code treat all models alike through
:class:`SleepStagingModel`:

* a dataclass config (a :class:`ModelConfig`), kept on ``model.config``, from
  which the model can be rebuilt (``type(model)(config)``);
* class attributes ``name`` (registry name), ``input_kind`` (``"tf"``: a
  time-frequency image per epoch, (C, T, F); ``"raw"``: the signal samples of
  an epoch, (C, S)) and ``description``;
* ``forward(x)`` with ``x`` of shape (B, L, *epoch_shape) returning
  log-probabilities (B, L, n_classes) in stage order W, N1, N2, N3, REM.
  One-to-one models fold L into the batch and classify each epoch alone;
* ``training_pairs(x, targets)`` returning the log-probabilities and targets
  that the training loss compares (the forward output and the targets
  themselves, except for models trained with extra outputs).

Capabilities
------------
Code that runs a model asks it what it can do (like scikit-learn's estimator
tags) and never checks its class:

``input_kind`` : {"tf", "raw"}, class attribute
    What one epoch of input is (see above).
``separable_encoder`` : bool, class attribute
    True when every epoch is encoded on its own into a vector before any
    epoch sees another, so that ``forward(x)`` equals
    ``classify_sequences(encode_epochs(x))`` per window. Such a model offers

    * ``encode_epochs(x (E, *epoch_shape)) -> (z (E, D), alpha (E, T))``:
      epoch vectors and the frame attention of each epoch;
    * ``classify_sequences(z (B, L, D)) -> log-probabilities (B, L, n_classes)``:
      the rest of ``forward`` on windows of L consecutive epoch vectors;
    * ``embedding_size``: D.

    A night's epochs can then be encoded once and reused by every window that
    contains them (:func:`seqsleepnet.inference.predict_encode_once`). On a
    model without a separable encoder the three raise :class:`ConfigError`.
``fixed_length`` : bool, property
    True when the model accepts only windows of exactly ``window_length``
    epochs (SeqSleepNet with per-position output layers); False when any L
    works.
``window_length`` : int or None, property
    The window length L the model was built for (its config's ``seq_len``),
    None for models whose architecture has none.
"""

from __future__ import annotations

import dataclasses
import typing
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import torch
from torch import nn

from seqsleepnet.errors import ConfigError, check_option, check_type
from seqsleepnet.features.preprocessing import InputKind, Preprocessing

__all__ = ["InputKind", "ModelConfig", "SleepStagingModel", "check_dropout", "check_positive"]


def check_positive(where: str, **values: float) -> None:
    """Raise :class:`ConfigError` for any value that is not > 0."""
    for key, value in values.items():
        if not value > 0:
            raise ConfigError(f"{where}: {key}={value!r} must be positive")


def check_dropout(where: str, value: float) -> None:
    """Raise :class:`ConfigError` unless ``0 <= value < 1``."""
    if not 0.0 <= value < 1.0:
        raise ConfigError(f"{where}: dropout={value!r} must be in [0, 1)")


def _checked(parameter: str, value: Any, hint: Any) -> Any:
    """``value`` checked against a config field's type: int, float, bool, str or a Literal."""
    if typing.get_origin(hint) is typing.Literal:
        return check_option(parameter, value, typing.get_args(hint))
    return check_type(parameter, value, hint)


@dataclasses.dataclass
class ModelConfig:
    """Base of the model configs: conversion to and from plain dictionaries."""

    def to_dict(self) -> dict[str, Any]:
        """Plain-data copy of the config (for checkpoints and JSON)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        """Build a config, refusing keys the config does not have.

        Raises
        ------
        ConfigError
            If a key is unknown or a value is outside what is allowed.
        """
        allowed = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise ConfigError(
                f"{cls.__name__}: unknown option(s) {unknown}; allowed options are {allowed}"
            )
        hints = typing.get_type_hints(cls)
        checked = {
            key: _checked(f"{cls.__name__}: {key}", value, hints[key])
            for key, value in values.items()
        }
        return cls(**checked)

    @classmethod
    def input_fields(cls, preprocessing: Preprocessing) -> dict[str, Any]:
        """The config values that a :class:`Preprocessing` fixes (channels, frames, ...).

        :func:`seqsleepnet.models.registry.build_model` fills them in, so that
        a model's input dimensions are derived, never typed a second time.
        """
        raise NotImplementedError(f"{cls.__name__} does not say which inputs it reads")


class SleepStagingModel(nn.Module, ABC):
    """Abstract base of the package's models (see the module docstring).

    The defaults describe the most general model: no separable epoch
    encoder, any window length, no window length of its own.
    """

    name: ClassVar[str]
    input_kind: ClassVar[InputKind]
    description: ClassVar[str]
    config_class: ClassVar[type[ModelConfig]]
    separable_encoder: ClassVar[bool] = False
    config: ModelConfig

    @property
    def fixed_length(self) -> bool:
        """True if the model accepts only windows of exactly ``window_length`` epochs."""
        return False

    @property
    def window_length(self) -> int | None:
        """The window length L the model was built for, or None if it has none."""
        return None

    @property
    def embedding_size(self) -> int:
        """Size D of one encoded epoch (models with a separable encoder only)."""
        raise self._no_encoder("embedding_size")

    def encode_epochs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode epochs x (E, *epoch_shape) one by one into (z (E, D), alpha (E, T)).

        Raises
        ------
        ConfigError
            If the model has no separable epoch encoder.
        """
        raise self._no_encoder("encode_epochs")

    def classify_sequences(self, z: torch.Tensor) -> torch.Tensor:
        """Map windows of epoch vectors z (B, L, D) to log-probabilities (B, L, n_classes).

        Raises
        ------
        ConfigError
            If the model has no separable epoch encoder.
        """
        raise self._no_encoder("classify_sequences")

    def freeze_epoch_encoder(self) -> None:
        """Stop training the epoch encoder (fine-tuning only the sequence part).

        Raises
        ------
        ConfigError
            If the model has no separable epoch encoder.
        """
        raise self._no_encoder("freeze_epoch_encoder")

    def check_embeddings(self, z: torch.Tensor) -> None:
        """Raise :class:`ConfigError` unless z has shape (B, L, ``embedding_size``)."""
        if z.dim() != 3 or z.shape[2] != self.embedding_size:
            raise ConfigError(
                f"{self.name}: epoch vectors have shape {tuple(z.shape)}; "
                f"expected (B, L, {self.embedding_size})"
            )

    def _no_encoder(self, what: str) -> ConfigError:
        return ConfigError(
            f"{self.name}: {what} needs a separable epoch encoder and this model has none "
            "(separable_encoder=False); run it on whole windows with forward "
            "(seqsleepnet.inference.predict_naive)"
        )

    @property
    @abstractmethod
    def epoch_shape(self) -> tuple[int, ...]:
        """Shape of one epoch's input: (C, T, F) for ``"tf"``, (C, S) for ``"raw"``."""

    @abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map x (B, L, *epoch_shape) to log-probabilities (B, L, n_classes)."""

    def training_pairs(
        self, x: torch.Tensor, targets: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Outputs and targets for the training loss.

        Parameters
        ----------
        x : torch.Tensor, shape (B, L, *epoch_shape)
        targets : torch.Tensor of int, shape (B, L)
            Stage indices, -1 for unscored epochs.

        Returns
        -------
        log_probs : torch.Tensor, shape (B, L, ..., n_classes)
        targets : torch.Tensor, shape (B, L, ...)
        """
        return self(x), targets

    def check_input(self, x: torch.Tensor, leading: int = 2) -> None:
        """Raise :class:`ConfigError` unless x has ``leading`` free axes then ``epoch_shape``."""
        expected = self.epoch_shape
        if x.dim() != leading + len(expected) or tuple(x.shape[leading:]) != expected:
            axes = "(B, L, " if leading == 2 else "(E, " if leading == 1 else "("
            raise ConfigError(
                f"{self.name}: input has shape {tuple(x.shape)}; expected "
                f"{axes}{', '.join(map(str, expected))}) for this model's config "
                f"(input kind {self.input_kind!r}); check the channels and feature settings"
            )
