"""Package exceptions and the one validator of choices.

Every problem with user input raises a subclass of :class:`SeqSleepNetError`
whose message names the file or parameter, what is wrong and what to do.
The command line prints such messages as one ``error: ...`` line. Each
subclass also derives from the built-in exception a caller would catch
(:class:`ValueError` for bad values and content, :class:`OSError` for files
that cannot be read), so ``except ValueError`` works as it would with NumPy
or MNE.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
    "check_option",
]


class SeqSleepNetError(Exception):
    """Base class of every error caused by user input or files."""


class FileFormatError(SeqSleepNetError, OSError):
    """A file is missing, unreadable, or not in the format it claims."""

    def __init__(self, path: str | Path, problem: str, fix: str = "") -> None:
        message = f"{path}: {problem}"
        if fix:
            message += f"; {fix}"
        super().__init__(message)
        self.path = Path(path)
        self.filename = str(path)

    def __str__(self) -> str:
        return str(self.args[0])


class ChannelError(SeqSleepNetError, ValueError):
    """A requested channel is absent, duplicated or unusable."""


class SignalError(SeqSleepNetError, ValueError):
    """Signal content cannot be staged (NaN, flat, too short, too slow)."""


class HypnogramError(SeqSleepNetError, ValueError):
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


class AlignmentError(SeqSleepNetError, ValueError):
    """A hypnogram cannot be reconciled with its recording."""


class CheckpointError(SeqSleepNetError, ValueError):
    """A checkpoint is corrupt, from another model, or unsafe to load."""


class ConfigError(SeqSleepNetError, ValueError):
    """A configuration value is outside what is allowed."""


def check_option(parameter: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise :class:`ConfigError`.

    The message names the parameter, what was given and every allowed value,
    the same for every choice the package validates (as MNE's ``_check_option``).

    >>> check_option("backend", "torch", ("torch", "onnxruntime"))
    'torch'
    """
    options = list(allowed)
    try:
        found = value in options
    except (TypeError, ValueError):  # values that cannot be compared are not allowed
        found = False
    if not found:
        raise ConfigError(
            f"{parameter}={value!r} is not allowed; choose one of {', '.join(map(repr, options))}"
        )
    return value
