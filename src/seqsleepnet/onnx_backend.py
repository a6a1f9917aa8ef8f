"""Run the two inference parts of a model with a separable epoch encoder in onnxruntime.

The classifier graph is fixed to one window length L (see
:mod:`seqsleepnet.models.onnx_export`), so its windows always have L epochs.

Exporting takes seconds, so :meth:`OnnxParts.cached` exports a model once and
keeps its graphs in a cache folder, keyed by the model's weights, config, L and
the PyTorch version: ``$SEQSLEEPNET_CACHE_DIR``, else
``$XDG_CACHE_HOME/seqsleepnet``, else ``~/.cache/seqsleepnet``. Later
processes open the cached graphs without exporting.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import torch

from seqsleepnet.models.base import SleepStagingModel
from seqsleepnet.models.checkpoint import model_digest
from seqsleepnet.models.onnx_export import export_onnx, graph_seq_len

__all__ = ["OnnxParts", "cache_folder"]

logger = logging.getLogger(__name__)

_PART_FILES = ("encoder.onnx", "classifier.onnx")


def cache_folder() -> Path:
    """Where exported graphs are kept (see the module docstring)."""
    if configured := os.environ.get("SEQSLEEPNET_CACHE_DIR"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seqsleepnet"


def _graph_key(model: SleepStagingModel, seq_len: int) -> str:
    digest = hashlib.sha256(f"{model_digest(model)};L={seq_len};torch={torch.__version__}".encode())
    return digest.hexdigest()[:24]


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
    def cached(cls, model: SleepStagingModel, *, seq_len: int | None = None) -> OnnxParts:
        """Open the model's graphs from the cache folder, exporting them there once.

        The graphs are exported into a temporary folder inside the cache and
        renamed into place, so a cache entry is complete or absent, also when
        two processes export at once. A cache folder that cannot be written
        only costs the export: the graphs go to a temporary folder instead.
        """
        length = graph_seq_len(model, seq_len)
        entry = cache_folder() / "onnx" / _graph_key(model, length)
        if all((entry / name).is_file() for name in _PART_FILES):
            return cls.load(*(entry / name for name in _PART_FILES))
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".export-", dir=entry.parent))
        except OSError as error:
            logger.warning("ONNX cache %s is not writable (%s); exporting anew", entry, error)
            with tempfile.TemporaryDirectory() as folder:
                return cls.export(model, Path(folder), seq_len=length)
        try:
            cls.export(model, staging, seq_len=length)
            try:
                staging.rename(entry)
            except OSError:  # another process put the same entry in place first
                if not all((entry / name).is_file() for name in _PART_FILES):
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return cls.load(*(entry / name for name in _PART_FILES))

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
