"""Hypnogram file formats: shared parsing rules and the text formats.

This module holds what every reader shares (reading a file safely, turning
timed stage events into one label per epoch, integer stage codes) and the
readers and writers of the plain-text formats:

* CSV / TSV, either one stage per row or timed events (``onset``,
  ``duration``, ``stage``), written per epoch as the package's TSV contract;
* YASA integer text, one integer per line, below ``#`` comments that give
  the start time, the onset and the epoch length.

Every reader returns a :class:`~seqsleepnet.hypnogram.Hypnogram` whose
``source`` is the file. EDF+ lives in :mod:`seqsleepnet.io.hypnogram_edf`,
NSRR and Profusion XML in :mod:`seqsleepnet.io.hypnogram_xml` and ISRUC-Sleep scorer files in
:mod:`seqsleepnet.io.hypnogram_isruc`. The public entry points and the
registry of formats are in :mod:`seqsleepnet.io.hypnogram`.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

from seqsleepnet.errors import FileFormatError, HypnogramError, UnknownStageError
from seqsleepnet.hypnogram import (
    CLOCK_COLUMN,
    MAX_EPOCH_LENGTH,
    MIN_EPOCH_LENGTH,
    TOLERANCE,
    Hypnogram,
    check_epoch_length,
)
from seqsleepnet.stages import (
    EPOCH_SECONDS,
    PROBABILITY_COLUMNS,
    UNSCORED,
    parse_stages,
    stage_names,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_SECONDS",
    "check_epoch_count",
    "check_size",
    "encode_table",
    "encode_yasa",
    "events_to_stages",
    "has_probability_columns",
    "integer_code",
    "labels_to_stages",
    "per_epoch",
    "read_file_bytes",
    "read_lines",
    "read_table",
    "read_yasa",
    "refuse_model_output",
    "run_lengths",
]

log = logging.getLogger(__name__)

MAX_SECONDS = 7 * 86400.0
"""Longest hypnogram accepted (7 days): bounds every allocation a file can ask for."""

MAX_FILE_BYTES = 32 * 2**20
"""Largest hypnogram read (32 MiB: a week of 1-s epochs as text is about 10 MiB); the
size of a text or XML file, the annotation bytes of an EDF+ file."""

STAGE_COLUMNS = ("stage", "sleep_stage", "label", "description")
"""Column names (case-insensitive) that hold stage labels, by priority."""

TIMING_WORDS = frozenset(
    [
        "onset",
        "start",
        "begin",
        "time",
        "timestamp",
        "datetime",
        "date",
        "clock",
        "duration",
        "dur",
        "end",
        "offset",
        "elapsed",
        "sec",
        "secs",
        "seconds",
        "min",
        "mins",
        "minutes",
    ]
)
"""Words that mark a column as timing; such a column must be one the reader uses."""

YASA_UNSCORED = -2
"""Code the YASA text writer uses for unscored epochs."""


def max_epochs(epoch_length: float) -> int:
    """Most epochs a hypnogram of ``epoch_length`` seconds may have (7 days)."""
    return int(MAX_SECONDS // epoch_length)


def check_epoch_count(n_epochs: int, epoch_length: float, source: str) -> None:
    """Raise :class:`HypnogramError` if ``n_epochs`` is more than 7 days of epochs."""
    if n_epochs > max_epochs(epoch_length):
        raise HypnogramError(
            f"{source}: hypnogram would hold {n_epochs} epochs of {epoch_length:g} s "
            f"({n_epochs * epoch_length / 86400:.1f} days), more than the limit of "
            f"{max_epochs(epoch_length)} epochs (7 days); check the file's onsets and durations"
        )


def check_size(path: Path, size: int, limit: int = MAX_FILE_BYTES, what: str = "file") -> None:
    """Raise :class:`FileFormatError` if ``size`` bytes of hypnogram are more than ``limit``."""
    if size > limit:
        raise FileFormatError(
            path,
            f"{what} is {size} bytes, more than the limit of {limit} bytes ({limit >> 20} MiB) "
            "for a hypnogram",
            "check that this is a hypnogram file",
        )


def read_file_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a whole hypnogram file, refusing empty files and files over ``limit`` bytes."""
    check_size(path, path.stat().st_size, limit)
    data = path.read_bytes()
    if not data.strip():
        raise FileFormatError(path, "file is empty", "give a file with sleep-stage labels")
    return data


def integer_code(label: str) -> int | None:
    """The integer a label spells (``"2"``, ``"2.0"``, ``"-1"``), or None."""
    try:
        value = float(label)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def labels_to_stages(labels: Sequence[str], source: str) -> npt.NDArray[np.int8]:
    """Map text-file labels to stage indices.

    If every label is an integer, labels are integer codes as in YASA and in
    the package's own arrays: 0..4 = W, N1, N2, N3, REM; -1 (artefact) and -2
    (unscored) become unscored. Otherwise each label is a stage name in any
    convention :func:`seqsleepnet.stages.parse_stages` knows.

    Returns
    -------
    numpy.ndarray of int8, shape (E,)

    Raises
    ------
    UnknownStageError
        Listing every label that is not a stage.
    """
    codes = [integer_code(label) for label in labels]
    if labels and all(code is not None for code in codes):
        unknown = sorted({lab for lab, c in zip(labels, codes, strict=True) if not -2 <= c <= 4})  # type: ignore[operator]
        if unknown:
            raise UnknownStageError(unknown, source=source)
        values = np.array(codes, dtype=np.int8)
        values[values < 0] = UNSCORED
        return values
    try:
        return parse_stages(list(labels))
    except UnknownStageError as error:
        raise UnknownStageError(error.labels, source=source, mixed=error.mixed) from None


def _infer_epoch_length(
    durations: npt.NDArray[np.float64], labels: npt.NDArray[np.int8], source: str
) -> float:
    """30 s, unless every event lasts the same plausible time d and the events are epochs.

    Events that all last d are one event per epoch of d seconds when d is not a
    multiple of 30 s (MASS's 20-s epochs), or when an event repeats the stage
    of the one before it: merged runs of a stage (Sleep-EDF) never do, while
    one event per epoch (what the package writes for epochs other than 30 s,
    e.g. 60-s epochs) does wherever a stage lasts two epochs. Events of a
    multiple of 30 s where no stage repeats cannot be told from merged runs:
    they are read as 30-s epochs (each stage at its true time) with a logged
    warning naming the file and ``epoch_length``. Only a plausible epoch
    length (1 s to 1 h) is inferred; any other duration is judged against
    30-s epochs. The epoch length read is in every summary, and hypnograms
    of different epoch lengths are never compared.

    Parameters
    ----------
    durations : numpy.ndarray of float64, shape (K,)
        Event durations in seconds, in order of onset.
    labels : numpy.ndarray of int8, shape (K,)
        Stage of each event, in the same order.
    source : str
        The file, named in the warning.
    """
    first = float(durations[0])
    uniform = bool(np.all(np.abs(durations - first) <= TOLERANCE))
    if not uniform or not MIN_EPOCH_LENGTH <= first <= MAX_EPOCH_LENGTH:
        return EPOCH_SECONDS
    ratio = first / EPOCH_SECONDS
    off_grid = abs(ratio - round(ratio)) * EPOCH_SECONDS > TOLERANCE
    repeats = bool(np.any(labels[1:] == labels[:-1]))
    if off_grid or repeats:
        return first
    if labels.size > 1 and first > EPOCH_SECONDS + TOLERANCE:
        log.warning(
            "%s: every stage event lasts %g s and no stage repeats, so the events may be "
            "runs of 30-s epochs or one %g-s epoch each; read as 30-s epochs (each stage at "
            "its time): pass epoch_length=%g if each event is one epoch",
            source,
            first,
            first,
            first,
        )
    return EPOCH_SECONDS


def events_to_stages(
    onsets: npt.ArrayLike,
    durations: npt.ArrayLike,
    stages: npt.ArrayLike,
    epoch_length: float | None,
    source: str,
    start_time: datetime | None = None,
) -> Hypnogram:
    """Expand timed stage events into one label per epoch.

    Parameters
    ----------
    onsets, durations : array_like of float, shape (K,)
        Event onsets and durations in seconds from the recording start.
    stages : array_like of int, shape (K,)
        Stage index of each event (0..4, or -1 for unscored).
    epoch_length : float or None
        Epoch length in seconds. None: 30 s, unless every event lasts the same
        duration d and either d is not a multiple of 30 s (for example MASS's
        20-s epochs) or an event repeats the previous event's stage (one event
        per epoch, as 60-s epochs are written); then d. Events of a multiple
        of 30 s where no stage repeats are read as 30-s epochs, with a warning.
    source : str
        File the events come from (the hypnogram's ``source``, named in errors).
    start_time : datetime, optional
        Wall clock of the recording start, if the file gives it.

    Returns
    -------
    Hypnogram
        Labels of shape (E,), with ``onset`` the first event's onset.

    Raises
    ------
    HypnogramError
        On a negative onset, a duration that is not a positive multiple of the
        epoch length, a gap or an overlap between events, or more than 7 days
        of epochs. The message names the onset where it happens.
    """
    on = np.asarray(onsets, dtype=np.float64).ravel()
    dur = np.asarray(durations, dtype=np.float64).ravel()
    labels = np.asarray(stages, dtype=np.int8).ravel()
    if on.size == 0:
        raise HypnogramError(f"{source}: no sleep-stage events found; is it a hypnogram?")
    if not (np.all(np.isfinite(on)) and np.all(np.isfinite(dur))):
        raise HypnogramError(f"{source}: an event has a missing or non-finite onset or duration")
    with np.errstate(over="ignore"):
        overflow = np.flatnonzero(~np.isfinite(on + dur))
    if overflow.size:  # e.g. 1e308 + 1e308
        k = int(overflow[0])
        raise HypnogramError(
            f"{source}: event with onset {on[k]:g} s and duration {dur[k]:g} s lies beyond the "
            f"limit of {MAX_SECONDS:g} s (7 days); check the file's onsets and durations"
        )
    order = np.argsort(on, kind="stable")
    on, dur, labels = on[order], dur[order], labels[order]
    if epoch_length is None:
        length = _infer_epoch_length(dur, labels, source)
    else:
        length = check_epoch_length(epoch_length)

    if on[0] < -TOLERANCE:
        raise HypnogramError(
            f"{source}: event at onset {on[0]:g} s has a negative onset; onsets are seconds "
            "from the recording start and must be >= 0"
        )
    span = float(np.max(on + dur) - on[0])  # bound the allocation before anything else
    if span > MAX_SECONDS + TOLERANCE:
        check_epoch_count(round(span / length), length, source)
    counts = dur / length
    for k in range(on.size):
        if dur[k] <= TOLERANCE or abs(counts[k] - round(counts[k])) * length > TOLERANCE:
            raise HypnogramError(
                f"{source}: event at onset {on[k]:g} s lasts {dur[k]:g} s, not a positive "
                f"multiple of the {length:g}-s epoch; pass epoch_length= if the file uses "
                "another epoch length"
            )
        if k > 0:
            previous_end = on[k - 1] + dur[k - 1]
            if on[k] > previous_end + TOLERANCE:
                raise HypnogramError(
                    f"{source}: gap of {on[k] - previous_end:g} s before the event at onset "
                    f"{on[k]:g} s (previous event ends at {previous_end:g} s); stage events "
                    "must be contiguous: score the gap as unscored ('?')"
                )
            if on[k] < previous_end - TOLERANCE:
                raise HypnogramError(
                    f"{source}: event at onset {on[k]:g} s overlaps the previous event, which "
                    f"ends at {previous_end:g} s; stage events must not overlap"
                )
    repeats = np.rint(counts).astype(np.int64)
    check_epoch_count(int(repeats.sum()), length, source)
    return Hypnogram(np.repeat(labels, repeats), length, float(max(on[0], 0.0)), start_time, source)


def run_lengths(stages: npt.ArrayLike) -> list[tuple[int, int, int]]:
    """Runs of equal stages as ``(first epoch, number of epochs, stage)``, in order."""
    values = np.asarray(stages, dtype=np.int64).ravel()
    if values.size == 0:
        return []
    starts = np.concatenate(([0], np.flatnonzero(np.diff(values)) + 1))
    ends = np.concatenate((starts[1:], [values.size]))
    return [(int(a), int(b - a), int(values[a])) for a, b in zip(starts, ends, strict=True)]


# ---------------------------------------------------------------------- CSV / TSV


def _numbers(values: pd.Series, column: str, source: str) -> npt.NDArray[np.float64]:
    import pandas as pd

    numeric = pd.to_numeric(values.str.strip(), errors="coerce")
    bad = np.flatnonzero(numeric.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise FileFormatError(
            source,
            f"column '{column}' row {row + 1}: {values.iloc[row]!r} is not a number",
            "onset and duration are seconds",
        )
    return numeric.to_numpy(dtype=np.float64)


def has_probability_columns(path: Path) -> bool:
    """Whether a CSV/TSV file's header names the stage probabilities (``p_W`` .. ``p_REM``).

    A table of stage probabilities is a model's output (``seqsleepnet stage``
    writes ``<name>.csv`` with them), never an expert scoring. Only the first
    line is read; a file that cannot be read has none.
    """
    try:
        with open(path, "rb") as handle:
            first = handle.read(65536).split(b"\n", 1)[0]
    except OSError:
        return False
    text = first.decode("utf-8-sig", errors="replace")
    names = {cell.strip().strip('"').strip() for cell in re.split(r"[,\t;]", text)}
    return all(column in names for column in PROBABILITY_COLUMNS)


def refuse_model_output(hypnogram: Path, psg: Path, fix: str) -> None:
    """Raise :class:`FileFormatError` if the expert hypnogram of ``psg`` is a model's output.

    ``fix``: what the user can do, for the error's second line.
    """
    if has_probability_columns(hypnogram):  # e.g. an earlier staging's <name>.csv
        raise FileFormatError(
            hypnogram,
            f"holds stage probabilities ({', '.join(PROBABILITY_COLUMNS)}): it is a model's "
            f"output (as seqsleepnet stage writes), not an expert scoring of {psg.name}",
            fix,
        )


def read_table(path: Path, epoch_length: float | None, *, sep: str) -> Hypnogram:
    """Read a CSV (``sep=","``) or TSV (``sep="\\t"``) hypnogram.

    Two layouts are accepted:

    * one stage per row: a column named ``stage``, ``sleep_stage``, ``label``
      or ``description`` (any case), or a single column without header;
    * timed events: an ``onset`` column (seconds), a ``duration`` column
      (seconds; if absent each row lasts one epoch) and a stage column as
      above. The package's own TSV (``onset, duration, stage``) is this layout.
      A ``duration`` column without ``onset`` gives runs one after another
      from the recording start (``stage, duration``: 300 s of W, then ...).

    An optional ``clock_time`` column (ISO 8601) gives the recording start; an
    ``epoch`` column must number the rows 0, 1, 2 ... or 1, 2, 3 .... Any
    other column whose name speaks of timing (``Start``, ``onset (s)``,
    ``time`` ...) is refused rather than ignored, and so is an empty line
    between one-stage-per-row lines (it would shift every later epoch).
    Integer labels are codes 0..4 = W..REM, -1/-2 = unscored (see
    :func:`labels_to_stages`); text labels may use any known convention.
    """
    import pandas as pd  # only tables need it: reading and writing other formats stays light

    source = str(path)
    data = read_file_bytes(path).strip(b"\r\n")  # blank lines at the ends carry nothing
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise FileFormatError(
            path,
            f"not a readable {'TSV' if sep == chr(9) else 'CSV'} file ({error})",
            "give a text table with a 'stage' column or one label per line",
        ) from None
    header = [str(name).strip().lower() for name in frame.iloc[0]]
    stage_column = next((name for name in STAGE_COLUMNS if name in header), None)
    other = "," if sep == "\t" else "\t"
    if frame.shape[1] == 1 and other in header[0]:  # e.g. a CSV file named .tsv
        kind, other_kind = ("TSV", "CSV") if sep == "\t" else ("CSV", "TSV")
        raise FileFormatError(
            path,
            f"a {kind} file whose lines hold no {kind} separator but {other!r} (first line "
            f"{header[0][:40]!r}): it looks like {other_kind}",
            f"rename it .{other_kind.lower()} or give the format '{other_kind.lower()}'",
        )
    blank = (frame.apply(lambda column: column.str.strip()) == "").all(axis=1).to_numpy()
    if stage_column is None:
        if frame.shape[1] != 1:
            raise FileFormatError(
                path,
                f"no stage column among {header}",
                f"name the stage column one of {list(STAGE_COLUMNS)}, or give one label per line",
            )
        _refuse_blank_rows(path, blank, first_line=1)
        labels = [str(v).strip() for v in frame.iloc[:, 0]]
        return per_epoch(labels_to_stages(labels, source), epoch_length, source)
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise FileFormatError(path, f"duplicate column(s) {duplicates}", "name columns uniquely")
    _refuse_unread_timing(path, header)
    timed = "onset" in header or "duration" in header
    if not timed:
        _refuse_blank_rows(path, blank[1:], first_line=2)
    body = frame.iloc[1:][~blank[1:]]  # timed rows place themselves: blank lines are nothing
    body.columns = pd.Index(header)
    if body.empty:
        raise HypnogramError(f"{source}: the table has a header but no epochs")
    labels = [str(v).strip() for v in body[stage_column]]
    if not timed:
        hypnogram = per_epoch(labels_to_stages(labels, source), epoch_length, source)
        if "epoch" in header:
            _check_epoch_numbers(path, _numbers(body["epoch"], "epoch", source))
        if CLOCK_COLUMN not in header:
            return hypnogram
        start = _start_from_clock(body[CLOCK_COLUMN], hypnogram.onsets, source)
        return Hypnogram(hypnogram.stages, hypnogram.epoch_length, 0.0, start, source)
    if "duration" in header:
        durations = _numbers(body["duration"], "duration", source)
    if "onset" in header:
        onsets = _numbers(body["onset"], "onset", source)
    else:  # runs one after another from the recording start
        onsets = np.concatenate(([0.0], np.cumsum(durations)[:-1]))
    if "duration" not in header:
        default = EPOCH_SECONDS if epoch_length is None else check_epoch_length(epoch_length)
        durations = np.full(onsets.shape, default)
    stages = labels_to_stages(labels, source)
    start_time = (
        _start_from_clock(body[CLOCK_COLUMN], onsets, source) if CLOCK_COLUMN in header else None
    )
    return events_to_stages(onsets, durations, stages, epoch_length, source, start_time)


def _refuse_unread_timing(path: Path, header: list[str]) -> None:
    """Refuse a column that speaks of timing but is not one the reader uses."""
    known = {"onset", "duration", "epoch", CLOCK_COLUMN}
    unread = [
        name
        for name in header
        if name not in known and TIMING_WORDS & set(re.findall(r"[a-z]+", name))
    ]
    if unread:
        raise FileFormatError(
            path,
            f"timing column(s) {unread} are not ones this reader uses, so the epochs' times "
            "would be guessed",
            "name the columns 'onset' (seconds from the recording start), 'duration' "
            f"(seconds) and '{CLOCK_COLUMN}' (ISO 8601 date and time), or remove the others",
        )


def _refuse_blank_rows(path: Path, blank: npt.NDArray[np.bool_], first_line: int) -> None:
    """Refuse empty lines among one-stage-per-row lines: each row is the next epoch."""
    if blank.any():
        line = int(np.argmax(blank)) + first_line
        raise FileFormatError(
            path,
            f"line {line} is empty, and every row is the next epoch, so the epochs after it "
            "would shift",
            "write '?' for an unscored epoch, or remove the line if it is not an epoch",
        )


def _check_epoch_numbers(path: Path, numbers: npt.NDArray[np.float64]) -> None:
    """An ``epoch`` column must count the rows from 0 or 1 without a gap."""
    first = numbers[0] if numbers.size else 0.0
    if first not in (0.0, 1.0) or not np.array_equal(numbers, first + np.arange(numbers.size)):
        step = np.flatnonzero(np.diff(numbers) != 1)
        where = f"row {int(step[0]) + 2}" if step.size else f"the first row ({first:g})"
        raise FileFormatError(
            path,
            f"column 'epoch' does not number the rows 0, 1, 2 ... or 1, 2, 3 ... "
            f"(first difference at {where}), so the rows are not consecutive epochs",
            "give each row's start in an 'onset' column (seconds from the recording start)",
        )


def _start_from_clock(
    clock: pd.Series, onsets: npt.NDArray[np.float64], source: str
) -> datetime | None:
    """Recording start from a ``clock_time`` column: each row's clock time minus its onset.

    Empty cells everywhere mean the start is unknown (None).

    Raises
    ------
    FileFormatError
        If a clock time is not an ISO 8601 date and time, or the rows disagree
        on the recording start (clock time minus onset) by more than 1 ms.
    """
    import pandas as pd

    texts = clock.str.strip()
    if not texts.astype(bool).any():
        return None
    try:
        parsed = pd.to_datetime(texts, format="ISO8601", errors="coerce")
    except ValueError:  # UTC offsets that change in the night (daylight saving): compare in UTC
        parsed = pd.to_datetime(texts, format="ISO8601", errors="coerce", utc=True)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise FileFormatError(
            source,
            f"column '{CLOCK_COLUMN}' row {row + 1}: {texts.iloc[row]!r} is not an ISO 8601 "
            "date and time",
            "write it as YYYY-MM-DDTHH:MM:SS, or leave the column out",
        )
    starts = parsed - pd.to_timedelta(onsets, unit="s")
    spread = (starts - starts.iloc[0]).abs().dt.total_seconds().to_numpy()
    if spread.max() > TOLERANCE:
        row = int(np.argmax(spread > TOLERANCE))
        raise FileFormatError(
            source,
            f"column '{CLOCK_COLUMN}' row {row + 1}: {texts.iloc[row]!r} is "
            f"{spread[row]:g} s off the clock time of the first row plus the onset",
            f"give each epoch's start in '{CLOCK_COLUMN}', consistent with 'onset'",
        )
    start: datetime = starts.iloc[0].to_pydatetime()
    first_zone = pd.Timestamp(texts.iloc[0]).tzinfo  # the clock of the first row's zone
    return start.astimezone(first_zone) if first_zone is not None else start


def per_epoch(stages: npt.NDArray[np.int8], epoch_length: float | None, source: str) -> Hypnogram:
    """A hypnogram of one stage per epoch from ``source``: 30-s epochs unless given."""
    length = EPOCH_SECONDS if epoch_length is None else check_epoch_length(epoch_length)
    check_epoch_count(stages.size, length, source)
    return Hypnogram(stages, length, source=source)


def encode_table(
    hypnogram: Hypnogram, *, sep: str, extra: dict[str, list[float]] | None = None
) -> bytes:
    """Per-epoch table ``onset, duration, stage`` (W, N1, N2, N3, REM, UNS) as bytes.

    A hypnogram with a start time also gets ``clock_time``, the ISO 8601 date
    and time of each epoch's start, from which the reader recovers the start.
    ``extra`` columns (one value per epoch) follow in their order.
    """
    clock = hypnogram.clock_times()
    columns = [hypnogram.onsets.tolist(), [hypnogram.epoch_length] * hypnogram.n_epochs]
    columns.append(stage_names(hypnogram.stages))
    header = ["onset", "duration", "stage"]
    if clock is not None:
        columns.append(clock)
        header.append(CLOCK_COLUMN)
    for name, values in (extra or {}).items():
        columns.append(values)
        header.append(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue().encode("utf-8")


# ---------------------------------------------------------------------- YASA text


def _text(path: Path, expected: str) -> str:
    try:
        return read_file_bytes(path).decode("utf-8-sig")  # a byte-order mark is not a label
    except UnicodeDecodeError:
        raise FileFormatError(path, "not a text file", f"give {expected}") from None


def _one_value(path: Path, number: int, line: str, expected: str) -> str:
    tokens = line.split()
    if len(tokens) != 1:
        raise FileFormatError(
            path,
            f"line {number} holds {len(tokens)} values ({line.strip()!r})",
            f"write exactly {expected}",
        )
    return tokens[0]


def read_lines(path: Path, expected: str) -> list[str]:
    """The one value on each line of a text file (blank lines at the ends skipped).

    Parameters
    ----------
    path : Path
        Text file.
    expected : str
        What a line should hold, for the fix in error messages.

    Raises
    ------
    FileFormatError
        If the file is empty, not UTF-8 text, or a line holds no or several values.
    """
    text = _text(path, expected)
    return [
        _one_value(path, number, line, expected)
        for number, line in enumerate(text.strip().splitlines(), start=1)
    ]


def read_yasa(path: Path, epoch_length: float | None) -> Hypnogram:
    """Read a YASA-style text hypnogram: one integer (or stage name) per line.

    Codes: 0..4 = W, N1, N2, N3, REM; -1 (artefact) and -2 (unscored) become
    unscored. Lines that start with ``#`` are comments (as for
    :func:`numpy.loadtxt`); the comments :func:`encode_yasa` writes give the
    recording start (``# start_time: ISO 8601``), the first epoch's onset
    (``# onset: seconds``) and the epoch length (``# epoch_length: seconds``).
    Without them the file starts at the recording start, with 30-s epochs
    unless ``epoch_length`` is given (which also overrides the comment).
    """
    comments, labels = _read_commented_lines(path, "one stage code per line (0..4, -1, -2)")
    source = str(path)
    start = None
    if "start_time" in comments:
        try:
            start = datetime.fromisoformat(comments["start_time"])
        except ValueError:
            raise FileFormatError(
                path,
                f"comment '# start_time: {comments['start_time']}' is not an ISO 8601 date and "
                "time",
                "write it as YYYY-MM-DDTHH:MM:SS, or remove that line",
            ) from None
    onset = _seconds_comment(path, comments, "onset")
    written = _seconds_comment(path, comments, "epoch_length")
    length = epoch_length if epoch_length is not None else written
    epochs = per_epoch(labels_to_stages(labels, source), length, source)
    return Hypnogram(epochs.stages, epochs.epoch_length, onset or 0.0, start, source)


def _seconds_comment(path: Path, comments: dict[str, str], key: str) -> float | None:
    """The number of seconds a ``# key: value`` comment gives, or None without the comment."""
    if key not in comments:
        return None
    try:
        return float(comments[key])
    except ValueError:
        raise FileFormatError(
            path,
            f"comment '# {key}: {comments[key]}' is not a number of seconds",
            "fix or remove that line",
        ) from None


def _read_commented_lines(path: Path, expected: str) -> tuple[dict[str, str], list[str]]:
    """``# key: value`` comment fields and the value lines of a text file.

    Comment lines (starting with ``#``) may appear anywhere; those of the form
    ``# key: value`` are returned by key. The other lines are read as by
    :func:`read_lines`.
    """
    fields: dict[str, str] = {}
    values: list[str] = []
    for number, line in enumerate(_text(path, expected).strip().splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            key, colon, value = stripped.lstrip("#").partition(":")
            if colon:
                fields[key.strip().lower()] = value.strip()
            continue
        values.append(_one_value(path, number, line, expected))
    if not values:
        raise FileFormatError(path, "file holds no stage", f"give {expected}")
    return fields, values


def encode_yasa(hypnogram: Hypnogram) -> bytes:
    """One integer per epoch and line, unscored epochs as -2, below comment lines.

    The comments give the start time (when known), the first epoch's onset and
    the epoch length; :func:`numpy.loadtxt` and YASA skip them.
    """
    codes = np.where(hypnogram.stages < 0, YASA_UNSCORED, hypnogram.stages)
    header = [
        "# sleep stages, one per epoch: 0 W, 1 N1, 2 N2, 3 N3, 4 REM, -2 unscored",
        *(
            [f"# start_time: {hypnogram.start_time.isoformat()}"]
            if hypnogram.start_time is not None
            else []
        ),
        f"# onset: {hypnogram.onset!r}",
        f"# epoch_length: {hypnogram.epoch_length!r}",
    ]
    lines = [*header, *(str(int(code)) for code in codes)]
    return "".join(f"{line}\n" for line in lines).encode("ascii")
