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
    "check_template",
    "check_type",
    "shorten",
]

MAX_MESSAGE_CHARS = 400
"""Longest message printed in full; longer ones keep their start and end (:func:`shorten`)."""


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
        self._parts = (str(path), problem, fix)

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[type[FileFormatError], tuple[str, str, str]]:
        # rebuilt from its parts, so that it crosses from a worker process intact
        return type(self), self._parts


class ChannelError(SeqSleepNetError, ValueError):
    """A requested channel is absent, duplicated or unusable."""


class SignalError(SeqSleepNetError, ValueError):
    """Signal content cannot be staged (NaN, flat, too short, too slow)."""


class HypnogramError(SeqSleepNetError, ValueError):
    """A hypnogram file is malformed (overlaps, gaps, wrong epoch length, ...)."""


_SHOWN_LABELS = 10  # unknown labels listed in a message; the rest are counted


class UnknownStageError(HypnogramError):
    """Stage labels that no known scoring convention defines."""

    def __init__(
        self, labels: Iterable[str], source: str | Path | None = None, *, mixed: bool = False
    ) -> None:
        self.labels = sorted(set(labels))
        self.source = source
        self.mixed = mixed
        where = f"{source}: " if source is not None else ""
        shown = repr(self.labels[:_SHOWN_LABELS])
        if len(self.labels) > _SHOWN_LABELS:
            shown = f"{shown[:-1]}, ... ({len(self.labels) - _SHOWN_LABELS} more)]"
        mixed_note = (
            "; the labels mix stage names with integers, which are then read as R&K stage "
            "numbers 1-4 (4 = N3): write the others as names"
            if mixed
            else ""
        )
        super().__init__(
            f"{where}unknown stage label(s) {shown}; known labels include "
            "W/Wake, N1-N4, S1-S4, R/REM, 'Sleep stage 1'.., 'Stage 2 sleep|2', "
            f"'?'/Unscored and 'Movement time'{mixed_note}"
        )

    def __reduce__(self) -> Any:
        return _rebuild_unknown_stage, (self.labels, self.source, self.mixed)


def _rebuild_unknown_stage(
    labels: list[str], source: str | Path | None, mixed: bool
) -> UnknownStageError:
    """Unpickle an :class:`UnknownStageError` (its keyword argument included)."""
    return UnknownStageError(labels, source, mixed=mixed)


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


def shorten(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``message`` on one line, cut in the middle when longer than ``limit`` characters.

    The start (file and problem) and the end (the fix) are kept; the cut says
    how many characters were left out.

    >>> shorten("a" * 20, limit=16)
    'aaaaaaaaaa ... [6 characters left out] ... aaaa'
    """
    line = " ".join(message.split())
    if len(line) <= limit:
        return line
    head, tail = limit * 5 // 8, limit // 4
    left_out = len(line) - head - tail
    return f"{line[:head]} ... [{left_out} characters left out] ... {line[-tail:]}"


def _type_name(expected: type) -> str:
    return {int: "a whole number", float: "a number", bool: "true or false", str: "text"}.get(
        expected, expected.__name__
    )


def check_type(parameter: str, value: Any, expected: type) -> Any:
    """Return ``value`` as ``expected`` (int, float, bool or str), else raise :class:`ConfigError`.

    Whole numbers are accepted where a float is expected; booleans are never
    taken for numbers, nor numbers for booleans.

    >>> check_type("dropout", 1, float)
    1.0
    """
    ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not ok:
        raise ConfigError(f"{parameter}={value!r} is not allowed; give {_type_name(expected)}")
    return value


def check_template(parameter: str, template: str, fields: Iterable[str]) -> str:
    """Return ``template`` if it is a ``str.format`` pattern that uses only ``{field}`` names.

    Every allowed field must appear; positional (``{}``, ``{0}``), unknown
    or malformed placeholders raise :class:`ConfigError` that lists the allowed ones.

    >>> check_template("--pattern", "{stem}.csv", ["stem"])
    '{stem}.csv'
    """
    import string

    allowed = list(fields)
    shown = ", ".join(f"'{{{name}}}'" for name in allowed)
    try:
        used = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise ConfigError(
            f"{parameter}={template!r} is not a valid pattern ({error}); allowed placeholders: "
            f"{shown}; write a literal brace as {{{{ or }}}}"
        ) from None
    wrong = sorted({name or "{}" for name in used if name not in allowed}, key=str)
    if wrong:
        raise ConfigError(
            f"{parameter}={template!r} uses unknown or positional placeholder(s) {wrong}; "
            f"allowed: {shown}"
        )
    missing = [name for name in allowed if name not in used]
    if missing:
        raise ConfigError(
            f"{parameter} must contain {shown} (and no other placeholder), got {template!r}"
        )
    return template
