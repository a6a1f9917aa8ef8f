"""ONNX export of the models with a separable epoch encoder, for inference without PyTorch.

Every model that declares ``separable_encoder`` (SeqSleepNet, E2E-ARNN,
multitask E2E-ARNN, E2E-DeepSleepNet) can be exported; three graphs, each
with a dynamic batch axis (shapes for image models; E2E-DeepSleepNet reads raw
epochs (C, S) and has no attention, T = 0):

``"full"``
    sequences (B, L, C, T, F) -> log-probabilities (B, L, K).
``"encoder"``
    epochs (E, C, T, F) -> epoch vectors (E, D) and attention (E, T).
``"classifier"``
    epoch vectors (B, L, D) -> log-probabilities (B, L, K).

The encoder + classifier pair gives the encode-once inference path: encode a
night's epochs once, then classify the stride-1 windows of vectors. The
sequence length L is fixed in the graph: the model's ``window_length`` unless
another ``seq_len`` is given (models without a window length of their own
need one; ``fixed_length`` models accept only their own). The export uses
the TorchScript-based exporter (``dynamo=False``) and writes one
self-contained file.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import nn

from seqsleepnet.errors import ConfigError, check_option
from seqsleepnet.io.atomic import atomic_path
from seqsleepnet.models.base import SleepStagingModel

__all__ = ["OnnxPart", "example_input", "export_onnx", "graph_seq_len", "onnx_max_difference"]

OnnxPart = Literal["full", "encoder", "classifier"]
_PARTS: tuple[str, ...] = ("full", "encoder", "classifier")


class _Encoder(nn.Module):
    def __init__(self, model: SleepStagingModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.encode_epochs(x)  # (E, C, T, F) -> (E, 2H), (E, T)


class _Classifier(nn.Module):
    def __init__(self, model: SleepStagingModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model.classify_sequences(z)  # (B, L, 2H) -> (B, L, K)


def _spec(model: SleepStagingModel, part: str) -> tuple[nn.Module, list[str], list[str]]:
    """Module, input names and output names of one part."""
    if part == "full":
        return model, ["features"], ["log_probs"]
    if part == "encoder":
        return _Encoder(model), ["epochs"], ["embeddings", "attention"]
    if part == "classifier":
        return _Classifier(model), ["embeddings"], ["log_probs"]
    raise ConfigError(f"ONNX part {part!r} is unknown; choose one of {_PARTS}")


def _check_exportable(model: SleepStagingModel) -> None:
    if not model.separable_encoder:
        raise ConfigError(
            f"ONNX export supports models with a separable epoch encoder "
            f"(separable_encoder=True); {model.name} has none"
        )


def graph_seq_len(model: SleepStagingModel, seq_len: int | None = None) -> int:
    """The window length L that exported graphs of ``model`` are fixed to.

    Parameters
    ----------
    model : SleepStagingModel
    seq_len : int, optional
        Wanted L; by default the model's ``window_length``.

    Returns
    -------
    int

    Raises
    ------
    ConfigError
        If neither gives a positive L, or a ``fixed_length`` model is asked
        for another L than its own.
    """
    own = model.window_length
    length = own if seq_len is None else seq_len
    if length is None or length < 1:
        raise ConfigError(
            f"{model.name}: seq_len={seq_len!r}; the ONNX graphs need a window length "
            "L >= 1 and this model has none of its own"
        )
    if model.fixed_length and length != own:
        raise ConfigError(
            f"{model.name}: seq_len={length} but the model accepts only windows of "
            f"seq_len={own} epochs (per-position output layers)"
        )
    return length


def example_input(
    model: SleepStagingModel, part: OnnxPart, batch: int = 2, *, seq_len: int | None = None
) -> torch.Tensor:
    """A random input of the right shape for ``part``, with ``batch`` rows.

    Returns
    -------
    torch.Tensor
        (batch, L, C, T, F) for ``"full"``, (batch, C, T, F) for ``"encoder"``,
        (batch, L, D) for ``"classifier"``; L = :func:`graph_seq_len`.

    Raises
    ------
    ConfigError
        If ``part`` is unknown, the model has no separable epoch encoder or L
        is not usable (see :func:`graph_seq_len`).
    """
    check_option("ONNX part", part, _PARTS)
    _check_exportable(model)
    generator = torch.Generator().manual_seed(0)
    if part == "encoder":
        return torch.randn((batch, *model.epoch_shape), generator=generator)
    length = graph_seq_len(model, seq_len)
    if part == "full":
        return torch.randn((batch, length, *model.epoch_shape), generator=generator)
    return torch.randn((batch, length, model.embedding_size), generator=generator)


def export_onnx(
    model: SleepStagingModel,
    path: str | Path,
    part: OnnxPart = "full",
    *,
    seq_len: int | None = None,
    opset: int = 17,
) -> Path:
    """Export a model (or one of its inference parts) to an ONNX file.

    Parameters
    ----------
    model : SleepStagingModel
        A model with a separable epoch encoder; exported in eval mode (its
        training mode is restored).
    path : str or Path
        Destination ``.onnx`` file, written atomically.
    part : {"full", "encoder", "classifier"}
        Which graph to export (see the module docstring).
    seq_len : int, optional
        Window length L of the ``"full"`` and ``"classifier"`` graphs; by
        default the model's ``window_length`` (see :func:`graph_seq_len`).
    opset : int
        ONNX opset version.

    Returns
    -------
    Path
        The written file. Input names: ``features`` / ``epochs`` /
        ``embeddings``; outputs ``log_probs`` or ``embeddings`` + ``attention``.

    Raises
    ------
    ConfigError
        If ``part`` is unknown, the model has no separable epoch encoder or L
        is not usable.
    """
    example = example_input(model, part, seq_len=seq_len)
    module, inputs, outputs = _spec(model, part)
    target = Path(path)
    dynamic = {name: {0: "batch"} for name in [*inputs, *outputs]}
    was_training = model.training
    model.eval()
    try:
        with atomic_path(target) as tmp, torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about shape checks
            torch.onnx.export(
                module,
                (example,),
                str(tmp),
                input_names=inputs,
                output_names=outputs,
                dynamic_axes=dynamic,
                opset_version=opset,
                dynamo=False,
                external_data=False,
            )
    finally:
        model.train(was_training)
    return target


def onnx_max_difference(
    model: SleepStagingModel, path: str | Path, part: OnnxPart, x: torch.Tensor
) -> float:
    """Largest absolute difference between onnxruntime and PyTorch outputs on ``x``.

    Parameters
    ----------
    model : SleepStagingModel
        The exported model (run in eval mode).
    path : str or Path
        The ONNX file of ``part``.
    part : {"full", "encoder", "classifier"}
    x : torch.Tensor
        Input of ``part`` (any batch size).

    Returns
    -------
    float
        Max abs difference over all outputs.
    """
    import onnxruntime

    module, inputs, _ = _spec(model, part)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        expected = module(x)
    model.train(was_training)
    expected_list = list(expected) if isinstance(expected, tuple) else [expected]
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {inputs[0]: x.numpy()})
    pairs = zip(got, expected_list, strict=True)
    return max(float(np.max(np.abs(np.asarray(g) - e.numpy()), initial=0.0)) for g, e in pairs)
