"""Package exceptions.

Every problem with user input raises a subclass of :class:`SeqSleepNetError`
whose message names the file or parameter, what is wrong and what to do.
The command line prints such messages as one ``error: ...`` line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "AlignmentError",
    "ChannelError",
    "CheckpointError",
    "ConfigError",
    "FileFormatError",
    "HypnogramError",
    "SeqSleepNetError",
    "SignalError",
    "UnknownStageError",
]


class SeqSleepNetError(Exception):
    """Base class of every error caused by user input or files."""


class FileFormatError(SeqSleepNetError):
    """A file is missing, unreadable, or not in the format it claims."""

    def __init__(self, path: str | Path, problem: str, fix: str = "") -> None:
        self.path = Path(path)
        message = f"{path}: {problem}"
        if fix:
            message += f"; {fix}"
        super().__init__(message)


class ChannelError(SeqSleepNetError):
    """A requested channel is absent, duplicated or unusable."""


class SignalError(SeqSleepNetError):
    """Signal content cannot be staged (NaN, flat, too short, too slow)."""


class HypnogramError(SeqSleepNetError):
    """A hypnogram file is malformed (overlaps, gaps, wrong epoch length, ...)."""


class UnknownStageError(HypnogramError):
    """Stage labels that no known scoring convention defines."""

    def __init__(self, labels: Iterable[str], source: str | Path | None = None) -> None:
        self.labels = sorted(set(labels))
        where = f"{source}: " if source is not None else ""
        super().__init__(
            f"{where}unknown stage label(s) {self.labels}; known labels include "
            "W/Wake, N1-N4, S1-S4, R/REM, 'Sleep stage 1'.., 'Stage 2 sleep|2', "
            "'?'/Unscored and 'Movement time'"
        )


class AlignmentError(SeqSleepNetError):
    """A hypnogram cannot be reconciled with its recording."""


class CheckpointError(SeqSleepNetError):
    """A checkpoint is corrupt, from another model, or unsafe to load."""


class ConfigError(SeqSleepNetError):
    """A configuration value is outside what is allowed."""
