"""What a training run keeps on disk besides its config: checkpoints and the log.

``RUN/best.pt`` and ``RUN/last.pt`` are model checkpoints
(:func:`seqsleepnet.models.save_checkpoint`) whose ``extra`` carries what
staging needs on its own:

- ``normalizer``: ``Normalizer.to_dict()`` (None for raw-signal models);
- ``feature_config``: the cache's feature settings;
- ``stage_names``: ``["W", "N1", "N2", "N3", "REM"]`` (output order);
- ``input_kind``, ``channels`` (names), ``roles``, ``seq_len``;
- ``training``: the training config, step, validation metrics, subjects.

``last.pt`` adds ``resume``: step, epoch, position in the epoch, best
validation result so far, the optimiser (and fp16 gradient scaler) state and
the run's identity: run id, training config and recordings (see
:mod:`seqsleepnet.training.resume`, which checks them on resume).
``RUN/log.jsonl`` has one JSON object per validation.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch

from seqsleepnet.errors import FileFormatError
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.training.config import CONFIG_NAME

__all__ = [
    "BEST_NAME",
    "LAST_NAME",
    "LOG_NAME",
    "append_log",
    "clear_run",
    "decode_optimizer",
    "encode_optimizer",
    "read_log",
    "refuse_existing_run",
    "truncate_log",
]

BEST_NAME = "best.pt"
LAST_NAME = "last.pt"
LOG_NAME = "log.jsonl"


def refuse_existing_run(run: Path) -> None:
    """Raise :class:`~seqsleepnet.errors.FileFormatError` if ``run`` holds a training run.

    A run is its ``config.json``, ``best.pt``, ``last.pt`` or ``log.jsonl``.
    """
    present = [n for n in (CONFIG_NAME, BEST_NAME, LAST_NAME, LOG_NAME) if (run / n).exists()]
    if present:
        raise FileFormatError(
            run,
            f"already holds a training run ({', '.join(present)})",
            f"continue it with --resume {run}, start over with --overwrite, "
            "or choose another --out",
        )


def clear_run(run: Path) -> None:
    """Remove a run's checkpoints, log and TensorBoard events (before a new run starts there).

    Its ``config.json`` is replaced by the new run's right after.
    """
    for name in (BEST_NAME, LAST_NAME, LOG_NAME):
        (Path(run) / name).unlink(missing_ok=True)
    shutil.rmtree(Path(run) / "tensorboard", ignore_errors=True)


def encode_optimizer(state: dict[str, Any]) -> dict[str, Any]:
    """An optimiser ``state_dict`` with string keys (checkpoints allow no int keys)."""
    return {
        "state": {str(k): v for k, v in state["state"].items()},
        "param_groups": state["param_groups"],
    }


def decode_optimizer(state: dict[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`encode_optimizer` (NumPy arrays back to tensors)."""

    def tensor(value: Any) -> Any:
        return torch.as_tensor(value) if hasattr(value, "__array__") else value

    return {
        "state": {
            int(k): {name: tensor(v) for name, v in entry.items()}
            for k, entry in state["state"].items()
        },
        "param_groups": [dict(g) for g in state["param_groups"]],
    }


def append_log(run: Path, record: dict[str, Any]) -> None:
    """Append one JSON line to ``RUN/log.jsonl``."""
    with open(Path(run) / LOG_NAME, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def read_log(run: Path) -> list[dict[str, Any]]:
    """All records of ``RUN/log.jsonl`` (empty if there is none)."""
    path = Path(run) / LOG_NAME
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def truncate_log(run: Path, step: int) -> None:
    """Drop log records after ``step`` (written after the checkpoint a run resumes from)."""
    kept = [r for r in read_log(run) if int(r.get("step", 0)) <= step]
    with atomic_write(Path(run) / LOG_NAME) as handle:
        handle.writelines(json.dumps(r) + "\n" for r in kept)
