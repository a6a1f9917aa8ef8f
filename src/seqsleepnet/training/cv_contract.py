"""What every fold of one cross-validation must share: the data and the training settings.

Pooling folds is only sound when they were trained and tested on the same
data with the same settings. The *contract* of a fold is a JSON-ready dict:

- ``data``: the cache by content, not by path (caches move): the settings
  fingerprint and preprocessing of its manifest, and the epochs of every
  recording (``{recording: n_epochs}``);
- ``training``: the settings of :class:`~seqsleepnet.training.config.TrainConfig`
  that change results (:data:`TRAINING_KEYS`); not the device, threads or
  evaluation batch size, nor the subjects (the folds set them).

``seqsleepnet cv`` records the contract in ``CV/folds.json`` (under
:data:`CONTRACT_KEY`) and in each fold's ``predictions.npz``; a fold run with
another contract is refused, and so are folders whose finished folds disagree.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from seqsleepnet.data.cache import CacheEntry
from seqsleepnet.training.config import RUN_ENVIRONMENT, SUBJECT_SETTINGS, TrainConfig

__all__ = [
    "CONTRACT_KEY",
    "TRAINING_KEYS",
    "contract_differences",
    "data_identity",
    "fold_contract",
    "read_run_training",
    "training_identity",
]

CONTRACT_KEY = "shared"
TRAINING_KEYS = tuple(
    f.name
    for f in dataclasses.fields(TrainConfig)
    if f.name not in RUN_ENVIRONMENT | SUBJECT_SETTINGS | {"data"}
)
"""Training settings that change a fold's results (``lr`` with its default resolved): every
field of :class:`TrainConfig` but the run environment, the subjects and the cache (whose
identity the contract holds apart)."""


def _plain(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists, keys strings)."""
    return json.loads(json.dumps(value))


def data_identity(entries: list[CacheEntry], info: dict[str, Any]) -> dict[str, Any]:
    """The content of a cache that results depend on (see the module docstring)."""
    return _plain(
        {
            "settings": info.get("settings"),
            "preprocessing": info.get("preprocessing"),
            "recordings": {e.recording: e.n_epochs for e in entries},
        }
    )


def training_identity(config: TrainConfig | dict[str, Any]) -> dict[str, Any]:
    """The :data:`TRAINING_KEYS` of a config (or of a ``config.json``, keys it has)."""
    values = config.to_dict() if isinstance(config, TrainConfig) else dict(config)
    if isinstance(config, TrainConfig):
        values["lr"] = config.learning_rate
    return _plain({key: values[key] for key in TRAINING_KEYS if key in values})


def fold_contract(
    config: TrainConfig, entries: list[CacheEntry], info: dict[str, Any]
) -> dict[str, Any]:
    """``{"data": ..., "training": ...}`` of a fold trained with ``config`` on that cache."""
    return {"data": data_identity(entries, info), "training": training_identity(config)}


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def contract_differences(
    saved: dict[str, Any], current: dict[str, Any], *, names: tuple[str, str] = ("saved", "now")
) -> list[str]:
    """Describe where two contracts differ, one string per differing setting.

    Only the sections and training keys present in both are compared (a
    ``config.json`` written before a setting existed does not name it).

    Parameters
    ----------
    saved, current : dict
        Contracts, e.g. of ``folds.json`` and of the fold about to run.
    names : (str, str)
        How the two are called in the descriptions.
    """
    found = []
    for section in ("data", "training"):
        mine, theirs = saved.get(section), current.get(section)
        if mine is None or theirs is None:
            continue
        keys = (
            sorted(set(mine) & set(theirs))
            if section == "training"
            else sorted(set(mine) | set(theirs))
        )
        for key in keys:
            a, b = mine.get(key), theirs.get(key)
            if a == b:
                continue
            if key == "recordings" and isinstance(a, dict) and isinstance(b, dict):
                odd = sorted(set(a) ^ set(b)) or sorted(r for r in a if a[r] != b[r])
                found.append(
                    f"data.recordings: {len(a)} recordings ({sum(a.values())} epochs) "
                    f"{names[0]} vs {len(b)} ({sum(b.values())} epochs) {names[1]}, "
                    f"differing e.g. {odd[:3]}"
                )
            else:
                for path, x, y in _leaves(f"{section}.{key}", a, b):
                    found.append(f"{path}: {_short(x)} {names[0]} vs {_short(y)} {names[1]}")
    return found


def _leaves(path: str, a: Any, b: Any) -> list[tuple[str, Any, Any]]:
    """The innermost differing entries of two (nested) values, with their dotted paths."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            leaf
            for key in sorted(set(a) | set(b))
            if a.get(key) != b.get(key)
            for leaf in _leaves(f"{path}.{key}", a.get(key), b.get(key))
        ]
    return [(path, a, b)]


def read_run_training(run: Path) -> dict[str, Any] | None:
    """The training identity of a fold's ``run/config.json``; None if absent or unreadable."""
    path = Path(run) / "config.json"
    try:
        values = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return training_identity(values) if isinstance(values, dict) else None
