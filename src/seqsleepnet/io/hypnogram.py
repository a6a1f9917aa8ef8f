"""Hypnograms: one sleep stage per epoch, read from and written to any format.

A :class:`Hypnogram` holds stage indices (0..4 = W, N1, N2, N3, REM; -1 for
unscored or movement epochs, kept and masked, never dropped), the epoch
length, and where its first epoch lies in the recording. Files are read with
:func:`read_hypnogram` (Sleep-EDF/MASS EDF+, CSV/TSV, NSRR XML, YASA text),
written atomically with :func:`write_hypnogram`, paired with a recording by
:func:`align_hypnogram` and cut to the in-bed period by :func:`trim_to_bed`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from seqsleepnet.errors import AlignmentError, ConfigError, FileFormatError, HypnogramError
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.io.hypnogram_edf import encode_edf, read_edf_hypnogram
from seqsleepnet.io.hypnogram_formats import (
    TOLERANCE,
    ParsedHypnogram,
    check_epoch_length,
    encode_table,
    encode_yasa,
    read_table,
    read_yasa,
)
from seqsleepnet.io.hypnogram_xml import encode_nsrr_xml, read_nsrr_xml
from seqsleepnet.stages import EPOCH_SECONDS, STAGE_NAMES, UNSCORED, UNSCORED_NAME, stage_names

__all__ = [
    "HYPNOGRAM_FORMATS",
    "Hypnogram",
    "align_hypnogram",
    "read_hypnogram",
    "trim_to_bed",
    "write_hypnogram",
]

logger = logging.getLogger(__name__)

HYPNOGRAM_FORMATS: tuple[str, ...] = ("edf", "tsv", "csv", "xml", "txt")
"""Hypnogram formats, named by their file extension."""


@dataclass(frozen=True, eq=False, init=False)
class Hypnogram:
    """Sleep stages of consecutive epochs.

    Parameters
    ----------
    stages : array_like of int, shape (E,)
        Stage per epoch: 0..4 = W, N1, N2, N3, REM; -1 = unscored or movement.
        Stored as a new int8 array.
    epoch_length : float
        Seconds per epoch (30 in AASM and R&K scoring; 1 to 3600 accepted).
    onset : float
        Seconds from the recording start to the start of the first epoch (>= 0).
    start_time : datetime, optional
        Wall clock of the recording start, if the file gives it.
    source : str, optional
        File the hypnogram came from, for messages.

    Raises
    ------
    HypnogramError
        If ``stages`` is not 1-D or holds values other than -1..4.
    ConfigError
        If ``epoch_length`` is outside 1..3600 s or ``onset`` is negative or not finite.
    """

    stages: npt.NDArray[np.int8]
    epoch_length: float
    onset: float
    start_time: datetime | None
    source: str | None

    def __init__(
        self,
        stages: npt.ArrayLike,
        epoch_length: float = EPOCH_SECONDS,
        onset: float = 0.0,
        start_time: datetime | None = None,
        source: str | None = None,
    ) -> None:
        values = np.asarray(stages)
        if values.ndim != 1:
            raise HypnogramError(f"stages must be 1-D (one per epoch), got shape {values.shape}")
        integral = np.issubdtype(values.dtype, np.integer) or (
            np.issubdtype(values.dtype, np.floating) and bool(np.all(values == np.round(values)))
        )
        if values.size and not integral:
            raise HypnogramError(f"stages must be integers -1..4, got {values.dtype} values")
        if values.size and (values.min() < UNSCORED or values.max() > len(STAGE_NAMES) - 1):
            bad = sorted({int(v) for v in values[(values < UNSCORED) | (values > 4)]})
            raise HypnogramError(
                f"stages must be -1 (unscored) or 0..4 (W, N1, N2, N3, REM), got {bad[:10]}"
            )
        start = float(onset)
        if not math.isfinite(start) or start < 0:
            raise ConfigError(f"onset must be seconds >= 0 from the recording start, got {start}")
        object.__setattr__(self, "stages", values.astype(np.int8, copy=True))
        object.__setattr__(self, "epoch_length", check_epoch_length(epoch_length))
        object.__setattr__(self, "onset", start)
        object.__setattr__(self, "start_time", start_time)
        object.__setattr__(self, "source", source)

    @property
    def n_epochs(self) -> int:
        """Number of epochs E."""
        return int(self.stages.size)

    @property
    def onsets(self) -> npt.NDArray[np.float64]:
        """Epoch onsets in seconds from the recording start, shape (E,)."""
        return self.onset + np.arange(self.n_epochs, dtype=np.float64) * self.epoch_length

    @property
    def duration(self) -> float:
        """Seconds covered by the epochs (E x epoch length)."""
        return self.n_epochs * self.epoch_length

    def counts(self) -> dict[str, int]:
        """Epochs per stage: keys ``W, N1, N2, N3, REM`` and ``UNS`` (unscored/movement)."""
        tally = np.bincount(self.stages.astype(np.int64) + 1, minlength=len(STAGE_NAMES) + 1)
        result = {name: int(tally[i + 1]) for i, name in enumerate(STAGE_NAMES)}
        result[UNSCORED_NAME] = int(tally[0])
        return result

    def to_frame(self) -> pd.DataFrame:
        """One row per epoch: ``onset`` (s), ``duration`` (s), ``stage`` (W..REM or UNS)."""
        return pd.DataFrame(
            {
                "onset": self.onsets,
                "duration": np.full(self.n_epochs, self.epoch_length),
                "stage": stage_names(self.stages),
            }
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hypnogram):
            return NotImplemented
        return (
            np.array_equal(self.stages, other.stages)
            and self.epoch_length == other.epoch_length
            and self.onset == other.onset
            and self.start_time == other.start_time
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Hypnogram(n_epochs={self.n_epochs}, epoch_length={self.epoch_length:g}, "
            f"onset={self.onset:g}, start_time={self.start_time}, source={self.source!r})"
        )


_READERS: dict[str, Callable[[Path, float | None], ParsedHypnogram]] = {
    "edf": read_edf_hypnogram,
    "tsv": lambda path, length: read_table(path, "\t", length),
    "csv": lambda path, length: read_table(path, ",", length),
    "xml": read_nsrr_xml,
    "txt": read_yasa,
}
_WRITERS: dict[str, Callable[[Hypnogram], bytes]] = {
    "edf": encode_edf,
    "tsv": lambda hyp: encode_table(hyp, "\t"),
    "csv": lambda hyp: encode_table(hyp, ","),
    "xml": encode_nsrr_xml,
    "txt": encode_yasa,
}


def _resolve_format(path: Path, format: str | None) -> str:
    if format is not None:
        name = format.strip().lower().lstrip(".")
        if name not in HYPNOGRAM_FORMATS:
            raise ConfigError(f"format must be one of {list(HYPNOGRAM_FORMATS)}, got {format!r}")
        return name
    name = path.suffix.lower().lstrip(".")
    if name not in HYPNOGRAM_FORMATS:
        raise FileFormatError(
            path,
            f"unknown hypnogram extension {path.suffix!r}",
            f"use one of {['.' + f for f in HYPNOGRAM_FORMATS]} or pass format=",
        )
    return name


def read_hypnogram(
    path: str | Path, *, format: str | None = None, epoch_length: float | None = None
) -> Hypnogram:
    """Read a hypnogram file of any supported format.

    Parameters
    ----------
    path : str or Path
        Hypnogram file.
    format : {"edf", "tsv", "csv", "xml", "txt"}, optional
        File format; by default taken from the extension.
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
    parsed = _READERS[name](file, epoch_length)
    hypnogram = Hypnogram(
        parsed.stages, parsed.epoch_length, parsed.onset, parsed.start_time, str(file)
    )
    logger.info("read %s: %d epochs of %g s", file, hypnogram.n_epochs, hypnogram.epoch_length)
    return hypnogram


def write_hypnogram(hypnogram: Hypnogram, path: str | Path, *, format: str | None = None) -> Path:
    """Write a hypnogram atomically (a failed write leaves no partial file).

    Parameters
    ----------
    hypnogram : Hypnogram
    path : str or Path
        Target file; its folder must exist.
    format : {"edf", "tsv", "csv", "xml", "txt"}, optional
        By default from the extension. TSV/CSV are per epoch (``onset``,
        ``duration``, ``stage`` as W, N1, N2, N3, REM, UNS); EDF+ and XML
        merge runs of a stage into one event; text writes one integer per
        epoch (-2 for unscored) and keeps neither onset nor epoch length.

    Returns
    -------
    Path
        The written file.
    """
    file = Path(path)
    data = _WRITERS[_resolve_format(file, format)](hypnogram)
    with atomic_write(file, "wb") as handle:
        handle.write(data)
    return file


def _naive_utc(moment: datetime) -> datetime:
    """Aware times as naive UTC, so EDF (naive) and MNE (UTC) times compare."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def align_hypnogram(
    hypnogram: Hypnogram, n_epochs: int, *, recording_start: datetime | None = None
) -> npt.NDArray[np.int8]:
    """One label per 30-s epoch of a recording.

    The recording is cut into ``n_epochs`` whole 30-s epochs from its start
    (a trailing partial epoch is never scored). Rules:

    * the hypnogram's epochs must be 30 s long;
    * its first epoch starts ``onset`` seconds after the recording start,
      plus ``start_time - recording_start`` when both times are known (aware
      times are compared in UTC, naive ones as given); that offset must be
      a non-negative multiple of 30 s;
    * recording epochs the hypnogram does not cover are -1 (unscored);
    * hypnogram epochs past the end of the recording are dropped if
      unscored (Sleep-EDF pads every file to 24 h with "?"); one scored
      epoch past the end is tolerated (a last epoch the recording cut
      short), more raise :class:`AlignmentError`.

    Parameters
    ----------
    hypnogram : Hypnogram
    n_epochs : int
        Whole 30-s epochs in the recording.
    recording_start : datetime, optional
        Wall clock of the recording start.

    Returns
    -------
    numpy.ndarray of int8, shape (n_epochs,)
        Stage per recording epoch, -1 where unscored.

    Raises
    ------
    AlignmentError
        Wrong epoch length, misaligned or negative offset, or more than one
        scored epoch past the end of the recording.
    """
    source = f"{hypnogram.source}: " if hypnogram.source else ""
    if isinstance(n_epochs, bool) or int(n_epochs) != n_epochs or n_epochs < 0:
        raise AlignmentError(f"n_epochs must be a whole number >= 0, got {n_epochs!r}")
    n_epochs = int(n_epochs)
    if abs(hypnogram.epoch_length - EPOCH_SECONDS) > TOLERANCE:
        raise AlignmentError(
            f"{source}hypnogram epochs are {hypnogram.epoch_length:g} s, the model needs "
            f"{EPOCH_SECONDS:g}-s epochs; re-score or resample the hypnogram to 30-s epochs"
        )
    offset = hypnogram.onset
    if recording_start is not None and hypnogram.start_time is not None:
        shift = _naive_utc(hypnogram.start_time) - _naive_utc(recording_start)
        offset += shift.total_seconds()
    first = round(offset / EPOCH_SECONDS)
    if offset < -TOLERANCE or abs(offset - first * EPOCH_SECONDS) > TOLERANCE:
        raise AlignmentError(
            f"{source}hypnogram starts {offset:g} s after the recording start, not a "
            f"non-negative multiple of {EPOCH_SECONDS:g} s; check both start times or "
            "crop the recording to the first scored epoch"
        )
    labels = np.full(n_epochs, UNSCORED, dtype=np.int8)
    inside = max(0, min(hypnogram.n_epochs, n_epochs - first))
    if inside:
        labels[first : first + inside] = hypnogram.stages[:inside]
    beyond = hypnogram.stages[inside:]
    scored_beyond = int(np.count_nonzero(beyond != UNSCORED))
    if scored_beyond > 1:
        raise AlignmentError(
            f"{source}hypnogram scores {scored_beyond} epochs past the end of the recording "
            f"({n_epochs * EPOCH_SECONDS:g} s, {n_epochs} epochs); is it the hypnogram "
            "of this recording?"
        )
    if beyond.size:
        logger.debug("dropped %d hypnogram epochs past the recording end", beyond.size)
    return labels


def trim_to_bed(hypnogram: Hypnogram, margin_minutes: float = 30.0) -> Hypnogram:
    """Keep the epochs from ``margin`` before the first to ``margin`` after the last sleep.

    Sleep is N1, N2, N3 or REM. This is the usual way to cut the day-long
    Sleep-EDF sleep-cassette recordings to the night. Epochs inside the
    window keep their labels (unscored ones included).

    Parameters
    ----------
    hypnogram : Hypnogram
    margin_minutes : float
        Minutes kept on each side of the sleep period (rounded to whole epochs).

    Returns
    -------
    Hypnogram
        The window, with ``onset`` moved to its first epoch.

    Raises
    ------
    HypnogramError
        If the hypnogram has no sleep epoch.
    ConfigError
        If ``margin_minutes`` is negative or not finite.
    """
    if not math.isfinite(margin_minutes) or margin_minutes < 0:
        raise ConfigError(f"margin_minutes must be >= 0, got {margin_minutes!r}")
    sleep = np.flatnonzero(hypnogram.stages > 0)
    if sleep.size == 0:
        where = f"{hypnogram.source}: " if hypnogram.source else ""
        raise HypnogramError(
            f"{where}hypnogram has no sleep epoch (N1, N2, N3 or REM), so there is no "
            "in-bed period to keep"
        )
    margin = round(margin_minutes * 60.0 / hypnogram.epoch_length)
    start = max(0, int(sleep[0]) - margin)
    stop = min(hypnogram.n_epochs, int(sleep[-1]) + margin + 1)
    return Hypnogram(
        hypnogram.stages[start:stop],
        hypnogram.epoch_length,
        hypnogram.onset + start * hypnogram.epoch_length,
        hypnogram.start_time,
        hypnogram.source,
    )
