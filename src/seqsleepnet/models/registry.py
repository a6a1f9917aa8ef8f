"""Model registry: build any of the package's models by name."""

from __future__ import annotations

import functools
from typing import Any

import torch

from seqsleepnet.errors import ConfigError, check_option
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.models.arnn import ARNN
from seqsleepnet.models.base import SleepStagingModel
from seqsleepnet.models.deepsleepnet import DeepSleepNet
from seqsleepnet.models.multitask_arnn import MultitaskARNN
from seqsleepnet.models.seqsleepnet import SeqSleepNet

__all__ = ["MODELS", "build_model", "check_model_config", "count_parameters", "list_models"]

MODELS: dict[str, type[SleepStagingModel]] = {
    cls.name: cls for cls in (SeqSleepNet, ARNN, MultitaskARNN, DeepSleepNet)
}


def check_model_config(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """Return ``options`` if they are valid config options of the model ``name``.

    Raises
    ------
    ConfigError
        If the name is unknown, an option is unknown, or a value has the wrong
        type or is not allowed (the message lists what is).
    """
    cls = MODELS[check_option("model", name, sorted(MODELS))]
    cls.config_class.from_dict(options)
    return options


def build_model(
    name: str,
    *,
    preprocessing: Preprocessing | None = None,
    seed: int | None = None,
    **config: Any,
) -> SleepStagingModel:
    """Build a model from its registry name and config options.

    Parameters
    ----------
    name : str
        One of ``seqsleepnet``, ``arnn``, ``multitask-arnn``, ``deepsleepnet``.
    preprocessing : Preprocessing, optional
        The input the model will read: its channels, frames, bins, rate and
        epoch length fill the config (``ModelConfig.input_fields``).
    seed : int, optional
        Seed of the weight initialisation; the same seed gives the same
        weights. The global torch random state is left unchanged when given.
    **config
        Fields of the model's config dataclass (e.g. ``channels=1``,
        ``cell="bn-lstm"``).

    Returns
    -------
    SleepStagingModel
        A new model in training mode.

    Raises
    ------
    ConfigError
        If the name or an option is unknown, a value is not allowed, or an
        option contradicts ``preprocessing``.
    """
    cls = MODELS[check_option("model", name, sorted(MODELS))]
    if preprocessing is not None:
        derived = cls.config_class.input_fields(preprocessing)
        clashes = {k: v for k, v in config.items() if k in derived and v != derived[k]}
        if clashes:
            raise ConfigError(
                f"{name}: option(s) {clashes} contradict the preprocessing, which gives "
                f"{ {k: derived[k] for k in clashes} }; leave them out"
            )
        config = {**config, **derived}
    cfg = cls.config_class.from_dict(config)
    if seed is None:
        return cls(cfg)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return cls(cfg)


def count_parameters(model: torch.nn.Module) -> int:
    """Number of trainable parameters (batch-norm running statistics excluded)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@functools.cache
def _default_size(name: str, channels: int) -> int:
    with torch.device("meta"):
        model = build_model(name, channels=channels)
    return count_parameters(model)


def list_models(channels: int = 3) -> list[dict[str, Any]]:
    """Describe the registered models.

    Parameters
    ----------
    channels : int
        Input channels for which the parameters are counted (default 3).

    Returns
    -------
    list of dict
        One entry per model: ``name``, ``parameters`` (count for the default
        config), ``input`` (``"tf"`` or ``"raw"``) and ``description``.
    """
    return [
        {
            "name": name,
            "parameters": _default_size(name, channels),
            "input": cls.input_kind,
            "description": cls.description,
        }
        for name, cls in MODELS.items()
    ]
