"""Training progress: a bar with loss and accuracy (else plain lines), and TensorBoard.

On a terminal (stderr is a TTY) a rich bar counts the steps; in a log file or a
pipe each validation is one line on stderr instead::

    train: step 300/9590 loss 0.512 acc 0.812 | val acc 0.790 kappa 0.721 best step 300 (41 s)
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import torch
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from seqsleepnet.stages import UNSCORED

__all__ = ["ProgressReporter"]

logger = logging.getLogger(__name__)


class ProgressReporter:
    """Running training loss/accuracy between validations, shown and logged.

    Parameters
    ----------
    run : Path
        Run folder (TensorBoard events go to ``run/tensorboard``).
    total : int
        Steps of the whole run.
    enabled : bool
        Show progress on stderr: a bar on a terminal, else a line per validation.
    tensorboard : bool
        Also write scalars with TensorBoard when it is installed.
    start : int
        Steps already done (a resumed run).
    """

    def __init__(
        self, run: Path, total: int, *, enabled: bool, tensorboard: bool, start: int = 0
    ) -> None:
        # sums kept where the step ran (no device synchronisation per step): loss, right, scored
        self._sums: torch.Tensor | None = None
        self._batches = 0
        self._total = total
        self._lines = enabled and not sys.stderr.isatty()
        self._started = time.monotonic()
        self._progress: Progress | None = None
        self._writer: Any = None
        if enabled and not self._lines:
            self._progress = Progress(
                TextColumn("train"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} {task.fields[status]}"),
                TimeRemainingColumn(),
                transient=False,
            )
            self._task = self._progress.add_task("train", total=total, completed=start, status="")
            self._progress.start()
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                logger.debug("tensorboard not installed; scalars only in log.jsonl")
            else:
                self._writer = SummaryWriter(str(Path(run) / "tensorboard"))

    def batch(self, loss: torch.Tensor, log_probs: torch.Tensor, targets: torch.Tensor) -> None:
        """Add one step's data loss () and predictions (B, L, ..., K) vs targets (B, L, ...)."""
        scored = targets != UNSCORED
        right = (log_probs.argmax(-1) == targets) & scored
        step = torch.stack([loss.double(), right.sum().double(), scored.sum().double()])  # (3,)
        self._sums = step if self._sums is None else self._sums + step
        self._batches += 1
        if self._progress is not None:
            mean_loss, accuracy = self._means()
            status = f"loss {mean_loss:.3f} acc {accuracy:.3f}"
            self._progress.update(self._task, advance=1, status=status)

    def _means(self) -> tuple[float, float]:
        """Mean loss per batch and accuracy since the last flush."""
        if self._sums is None:
            return 0.0, 0.0
        loss, right, scored = self._sums.tolist()
        return loss / max(self._batches, 1), right / scored if scored else 0.0

    def flush(self) -> dict[str, float]:
        """Mean training loss and accuracy since the last flush; resets the counters."""
        mean_loss, accuracy = self._means()
        self._sums, self._batches = None, 0
        return {"train_loss": mean_loss, "train_accuracy": accuracy}

    def log(self, record: dict[str, Any]) -> None:
        """Send a validation record to TensorBoard, the log and (without a terminal) stderr."""
        logger.info("step %s: %s", record.get("step"), record)
        if self._lines:
            sys.stderr.write(_plain_line(record, self._total, time.monotonic() - self._started))
            sys.stderr.flush()
        if self._writer is not None:
            for key, value in record.items():
                if key != "step" and isinstance(value, int | float):
                    self._writer.add_scalar(key, value, record["step"])

    def close(self) -> None:
        """Stop the bar and close TensorBoard."""
        if self._progress is not None:
            self._progress.stop()
        if self._writer is not None:
            self._writer.close()


def _plain_line(record: dict[str, Any], total: int, seconds: float) -> str:
    parts = [f"train: step {record.get('step')}/{total}"]
    if "train_loss" in record:
        parts.append(f"loss {record['train_loss']:.3f} acc {record['train_accuracy']:.3f}")
    if "val_accuracy" in record:
        parts.append(
            f"| val acc {record['val_accuracy']:.3f} kappa {record['val_kappa']:.3f}"
            f" best step {record.get('best_step')}"
        )
    return " ".join(parts) + f" ({seconds:.0f} s)\n"
