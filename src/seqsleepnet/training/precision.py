"""Mixed precision for training: which autocast dtype a run's ``precision`` asks for.

``precision`` is one of ``auto``, ``fp32``, ``bf16`` and ``fp16``:

- on CUDA, ``auto`` is bf16 where the GPU supports it, else fp16 (with a
  gradient scaler); ``bf16`` and ``fp16`` ask for that dtype;
- on CPU, ``auto`` and ``fp32`` train in float32 (the default numerics);
  ``bf16`` is an opt-in autocast for CPUs with bf16 instructions (AVX512-BF16
  or AMX): matrix products and the recurrent layers run in bfloat16, which
  makes a step faster (BENCHMARKS.md, "Training throughput") and changes the
  numerics (the loss curve stays within 2% of float32's over a few dozen steps,
  see ``tests/test_training_precision.py``);
  ``fp16`` has no CPU path.

Validation and staging always run in float32.
"""

from __future__ import annotations

from typing import get_args

import torch

from seqsleepnet.errors import ConfigError, check_option
from seqsleepnet.training.config import Precision

__all__ = ["PRECISIONS", "autocast_dtype", "cpu_supports_bf16"]

PRECISIONS: tuple[str, ...] = get_args(Precision)


def cpu_supports_bf16() -> bool:
    """True when this CPU has native bf16 instructions that oneDNN uses (AVX512-BF16, AMX)."""
    if not torch.backends.mkldnn.is_available():
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without this query
        return False


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype of a training step, or None for plain float32.

    Parameters
    ----------
    precision : {"auto", "fp32", "bf16", "fp16"}
        The run's setting (see the module docstring).
    device : torch.device
        Where the model trains.

    Raises
    ------
    ConfigError
        ``fp16`` on CPU, or ``bf16`` on a CPU without bf16 instructions.
    """
    check_option("precision", precision, PRECISIONS)
    if precision == "fp32":
        return None
    if device.type == "cuda":
        if precision == "auto":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.bfloat16 if precision == "bf16" else torch.float16
    if precision == "fp16":
        raise ConfigError(
            "precision='fp16' needs a CUDA device; on CPU use --precision fp32 (default) or bf16"
        )
    if precision == "bf16":
        if not cpu_supports_bf16():
            raise ConfigError(
                "precision='bf16' on CPU needs bf16 instructions (AVX512-BF16 or AMX), "
                "which this CPU lacks; use --precision fp32"
            )
        return torch.bfloat16
    return None  # auto on CPU: float32
