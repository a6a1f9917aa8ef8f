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
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import torch
from torch import nn

from seqsleepnet.errors import ConfigError
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
        return cls(**values)

    @classmethod
    def input_fields(cls, preprocessing: Preprocessing) -> dict[str, Any]:
        """The config values that a :class:`Preprocessing` fixes (channels, frames, ...).

        :func:`seqsleepnet.models.registry.build_model` fills them in, so that
        a model's input dimensions are derived, never typed a second time.
        """
        raise NotImplementedError(f"{cls.__name__} does not say which inputs it reads")


class SleepStagingModel(nn.Module, ABC):
    """Abstract base of the package's models (see the module docstring)."""

    name: ClassVar[str]
    input_kind: ClassVar[InputKind]
    description: ClassVar[str]
    config_class: ClassVar[type[ModelConfig]]
    config: ModelConfig

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
