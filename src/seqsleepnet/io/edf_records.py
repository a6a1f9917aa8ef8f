"""Start times of the data records of a discontinuous EDF+ or BDF+ file (EDF+D, BDF+D).

In EDF+D (and BDF+D) the records need not follow each other: the first time-stamped
annotation list (TAL) of each record's annotation signal gives the record's
onset in seconds from the file's start time (EDF+ specification, section
2.2.4). :func:`read_record_onsets` reads those onsets and
:func:`gaps_between` turns them into the gaps of the recording, so that
samples can be placed at their true times.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import FileFormatError

__all__ = ["gaps_between", "read_record_onsets", "record_onsets"]

_ONSET = re.compile(rb"\A([+-]\d+(?:\.\d+)?)\x14")
_TOLERANCE = 1e-6  # seconds


def read_record_onsets(
    path: Path,
    *,
    header_bytes: int,
    record_bytes: int,
    annotation_offset: int,
    n_records: int,
    kind: str = "EDF+D",
) -> npt.NDArray[np.float64]:
    """Onset (s) of every data record, from the first TAL of its annotation signal.

    Parameters
    ----------
    path : Path
        The EDF+D or BDF+D file (its header already validated).
    header_bytes, record_bytes : int
        Sizes of the header and of one data record.
    annotation_offset : int
        Byte offset of the annotation signal within a record.
    n_records : int
        Number of records.
    kind : str
        ``"EDF+D"`` or ``"BDF+D"``, for messages.

    Raises
    ------
    FileFormatError
        If a record's annotation signal does not start with its onset.
    """
    onsets = np.empty(n_records, dtype=np.float64)
    with open(path, "rb") as handle:
        for k in range(n_records):
            handle.seek(header_bytes + k * record_bytes + annotation_offset)
            match = _ONSET.match(handle.read(32))
            if match is None:
                raise FileFormatError(
                    path,
                    f"{kind} record {k} does not start with its onset (time-stamped annotation "
                    "list)",
                    "the file is damaged; re-export it from the recording software",
                )
            onsets[k] = float(match.group(1))
    return onsets


def gaps_between(
    path: Path, onsets: npt.NDArray[np.float64], record_duration: float, *, kind: str = "EDF+D"
) -> tuple[tuple[float, float], ...]:
    """The gaps ``(start, end)`` in seconds before records that do not follow the previous one.

    A first record that starts after the file's start time leaves a gap from 0.

    Raises
    ------
    FileFormatError
        If records are out of order or overlap.
    """
    ends = onsets + record_duration
    overlap = np.flatnonzero(onsets[1:] < ends[:-1] - _TOLERANCE)
    if overlap.size:
        k = int(overlap[0]) + 1
        raise FileFormatError(
            path,
            f"{kind} record {k} starts at {onsets[k]:g} s, before record {k - 1} ends "
            f"({ends[k - 1]:g} s): records are out of order or overlap",
            "the file is damaged; re-export it from the recording software",
        )
    if onsets.size and onsets[0] < -_TOLERANCE:
        raise FileFormatError(
            path,
            f"{kind} record 0 starts at {onsets[0]:g} s, before the file's start time",
            "the file is damaged; re-export it from the recording software",
        )
    previous_end = np.concatenate(([0.0], ends[:-1]))  # a late first record is a gap too
    starts = np.flatnonzero(onsets > previous_end + _TOLERANCE)
    return tuple((float(previous_end[k]), float(onsets[k])) for k in starts)


def record_onsets(
    n_records: int, record_duration: float, gaps: tuple[tuple[float, float], ...]
) -> npt.NDArray[np.float64]:
    """Onset (s) of each record, from the gaps :func:`gaps_between` found (inverse of it)."""
    lengths = np.array([end - start for start, end in gaps], dtype=np.float64)
    # where each gap falls on the gapless time line of the records
    at = np.array([start for start, _ in gaps], dtype=np.float64) - np.concatenate(
        ([0.0], np.cumsum(lengths)[:-1])
    )
    onsets = np.arange(n_records, dtype=np.float64) * record_duration
    passed = np.searchsorted(at, onsets + _TOLERANCE, side="right")  # gaps before each record
    return onsets + np.concatenate(([0.0], np.cumsum(lengths)))[passed]
