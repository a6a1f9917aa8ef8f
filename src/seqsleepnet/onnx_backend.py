"""Run the two inference parts of a model with a separable epoch encoder in onnxruntime.

The classifier graph is fixed to one window length L (see
:mod:`seqsleepnet.models.onnx_export`), so its windows always have L epochs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from seqsleepnet.models.base import SleepStagingModel
from seqsleepnet.models.onnx_export import export_onnx

__all__ = ["OnnxParts"]


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@dataclass
class OnnxParts:
    """onnxruntime sessions of the epoch encoder and the sequence classifier."""

    encoder: Any
    classifier: Any

    @classmethod
    def export(
        cls, model: SleepStagingModel, folder: Path, *, seq_len: int | None = None
    ) -> OnnxParts:
        """Export both parts into ``folder`` and open them.

        Parameters
        ----------
        model : SleepStagingModel
            A model with a separable epoch encoder.
        folder : Path
            Receives ``encoder.onnx`` and ``classifier.onnx``.
        seq_len : int, optional
            Window length L of the classifier graph; by default the model's
            ``window_length``.

        Raises
        ------
        ConfigError
            If the model has no separable epoch encoder or L is not usable.
        """
        return cls.load(
            export_onnx(model, folder / "encoder.onnx", "encoder"),
            export_onnx(model, folder / "classifier.onnx", "classifier", seq_len=seq_len),
        )

    @classmethod
    def load(cls, encoder: Path, classifier: Path) -> OnnxParts:
        """Open exported ``encoder.onnx`` and ``classifier.onnx`` files."""
        return cls(_session(encoder), _session(classifier))

    def encode(
        self, x: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """(n, C, T, F) images -> (n, D) epoch vectors, (n, T) attention."""
        z, alpha = self.encoder.run(None, {"epochs": np.ascontiguousarray(x, np.float32)})
        return np.asarray(z), np.asarray(alpha)

    def classify(self, z: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """(B, L, D) epoch vectors -> (B, L, K) log-probabilities."""
        (log_probs,) = self.classifier.run(
            None, {"embeddings": np.ascontiguousarray(z, np.float32)}
        )
        return np.asarray(log_probs)
