"""Checks that a run resumed from ``last.pt`` is the run it claims to be.

``last.pt``'s ``resume`` state records, besides the step and the optimiser
(see :mod:`seqsleepnet.training.state`):

- ``run_id``: the id also written in ``config.json`` by the run that saved
  the state, so that a state left by an older run in the same folder is
  never resumed under a newer run's config;
- ``config``: the training config the state was computed with;
- ``recordings``: the training and validation recordings, each as
  ``[recording, n_epochs, settings, counts]`` from the cache's manifest.

The recordings are fingerprinted from the manifest, not from the files'
size and modification time: a cache copied to another machine (folds of a
cross-validation spread over machines; a study restored in a fresh
checkout) gets new modification times but is the same data, and hashing
the arrays would read the whole cache at every resume. The manifest entry
changes when a recording is added, removed, prepared again with other
settings (``settings``), cut to another length (``n_epochs``) or rescored
(``counts``).

States written before these fields existed resume as before: what they
lack is not compared (``config.json`` stands in for ``config``).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from seqsleepnet.data.cache import CacheEntry
from seqsleepnet.errors import CheckpointError, ConfigError
from seqsleepnet.training.config import CONFIG_NAME, TrainConfig, read_run_id
from seqsleepnet.training.state import LAST_NAME

__all__ = ["check_resume", "new_run_id", "recordings_fingerprint", "run_identity"]


def new_run_id() -> str:
    """A fresh id for a new run (random hex)."""
    return uuid.uuid4().hex


def recordings_fingerprint(
    train_entries: list[CacheEntry], val_entries: list[CacheEntry]
) -> dict[str, list[list[Any]]]:
    """``{"train": [...], "val": [...]}``: each recording as its manifest fingerprint, in order."""

    def rows(entries: list[CacheEntry]) -> list[list[Any]]:
        return [[e.recording, e.n_epochs, e.settings, dict(e.counts)] for e in entries]

    return {"train": rows(train_entries), "val": rows(val_entries)}


def run_identity(
    run_id: str,
    config: TrainConfig,
    train_entries: list[CacheEntry],
    val_entries: list[CacheEntry],
) -> dict[str, Any]:
    """The fields :func:`check_resume` reads, to add to the ``resume`` state."""
    return {
        "run_id": run_id,
        "config": config.to_dict(),
        "recordings": recordings_fingerprint(train_entries, val_entries),
    }


def check_resume(
    run: Path,
    config: TrainConfig,
    state: dict[str, Any],
    train_entries: list[CacheEntry],
    val_entries: list[CacheEntry],
) -> str | None:
    """Refuse to resume ``state`` (from ``run/last.pt``) under ``config`` on these recordings.

    Returns
    -------
    str or None
        The run id to keep writing (None for a state from before run ids).

    Raises
    ------
    CheckpointError
        ``last.pt`` belongs to another run than ``config.json``.
    ConfigError
        A setting that changes the training differs from the run's (all such
        settings are named with both values), or the training or validation
        recordings differ from those the run was trained on.
    """
    run = Path(run)
    last = run / LAST_NAME
    run_id = state.get("run_id")
    folder_id = read_run_id(run)
    if folder_id is not None and folder_id != run_id:
        raise CheckpointError(
            f"{last} belongs to another run than {run / CONFIG_NAME} (run {run_id or 'unnamed'} "
            f"vs {folder_id}), e.g. a run started over with --overwrite before saving; "
            "train again from the start (--overwrite) instead of resuming"
        )
    if "config" in state:
        saved, source = TrainConfig.from_dict(state["config"]), str(last)
    elif (run / CONFIG_NAME).is_file():
        saved, source = TrainConfig.load(run), str(run / CONFIG_NAME)
    else:
        saved, source = config, ""
    differ = config.training_differences(saved)
    if "recordings" in state:  # the data is compared by content below: a moved cache may resume
        differ.pop("data", None)
    if differ:
        listed = "; ".join(
            f"{k}: {old!r} in the run, {new!r} now" for k, (old, new) in differ.items()
        )
        raise ConfigError(
            f"{run} was trained with other settings ({source}): {listed}. A resumed run must "
            "keep the settings that change the training (only device, threads, "
            "eval_batch_size and max_steps may change); resume with the original settings, "
            "or start a new run in another folder"
        )
    if "recordings" in state:
        _check_recordings(
            run, state["recordings"], recordings_fingerprint(train_entries, val_entries)
        )
    return None if run_id is None else str(run_id)


def _check_recordings(
    run: Path, saved: dict[str, list[list[Any]]], now: dict[str, list[list[Any]]]
) -> None:
    problems = []
    for part in ("train", "val"):
        old = {row[0]: row for row in saved.get(part, [])}
        new = {row[0]: row for row in now[part]}
        added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))
        changed = sorted(r for r in set(old) & set(new) if list(old[r]) != list(new[r]))
        for label, names in (("added", added), ("missing", removed), ("changed", changed)):
            if names:
                problems.append(
                    f"{part} recordings {label}: {names[:5]}{' ...' if len(names) > 5 else ''}"
                )
        if not problems and [r[0] for r in saved.get(part, [])] != [r[0] for r in now[part]]:
            problems.append(f"{part} recordings in another order")
    if problems:
        raise ConfigError(
            f"{run} was trained on other data than the cache holds now ({'; '.join(problems)}); "
            "resume on the cache as it was (e.g. remove the recordings added since), or start "
            "a new run in another folder"
        )
