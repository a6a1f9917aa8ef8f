"""Prepared datasets on disk: one compressed file per recording plus a manifest.

A cache folder holds ``<recording>.npz`` files and ``manifest.json``. Each
``.npz`` has:

- ``features``: float32 (E, C, 29, 129), STFT log magnitude, not normalised;
- ``signals``: float32 (E, C, 3000), conditioned 100-Hz epochs (for models on
  raw signals, such as E2E-DeepSleepNet);
- ``labels``: int8 (E,), 0..4 = W..REM, -1 unscored (masked, kept in place);
- ``onsets``: float64 (E,), seconds from the recording start.

The manifest lists every recording with its subject, night, epoch counts per
stage, channels, roles, native sampling rates and the fingerprint of the
settings that produced it (so a rerun with the same settings skips it); the
settings themselves, the :class:`~seqsleepnet.features.preprocessing.Preprocessing`
among them, are stored once under ``"preprocessing"``
(:func:`manifest_preprocessing` reads them back). Files are written atomically;
the manifest is rewritten after every recording, so an interrupted run loses
at most the recording in progress.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.io.atomic import atomic_path
from seqsleepnet.stages import STAGE_NAMES, UNSCORED_NAME, stage_names

__all__ = [
    "MANIFEST_NAME",
    "CacheEntry",
    "CachedRecording",
    "check_settings",
    "load_manifest",
    "manifest_preprocessing",
    "read_cached",
    "save_manifest",
    "stage_counts",
    "write_cached",
]

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 2
"""Version 2 stores the preprocessing under one key; version 1 caches are migrated on read."""
_ARRAYS = ("features", "signals", "labels", "onsets")


@dataclass(frozen=True)
class CacheEntry:
    """One prepared recording as the manifest lists it."""

    recording: str  # unique id, also the file stem
    subject: str
    night: int
    file: str  # "<recording>.npz", relative to the cache folder
    n_epochs: int
    counts: dict[str, int]  # W, N1, N2, N3, REM, UNS
    channels: list[str]
    roles: list[str]
    native_sfreq: list[float]
    settings: str  # fingerprint of the settings that produced the file
    psg: str = ""  # source files, for provenance
    hypnogram: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class CachedRecording:
    """Arrays of one prepared recording (see the module docstring for shapes)."""

    features: npt.NDArray[np.float32]
    signals: npt.NDArray[np.float32]
    labels: npt.NDArray[np.int8]
    onsets: npt.NDArray[np.float64]


def stage_counts(labels: npt.NDArray[np.int8]) -> dict[str, int]:
    """Epochs per stage name, unscored as ``UNS``."""
    names = stage_names(labels)
    return {name: names.count(name) for name in (*STAGE_NAMES, UNSCORED_NAME)}


def write_cached(folder: Path, recording: str, data: CachedRecording) -> Path:
    """Write one recording's arrays atomically as ``folder/<recording>.npz``."""
    target = Path(folder) / f"{recording}.npz"
    with atomic_path(target) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **{name: getattr(data, name) for name in _ARRAYS})
    return target


def read_cached(path: Path) -> CachedRecording:
    """Read a file written by :func:`write_cached`.

    Raises
    ------
    FileFormatError
        If the file is missing, damaged or lacks an array.
    """
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            return CachedRecording(**{name: data[name] for name in _ARRAYS})
    except (OSError, ValueError, KeyError, EOFError) as error:
        raise FileFormatError(
            path, f"not a prepared recording ({error})", "delete it and run 'prepare' again"
        ) from error


def save_manifest(folder: Path, entries: list[CacheEntry], info: dict[str, Any]) -> Path:
    """Write ``manifest.json`` atomically (entries sorted by recording id)."""
    payload = {
        "format_version": FORMAT_VERSION,
        **info,
        "recordings": [asdict(e) for e in sorted(entries, key=lambda e: e.recording)],
    }
    target = Path(folder) / MANIFEST_NAME
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(payload, indent=1))
    return target


def load_manifest(folder: Path) -> tuple[list[CacheEntry], dict[str, Any]]:
    """Read a cache folder's manifest.

    Returns
    -------
    entries : list of CacheEntry
    info : dict
        Everything else the manifest holds (settings, feature config, ...).

    Raises
    ------
    FileFormatError
        If the folder has no readable manifest.
    """
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        raise FileFormatError(
            folder, "no manifest.json: not a prepared dataset", "run 'seqsleepnet prepare' first"
        )
    try:
        payload = json.loads(path.read_text())
        entries = [CacheEntry(**row) for row in payload.pop("recordings")]
    except (ValueError, KeyError, TypeError) as error:
        raise FileFormatError(path, f"damaged manifest ({error})", "run 'prepare' again") from error
    return entries, payload


def manifest_preprocessing(folder: Path, info: dict[str, Any]) -> Preprocessing:
    """The preprocessing a cache was prepared with, from its manifest.

    Version-2 manifests store it under ``"preprocessing"``. Version-1
    manifests stored the same values as ``roles``, ``features`` and
    ``conditioning`` at the top level; they are read from there (a faithful
    migration: ``prepare`` wrote what it used).

    Parameters
    ----------
    folder : Path
        Cache folder (for messages).
    info : dict
        The manifest's settings, as :func:`load_manifest` returns them.

    Raises
    ------
    FileFormatError
        If the manifest does not say how its recordings were prepared, or the
        stored settings are incomplete or invalid.
    """
    path = Path(folder) / MANIFEST_NAME
    if "preprocessing" in info:
        values = info["preprocessing"]
    elif info.get("format_version") == 1 and all(
        key in info for key in ("roles", "features", "conditioning")
    ):
        values = {key: info[key] for key in ("roles", "features", "conditioning")}
    else:
        raise FileFormatError(
            path,
            "the manifest does not record the preprocessing its recordings were prepared with",
            "prepare the dataset again with 'seqsleepnet prepare'",
        )
    try:
        return Preprocessing.from_dict(values, where="preprocessing")
    except ConfigError as error:
        raise FileFormatError(
            path, f"stored preprocessing is not usable ({error})", "prepare the dataset again"
        ) from None


def check_settings(data: Path, entries: list[CacheEntry], info: dict[str, Any]) -> None:
    """Refuse recordings prepared with other settings than the manifest's.

    Parameters
    ----------
    data : Path
        Cache folder (for the message).
    entries : list of CacheEntry
        The recordings about to be used (training, validation or test).
    info : dict
        The manifest's settings, as :func:`load_manifest` returns them.

    Raises
    ------
    ConfigError
        If an entry's settings fingerprint is not the manifest's.
    """
    current = info.get("settings")
    stale = sorted(e.recording for e in entries if e.settings != current)
    if stale:
        raise ConfigError(
            f"{data}: {len(stale)} recording(s) were prepared with other settings than the "
            f"manifest's (e.g. {stale[:3]}); run 'seqsleepnet prepare' again over the dataset "
            "so that every recording has the same preprocessing"
        )
