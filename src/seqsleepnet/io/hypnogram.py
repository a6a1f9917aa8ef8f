"""Read and write hypnogram files of any format, through one registry of formats.

:data:`HYPNOGRAM_FORMATS` names each format with the module of its reader and
writer (None for read-only formats, imported on first use) and the file endings
that select it; adding a format is one module with a reader (and writer) plus
one line here.
:func:`read_hypnogram` returns a :class:`~seqsleepnet.hypnogram.Hypnogram`;
:func:`write_hypnogram` writes one atomically.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from seqsleepnet.errors import ConfigError, FileFormatError, check_option
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.io.paths import not_a_file

if TYPE_CHECKING:
    from seqsleepnet.hypnogram import Hypnogram

__all__ = [
    "HYPNOGRAM_FORMATS",
    "HYPNOGRAM_SUFFIXES",
    "HypnogramFormat",
    "read_hypnogram",
    "write_hypnogram",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HypnogramFormat:
    """One hypnogram file format; its module is imported when it is first read or written.

    Naming the functions instead of holding them keeps this registry light: the
    command line lists the formats in its help without importing pandas or edfio.

    Attributes
    ----------
    module : str
        Module of :mod:`seqsleepnet.io` that holds the reader and the encoder,
        e.g. ``"hypnogram_edf"``.
    reader : str
        Name of the reader ``(path, epoch_length or None) -> Hypnogram``;
        ``epoch_length`` None lets the file (or the 30-s default) decide.
    encoder : str or None
        Name of the encoder of the whole file ``(Hypnogram) -> bytes``; None for
        a format that is only read.
    suffixes : tuple of str
        Lower-case file endings that select the format; empty for a format
        chosen only by name.
    sep : str, optional
        Column separator given to the reader and the encoder (TSV, CSV).
    """

    module: str
    reader: str
    encoder: str | None
    suffixes: tuple[str, ...]
    sep: str | None = None

    def _function(self, name: str) -> Callable[..., Any]:
        function = getattr(importlib.import_module(f"seqsleepnet.io.{self.module}"), name)
        return function if self.sep is None else partial(function, sep=self.sep)

    @property
    def read(self) -> Callable[[Path, float | None], Hypnogram]:
        """The reader (its module is imported on first use)."""
        return cast("Callable[[Path, float | None], Hypnogram]", self._function(self.reader))

    @property
    def write(self) -> Callable[[Hypnogram], bytes] | None:
        """The encoder, or None for a format that is only read."""
        if self.encoder is None:
            return None
        return cast("Callable[[Hypnogram], bytes]", self._function(self.encoder))


HYPNOGRAM_FORMATS: dict[str, HypnogramFormat] = {
    "tsv": HypnogramFormat("hypnogram_formats", "read_table", "encode_table", (".tsv",), "\t"),
    "csv": HypnogramFormat("hypnogram_formats", "read_table", "encode_table", (".csv",), ","),
    "txt": HypnogramFormat("hypnogram_formats", "read_yasa", "encode_yasa", (".txt",)),
    "xml": HypnogramFormat("hypnogram_xml", "read_xml", "encode_nsrr_xml", (".xml",)),
    "edf": HypnogramFormat("hypnogram_edf", "read_edf_hypnogram", "encode_edf", (".edf",)),
    "isruc": HypnogramFormat("hypnogram_isruc", "read_isruc", None, ()),
    "profusion": HypnogramFormat("hypnogram_xml", "read_profusion_xml", None, ()),
}
"""Formats by name. Their order is the order in which a hypnogram is looked for
beside a PSG file of the same name. A ``.xml`` file is NSRR or Compumedics Profusion
XML by its root element (``PSGAnnotation`` or ``CMPStudyConfig``); ``profusion``
names the second only."""

HYPNOGRAM_SUFFIXES: tuple[str, ...] = tuple(
    suffix for spec in HYPNOGRAM_FORMATS.values() for suffix in spec.suffixes
)
"""File endings of hypnogram files, in the order of :data:`HYPNOGRAM_FORMATS`."""

_BY_SUFFIX = {suffix: name for name, spec in HYPNOGRAM_FORMATS.items() for suffix in spec.suffixes}


def _resolve_format(path: Path, format: str | None) -> str:
    if format is not None:
        name = format.strip().lower().lstrip(".")
        return str(check_option("format", name, HYPNOGRAM_FORMATS))
    found = _BY_SUFFIX.get(path.suffix.lower())
    if found is None:
        raise FileFormatError(
            path,
            f"unknown hypnogram extension {path.suffix!r}",
            f"use one of {list(HYPNOGRAM_SUFFIXES)} or pass format=",
        )
    return found


def read_hypnogram(
    path: str | Path, *, format: str | None = None, epoch_length: float | None = None
) -> Hypnogram:
    """Read a hypnogram file of any supported format.

    Parameters
    ----------
    path : str or Path
        Hypnogram file.
    format : str, optional
        A name of :data:`HYPNOGRAM_FORMATS` (``"tsv"``, ``"csv"``, ``"txt"``,
        ``"xml"``, ``"edf"``, ``"isruc"``, ``"profusion"``); by default taken from the
        extension (``.xml``: NSRR or Profusion XML, by the root element).
    epoch_length : float, optional
        Seconds per epoch. By default 30 s; for event formats (EDF+, XML,
        timed CSV/TSV) the file may say otherwise: an NSRR ``EpochLength``
        element, or events that all last the same time d and are one event
        per epoch: d is not a multiple of 30 s (MASS's 20-s epochs) or an
        event repeats the previous one's stage (60-s epochs as the package
        writes them; merged runs never repeat a stage; without a repeat, a
        multiple of 30 s reads as 30-s epochs, with a logged warning). Giving
        a value forces it, except for Profusion XML, whose ``EpochLength`` it
        must match.

    Returns
    -------
    Hypnogram
        Stages (E,) with onset, start time (EDF+ header) and ``source``.

    Raises
    ------
    ConfigError
        Unknown ``format`` name.
    FileFormatError
        Missing, empty, unsafe or unparsable file, or unknown extension.
    UnknownStageError
        Listing every label that is not a sleep stage.
    HypnogramError
        Gaps, overlaps, negative onsets, durations off the epoch grid, or
        more than 7 days of epochs.
    """
    file = Path(path)
    name = _resolve_format(file, format)
    problem = not_a_file(file)
    if problem is not None:
        raise FileFormatError(file, problem, "give the path of a hypnogram file")
    if file.stat().st_size == 0:
        raise FileFormatError(file, "file is empty", "give a file with sleep-stage labels")
    hypnogram = HYPNOGRAM_FORMATS[name].read(file, epoch_length)
    logger.info("read %s: %d epochs of %g s", file, hypnogram.n_epochs, hypnogram.epoch_length)
    return hypnogram


def write_hypnogram(hypnogram: Hypnogram, path: str | Path, *, format: str | None = None) -> Path:
    """Write a hypnogram atomically (a failed write leaves no partial file).

    Parameters
    ----------
    hypnogram : Hypnogram
    path : str or Path
        Target file; its folder must exist.
    format : str, optional
        A writable name of :data:`HYPNOGRAM_FORMATS`; by default from the
        extension. TSV/CSV are per epoch (``onset``, ``duration``, ``stage``
        as W, N1, N2, N3, REM, UNS, and ``clock_time`` when the start time is
        known); EDF+ and XML merge runs of a stage into one event; text writes
        one integer per epoch (-2 for unscored) below ``#`` comments with the
        start time, onset and epoch length. Every format keeps the start time.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ConfigError
        Unknown format name, or a format that is only read.
    FileFormatError
        Unknown extension.
    HypnogramError
        A start year outside 1985-2084 for EDF+ or NSRR XML (two-digit years).
    """
    file = Path(path)
    name = _resolve_format(file, format)
    encode = HYPNOGRAM_FORMATS[name].write
    if encode is None:
        writable = [n for n, spec in HYPNOGRAM_FORMATS.items() if spec.encoder is not None]
        raise ConfigError(f"format {name!r} can be read but not written; write one of {writable}")
    data = encode(hypnogram)
    with atomic_write(file, "wb") as handle:
        handle.write(data)
    return file
