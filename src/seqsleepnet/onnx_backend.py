"""Run the two inference parts of a model with a separable epoch encoder in onnxruntime.

The classifier graph is fixed to one window length L (see
:mod:`seqsleepnet.models.onnx_export`), so its windows always have L epochs.

Exporting takes seconds, so :meth:`OnnxParts.cached` exports a model once and
keeps its graphs in a cache folder, keyed by the model's weights, config, L and
the PyTorch version: ``$SEQSLEEPNET_CACHE_DIR``, else
``$XDG_CACHE_HOME/seqsleepnet``, else ``~/.cache/seqsleepnet``. Later
processes open the cached graphs without exporting.

For a checkpoint file, :func:`remember_checkpoint` also records (under the
SHA-256 of the file's bytes) which graphs are its own and what a stager needs
besides them (the model input and L), so that :func:`cached_checkpoint` can
build a stager for the same file without PyTorch: a cold ``stage`` with
onnxruntime then never imports it. A changed file has another digest and is
read (and validated) again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from seqsleepnet.features.model_input import ModelInput
from seqsleepnet.features.spectral_shape import SpectralReference

if TYPE_CHECKING:  # exporting needs PyTorch; opening cached graphs does not
    from seqsleepnet.models.base import SleepStagingModel

__all__ = [
    "CachedCheckpoint",
    "OnnxParts",
    "cache_folder",
    "cached_checkpoint",
    "remember_checkpoint",
]

logger = logging.getLogger(__name__)

_PART_FILES = ("encoder.onnx", "classifier.onnx")


def cache_folder() -> Path:
    """Where exported graphs are kept (see the module docstring)."""
    if configured := os.environ.get("SEQSLEEPNET_CACHE_DIR"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seqsleepnet"


def _graph_key(model: SleepStagingModel, seq_len: int) -> str:
    import torch

    from seqsleepnet.models.checkpoint import model_digest

    digest = hashlib.sha256(f"{model_digest(model)};L={seq_len};torch={torch.__version__}".encode())
    return digest.hexdigest()[:24]


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    # idle threads sleep instead of spinning, so that they leave the cores to the reading
    # and filtering that run between model calls
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
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
        from seqsleepnet.models.onnx_export import export_onnx

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
        from seqsleepnet.models.onnx_export import graph_seq_len

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


@dataclass(frozen=True)
class CachedCheckpoint:
    """A checkpoint's graphs and what a stager needs besides them, read without PyTorch."""

    parts: OnnxParts
    model_input: ModelInput
    seq_len: int
    description: str
    spectral_reference: SpectralReference | None = None


def _file_digest(path: Path) -> str | None:
    """SHA-256 of a checkpoint file's bytes (read in blocks); None if it cannot be read.

    Only a regular file is read: opening a FIFO or a device would block or never end
    (loading the checkpoint then gives the error).
    """
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:  # loading the checkpoint gives the error
        return None


def _index(digest: str) -> Path:
    return cache_folder() / "onnx" / "checkpoints" / f"{digest}.json"


def cached_checkpoint(path: str | Path) -> CachedCheckpoint | None:
    """The cached graphs of this checkpoint file, if :func:`remember_checkpoint` recorded them.

    None when the file (as it is now) was never recorded or its entry is
    incomplete or damaged: the caller then loads the checkpoint itself.
    """
    digest = _file_digest(Path(path))
    if digest is None or not _index(digest).is_file():
        return None
    try:
        record = json.loads(_index(digest).read_text(encoding="utf-8"))
        entry = cache_folder() / "onnx" / str(record["graphs"])
        if not all((entry / name).is_file() for name in _PART_FILES):
            return None
        seq_len = record["seq_len"]
        if isinstance(seq_len, bool) or not isinstance(seq_len, int) or seq_len < 1:
            return None
        model_input = ModelInput.from_dict(record["model_input"])
        stored = record.get("spectral_reference")
        reference = None if stored is None else SpectralReference.from_dict(stored)
        parts = OnnxParts.load(*(entry / name for name in _PART_FILES))
    except Exception as error:  # damaged or foreign (onnxruntime's own errors): read the file
        logger.debug("ignoring the cache entry of %s: %s", path, error)
        return None
    return CachedCheckpoint(
        parts, model_input, seq_len, str(record.get("description", "")), reference
    )


def remember_checkpoint(
    path: str | Path,
    model: SleepStagingModel,
    model_input: ModelInput,
    *,
    seq_len: int,
    description: str,
    spectral_reference: SpectralReference | None = None,
) -> None:
    """Record that this checkpoint file's graphs are cached (best effort: a cache that
    cannot be written only means the next process reads the checkpoint again)."""
    from seqsleepnet.models.onnx_export import graph_seq_len

    digest = _file_digest(Path(path))
    if digest is None:
        return
    values = model_input.to_dict()
    if values["normalizer"] is not None:
        values["normalizer"] = {
            k: v.tolist() if isinstance(v, np.ndarray) else v
            for k, v in values["normalizer"].items()
        }
    record = {
        "graphs": _graph_key(model, graph_seq_len(model, seq_len)),
        "seq_len": seq_len,
        "description": description,
        "model_input": values,
        "spectral_reference": None if spectral_reference is None else spectral_reference.to_dict(),
    }
    index = _index(digest)
    try:
        index.parent.mkdir(parents=True, exist_ok=True)
        temporary = index.with_name(f".{index.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        temporary.replace(index)
    except OSError as error:
        logger.debug("could not record %s in the ONNX cache: %s", path, error)
