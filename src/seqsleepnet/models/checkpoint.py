"""Checkpoint files: everything needed to rebuild and use a trained model.

A checkpoint is one ``torch.save`` file holding only plain data: a format
tag and version, the model's registry name, its config dict, its
``state_dict``, caller-supplied ``extra`` data (the model input: the
preprocessing, input kind and normaliser arrays; the stage map, training
metadata) and a SHA-256 checksum over all of it.
It is read with ``torch.load(weights_only=True)``, which refuses pickled code
instead of running it. Files are written atomically (temporary file in the
same folder, then renamed: :func:`seqsleepnet.io.atomic.atomic_path`).

:func:`load_trained` reads a checkpoint together with its
:class:`~seqsleepnet.features.model_input.ModelInput` and checks that the
two fit. Format version 1 (before the preprocessing was stored) is refused
with a message: its recorded feature settings were always the defaults,
whatever the data were prepared with, so no migration can be trusted.

``extra`` may contain dicts (str keys), lists, tuples, str, int, float,
bool, None, torch tensors and NumPy arrays (stored as tensors and given back
as NumPy arrays).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from seqsleepnet.errors import CheckpointError, ConfigError
from seqsleepnet.features.model_input import ModelInput
from seqsleepnet.io.atomic import atomic_path
from seqsleepnet.io.paths import not_a_file
from seqsleepnet.models.base import SleepStagingModel
from seqsleepnet.models.registry import MODELS
from seqsleepnet.stages import STAGE_NAMES

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_VERSION",
    "load_checkpoint",
    "load_trained",
    "model_digest",
    "save_checkpoint",
    "save_trained",
]

CHECKPOINT_FORMAT = "seqsleepnet-checkpoint"
CHECKPOINT_VERSION = 2
MAX_CHECKPOINT_BYTES = 512 * 2**20
"""Most bytes a checkpoint's archive may unpack to (512 MiB; DeepSleepNet's is 100 MiB)."""
MAX_PARAMETERS = 100_000_000
"""Most numbers (weights and buffers) a stored model config may ask for."""
_ARRAY_TAG = "__numpy_array__"


def _encode(value: Any, where: str) -> Any:
    """Turn ``extra`` into data ``torch.load(weights_only=True)`` accepts."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise CheckpointError(f"extra{where}: object arrays cannot be stored")
        return {_ARRAY_TAG: torch.from_numpy(np.ascontiguousarray(value).copy())}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise CheckpointError(f"extra{where}: key {key!r} is not a string")
        return {k: _encode(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if value is None or isinstance(value, str | int | float | bool | torch.Tensor):
        return value.detach().cpu().clone() if isinstance(value, torch.Tensor) else value
    raise CheckpointError(
        f"extra{where}: {type(value).__name__} cannot be stored in a checkpoint; use plain "
        "data (dict, list, str, int, float, bool, None, NumPy arrays, tensors)"
    )


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_ARRAY_TAG} and isinstance(value[_ARRAY_TAG], torch.Tensor):
            return value[_ARRAY_TAG].numpy()
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_decode(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def _feed(digest: Any, value: Any) -> None:
    """Hash a plain-data structure deterministically, tensors by dtype, shape and bytes."""
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        digest.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, dict):
        digest.update(b"{")
        for key in sorted(value):
            digest.update(json.dumps(key).encode())
            _feed(digest, value[key])
        digest.update(b"}")
    elif isinstance(value, list | tuple):
        digest.update(b"[" if isinstance(value, list) else b"(")
        for item in value:
            _feed(digest, item)
        digest.update(b"]")
    else:
        digest.update(f"{type(value).__name__}:{value!r};".encode())


def _checksum(payload: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    _feed(digest, {k: v for k, v in payload.items() if k != "checksum"})
    return digest.hexdigest()


def model_digest(model: SleepStagingModel) -> str:
    """SHA-256 of a model's name, config and weights: equal digests mean equal models."""
    digest = hashlib.sha256()
    _feed(digest, {"model": model.name, "config": model.config.to_dict()})
    _feed(digest, dict(model.state_dict()))
    return digest.hexdigest()


def save_checkpoint(
    path: str | Path, model: SleepStagingModel, *, extra: dict[str, Any] | None = None
) -> Path:
    """Write a model and its companion data to one checkpoint file, atomically.

    Parameters
    ----------
    path : str or Path
        Destination file (its folder must exist).
    model : SleepStagingModel
        A registered model; its config and weights are stored.
    extra : dict, optional
        Plain data to keep with the model (see the module docstring).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    CheckpointError
        If the model is not registered or ``extra`` holds unsupported objects.
    """
    target = Path(path)
    if model.name not in MODELS:
        raise CheckpointError(
            f"{target}: model {model.name!r} is not registered; known: {sorted(MODELS)}"
        )
    payload: dict[str, Any] = {
        "format": CHECKPOINT_FORMAT,
        "format_version": CHECKPOINT_VERSION,
        "model": model.name,
        "config": model.config.to_dict(),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "extra": _encode(extra or {}, ""),
    }
    payload["checksum"] = _checksum(payload)
    with atomic_path(target) as tmp, open(tmp, "wb") as stream:
        torch.save(payload, stream)  # a stream, so the archive's inner name is not the temp name
    return target


def _unpacked_bytes(path: Path) -> int | None:
    """Bytes the archive's entries declare they unpack to; None if it is not a readable zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def _read(path: Path) -> dict[str, Any]:
    problem = not_a_file(path)
    if problem == "file not found":
        raise CheckpointError(f"{path}: checkpoint file not found; check the path")
    if problem is not None:
        raise CheckpointError(f"{path}: {problem}; give the path of a checkpoint file")
    unreadable = CheckpointError(
        f"{path}: not a readable checkpoint (truncated, corrupt or not written by "
        "seqsleepnet; nothing in it was run); re-copy or re-create the file"
    )
    unpacked = _unpacked_bytes(path)  # torch.save writes a zip archive
    if unpacked is None:
        raise unreadable
    if unpacked > MAX_CHECKPOINT_BYTES:  # a zip bomb is refused before it is unpacked
        raise CheckpointError(
            f"{path}: refused to load: the archive unpacks to {unpacked} bytes, more than the "
            f"limit of {MAX_CHECKPOINT_BYTES} bytes for a checkpoint; only load checkpoints "
            "written by seqsleepnet"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on pickle protocols
            payload = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as error:
        if "unsupported global" in str(error).lower():
            raise CheckpointError(
                f"{path}: refused to load: the file contains code or objects that are not "
                "plain data (never executed); only load checkpoints written by seqsleepnet"
            ) from None
        raise unreadable from None
    except Exception:
        raise unreadable from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path}: not a seqsleepnet checkpoint (no format tag)")
    return payload


def load_checkpoint(path: str | Path) -> tuple[SleepStagingModel, dict[str, Any]]:
    """Rebuild a model and its companion data from a checkpoint file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    model : SleepStagingModel
        The model with its stored weights, in eval mode.
    extra : dict
        The ``extra`` data given to :func:`save_checkpoint` (NumPy arrays as
        NumPy arrays).

    Raises
    ------
    CheckpointError
        If the file is missing, truncated, not a checkpoint, contains code,
        has another format version, fails its checksum, or names an unknown
        model or config.
    """
    source = Path(path)
    payload = _read(source)
    version = payload.get("format_version")
    if version == 1:
        raise CheckpointError(
            f"{source}: checkpoint written by an older seqsleepnet (format 1), which did not "
            "record the preprocessing its model was trained with; staging it could use other "
            "features than its training did. Train it again with 'seqsleepnet train' on a "
            "cache made by 'seqsleepnet prepare'"
        )
    if version != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"{source}: checkpoint format version {version!r} is not supported; this "
            f"seqsleepnet reads version {CHECKPOINT_VERSION}; re-create the checkpoint"
        )
    if payload.get("checksum") != _checksum(payload):
        raise CheckpointError(
            f"{source}: checksum mismatch: the file was modified or corrupted; "
            "re-copy or re-create it"
        )
    name = payload.get("model")
    if name not in MODELS:
        raise CheckpointError(
            f"{source}: unknown model {name!r}; this seqsleepnet knows {sorted(MODELS)}"
        )
    cls = MODELS[name]
    try:
        config = cls.config_class.from_dict(dict(payload["config"]))
        _check_size(source, cls, config)
        model = cls(config)
        model.load_state_dict(payload["state_dict"])
    except (ConfigError, RuntimeError, KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{source}: stored config or weights do not fit: {error}") from None
    _check_finite(source, model)
    model.eval()
    extra = _decode(payload.get("extra", {}))
    if not isinstance(extra, dict):
        raise CheckpointError(f"{source}: stored extra data is not a table; re-create the file")
    return model, extra


def _check_size(source: Path, cls: type[SleepStagingModel], config: Any) -> None:
    """Refuse a config that asks for more than :data:`MAX_PARAMETERS` numbers, unallocated."""
    with torch.device("meta"):  # shapes only: nothing is allocated
        numbers = sum(t.numel() for t in cls(config).state_dict().values())
    if numbers > MAX_PARAMETERS:
        raise CheckpointError(
            f"{source}: stored config asks for {numbers} weights, more than the limit of "
            f"{MAX_PARAMETERS}; the file is damaged or not a sleep-staging model"
        )


def _check_finite(source: Path, model: SleepStagingModel) -> None:
    for key, tensor in model.state_dict().items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(
                f"{source}: stored weight {key!r} holds NaN or infinite values; the model "
                "cannot stage; train it again or use another checkpoint"
            )


def _check_fit(path: str | Path, model: SleepStagingModel, model_input: ModelInput) -> None:
    if model_input.kind != model.input_kind or model_input.epoch_shape != model.epoch_shape:
        raise CheckpointError(
            f"{path}: inconsistent checkpoint: the {model.name} model reads "
            f"{model.input_kind!r} input of shape {model.epoch_shape} per epoch but its "
            f"preprocessing gives {model_input.kind!r} input of shape {model_input.epoch_shape}; "
            "train it again with 'seqsleepnet train'"
        )


def save_trained(
    path: str | Path,
    model: SleepStagingModel,
    model_input: ModelInput,
    *,
    seq_len: int,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a trained model with what staging needs: its input and window length.

    Parameters
    ----------
    path : str or Path
        Destination file (its folder must exist).
    model : SleepStagingModel
    model_input : ModelInput
        The preprocessing and normaliser the model was trained with.
    seq_len : int
        Window length L for inference.
    extra : dict, optional
        More plain data (training metadata, a description, ...).

    Raises
    ------
    CheckpointError
        If the model input does not fit the model, or as :func:`save_checkpoint`.
    """
    _check_fit(path, model, model_input)
    data = {
        **(extra or {}),
        "model_input": model_input.to_dict(),
        "seq_len": int(seq_len),
        "stage_names": list(STAGE_NAMES),
    }
    return save_checkpoint(path, model, extra=data)


def load_trained(path: str | Path) -> tuple[SleepStagingModel, ModelInput, dict[str, Any]]:
    """A trained model, the input it reads and the rest of its checkpoint's data.

    Parameters
    ----------
    path : str or Path
        A checkpoint written by ``seqsleepnet train`` (``best.pt`` or ``last.pt``).

    Returns
    -------
    model : SleepStagingModel
        In eval mode.
    model_input : ModelInput
        Preprocessing, input kind and normaliser, exactly as in training.
    extra : dict
        Everything else the checkpoint holds: ``seq_len`` (validated), the
        training metadata, ...

    Raises
    ------
    CheckpointError
        Any problem of :func:`load_checkpoint`, a missing or invalid model
        input, or one that does not fit the model (kind or epoch shape).
    """
    model, extra = load_checkpoint(path)
    if not isinstance(extra.get("model_input"), Mapping):
        raise CheckpointError(
            f"{path}: checkpoint does not record the model's preprocessing and normaliser; "
            "it was not written by 'seqsleepnet train'; train the model with it"
        )
    try:
        model_input = ModelInput.from_dict(extra["model_input"])
    except ConfigError as error:
        raise CheckpointError(f"{path}: stored model input is not usable: {error}") from None
    _check_fit(path, model, model_input)
    stage_names = extra.get("stage_names", list(STAGE_NAMES))
    if not isinstance(stage_names, list) or stage_names != list(STAGE_NAMES):
        raise CheckpointError(
            f"{path}: stored stage_names={stage_names!r}; this seqsleepnet stages "
            f"{list(STAGE_NAMES)} in that order; train the model again with 'seqsleepnet train'"
        )
    seq_len = extra.get("seq_len")
    if isinstance(seq_len, bool) or not isinstance(seq_len, int) or not 1 <= seq_len <= 10_000:
        raise CheckpointError(
            f"{path}: stored seq_len={seq_len!r} is not a window length of 1 to 10000 epochs; "
            "train the model again with 'seqsleepnet train'"
        )
    return model, model_input, extra
