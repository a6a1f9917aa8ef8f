"""ONNX export of SeqSleepNet for inference without PyTorch.

Three graphs can be exported, each with a dynamic batch axis:

``"full"``
    sequences (B, L, C, T, F) -> log-probabilities (B, L, K).
``"encoder"``
    epochs (E, C, T, F) -> epoch vectors (E, 2H) and attention (E, T).
``"classifier"``
    epoch vectors (B, L, 2H) -> log-probabilities (B, L, K).

The encoder + classifier pair gives the encode-once inference path: encode a
night's epochs once, then classify the stride-1 windows of vectors. The
sequence length L is fixed to the config's ``seq_len`` in the graph. The
export uses the TorchScript-based exporter (``dynamo=False``) and writes one
self-contained file.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import nn

from seqsleepnet.errors import ConfigError
from seqsleepnet.io.atomic import atomic_path
from seqsleepnet.models.seqsleepnet import SeqSleepNet

__all__ = ["OnnxPart", "example_input", "export_onnx", "onnx_max_difference"]

OnnxPart = Literal["full", "encoder", "classifier"]
_PARTS: tuple[str, ...] = ("full", "encoder", "classifier")


class _Encoder(nn.Module):
    def __init__(self, model: SeqSleepNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.encode_epochs(x)  # (E, C, T, F) -> (E, 2H), (E, T)


class _Classifier(nn.Module):
    def __init__(self, model: SeqSleepNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model.classify_sequences(z)  # (B, L, 2H) -> (B, L, K)


def _spec(model: SeqSleepNet, part: str) -> tuple[nn.Module, list[str], list[str]]:
    """Module, input names and output names of one part."""
    if part == "full":
        return model, ["features"], ["log_probs"]
    if part == "encoder":
        return _Encoder(model), ["epochs"], ["embeddings", "attention"]
    if part == "classifier":
        return _Classifier(model), ["embeddings"], ["log_probs"]
    raise ConfigError(f"ONNX part {part!r} is unknown; choose one of {_PARTS}")


def example_input(model: SeqSleepNet, part: OnnxPart, batch: int = 2) -> torch.Tensor:
    """A random input of the right shape for ``part``, with ``batch`` rows.

    Returns
    -------
    torch.Tensor
        (batch, L, C, T, F) for ``"full"``, (batch, C, T, F) for ``"encoder"``,
        (batch, L, 2H) for ``"classifier"``; L = ``config.seq_len``.
    """
    generator = torch.Generator().manual_seed(0)
    cfg = model.config
    shapes = {
        "full": (batch, cfg.seq_len, *model.epoch_shape),
        "encoder": (batch, *model.epoch_shape),
        "classifier": (batch, cfg.seq_len, model.embedding_size),
    }
    if part not in shapes:
        raise ConfigError(f"ONNX part {part!r} is unknown; choose one of {_PARTS}")
    return torch.randn(shapes[part], generator=generator)


def export_onnx(
    model: SeqSleepNet,
    path: str | Path,
    part: OnnxPart = "full",
    *,
    opset: int = 17,
) -> Path:
    """Export SeqSleepNet (or one of its inference parts) to an ONNX file.

    Parameters
    ----------
    model : SeqSleepNet
        The model; exported in eval mode (its training mode is restored).
    path : str or Path
        Destination ``.onnx`` file, written atomically.
    part : {"full", "encoder", "classifier"}
        Which graph to export (see the module docstring).
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
        If ``part`` is unknown or the model is not a SeqSleepNet.
    """
    if not isinstance(model, SeqSleepNet):
        raise ConfigError(f"ONNX export supports SeqSleepNet only, not {type(model).__name__}")
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
                (example_input(model, part),),
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
    model: SeqSleepNet, path: str | Path, part: OnnxPart, x: torch.Tensor
) -> float:
    """Largest absolute difference between onnxruntime and PyTorch outputs on ``x``.

    Parameters
    ----------
    model : SeqSleepNet
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
    return max(float(np.max(np.abs(np.asarray(g) - e.numpy()))) for g, e in pairs)
