"""Read and write hypnogram files of any format, through one registry of formats.

:data:`HYPNOGRAM_FORMATS` names each format with its reader, its writer (None
for read-only formats) and the file endings that select it; adding a format
is one module with a reader (and writer) plus one line here.
:func:`read_hypnogram` returns a :class:`~seqsleepnet.hypnogram.Hypnogram`;
:func:`write_hypnogram` writes one atomically.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from seqsleepnet.errors import ConfigError, FileFormatError, check_option
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.io.hypnogram_edf import encode_edf, read_edf_hypnogram
from seqsleepnet.io.hypnogram_formats import encode_table, encode_yasa, read_table, read_yasa
from seqsleepnet.io.hypnogram_isruc import read_isruc
from seqsleepnet.io.hypnogram_xml import encode_nsrr_xml, read_nsrr_xml

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
    """One hypnogram file format.

    Attributes
    ----------
    read : callable (path, epoch_length or None) -> Hypnogram
        Reader; ``epoch_length`` None lets the file (or the 30-s default) decide.
    write : callable (Hypnogram) -> bytes, or None
        Encoder of the whole file; None for a format that is only read.
    suffixes : tuple of str
        Lower-case file endings that select the format; empty for a format
        chosen only by name.
    """

    read: Callable[[Path, float | None], Hypnogram]
    write: Callable[[Hypnogram], bytes] | None
    suffixes: tuple[str, ...]


HYPNOGRAM_FORMATS: dict[str, HypnogramFormat] = {
    "tsv": HypnogramFormat(
        partial(read_table, sep="\t"), partial(encode_table, sep="\t"), (".tsv",)
    ),
    "csv": HypnogramFormat(partial(read_table, sep=","), partial(encode_table, sep=","), (".csv",)),
    "txt": HypnogramFormat(read_yasa, encode_yasa, (".txt",)),
    "xml": HypnogramFormat(read_nsrr_xml, encode_nsrr_xml, (".xml",)),
    "edf": HypnogramFormat(read_edf_hypnogram, encode_edf, (".edf",)),
    "isruc": HypnogramFormat(read_isruc, None, ()),
}
"""Formats by name. Their order is the order in which a hypnogram is looked for
beside a PSG file of the same name."""

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
        ``"xml"``, ``"edf"``, ``"isruc"``); by default taken from the extension.
    epoch_length : float, optional
        Seconds per epoch. By default 30 s; for event formats (EDF+, XML,
        timed CSV/TSV) the file may say otherwise: an NSRR ``EpochLength``
        element, or events that all last the same time that is not a
        multiple of 30 s (MASS's 20-s epochs). Giving a value forces it.

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
    if not file.exists():
        raise FileFormatError(file, "file not found", "check the path")
    if not file.is_file():
        raise FileFormatError(file, "is not a file", "give the path of a hypnogram file")
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
        as W, N1, N2, N3, REM, UNS); EDF+ and XML merge runs of a stage into
        one event; text writes one integer per epoch (-2 for unscored) and
        keeps neither onset nor epoch length.

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
    """
    file = Path(path)
    name = _resolve_format(file, format)
    encode = HYPNOGRAM_FORMATS[name].write
    if encode is None:
        writable = [n for n, spec in HYPNOGRAM_FORMATS.items() if spec.write is not None]
        raise ConfigError(f"format {name!r} can be read but not written; write one of {writable}")
    data = encode(hypnogram)
    with atomic_write(file, "wb") as handle:
        handle.write(data)
    return file
