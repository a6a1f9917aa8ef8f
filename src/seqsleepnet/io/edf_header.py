"""Validate the header of an EDF, EDF+ or BDF file before any signal is read.

MNE reads the signals; this module only checks that the header is
self-consistent and that the file holds what the header promises, so that a
damaged or hostile file gets a clear error instead of an obscure failure or
an allocation sized by a lying field. Layout: the EDF specification (Kemp et
al. 1992, https://www.edfplus.info/specs/edf.html) and BioSemi's 24-bit BDF.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from seqsleepnet.errors import FileFormatError, HypnogramError
from seqsleepnet.io.edf_records import gaps_between, read_record_onsets
from seqsleepnet.io.paths import not_a_file
from seqsleepnet.io.units import AMBIGUOUS_UNITS, is_known_spelling, microvolts_per_unit

__all__ = [
    "EDF_YEARS",
    "MAX_RECORDING_SECONDS",
    "MAX_SFREQ",
    "MAX_SIGNALS",
    "PSG_SUFFIXES",
    "EdfHeader",
    "SignalHeader",
    "check_edf_year",
    "edf_start_time",
    "read_edf_header",
]

PSG_SUFFIXES: tuple[str, ...] = (".edf", ".bdf", ".rec")
"""Lower-case endings of PSG files: EDF/EDF+, BDF, and EDF named ``.rec`` (ISRUC-Sleep).
The header, not the name, tells EDF from BDF."""

EDF_YEARS = (1985, 2084)
"""Years a two-digit EDF year stands for (the specification's clipping rule: 85-99 are
1985-1999, 00-84 are 2000-2084)."""

MAX_SIGNALS = 1024  # far above any PSG montage; bounds the header allocation
MAX_SAMPLES_PER_RECORD = 10_000_000
MAX_RECORD_SECONDS = 86_400.0
MAX_SFREQ = 100_000.0  # Hz; far above any PSG amplifier
MAX_RECORDING_SECONDS = 7 * 86_400.0  # a week, as for hypnograms
MAX_SIGNAL_SAMPLES = 2**31 - 1  # samples of one signal: what MNE and NumPy index safely
_DIGITAL_LIMITS = {2: (-32768, 32767), 3: (-8388608, 8388607)}  # by bytes per sample
_ANNOTATION_LABELS = ("EDF Annotations", "BDF Annotations")
_SIGNAL_FIELDS = (  # (name, width in bytes) of the per-signal header block
    ("label", 16),
    ("transducer", 80),
    ("physical_dimension", 8),
    ("physical_min", 8),
    ("physical_max", 8),
    ("digital_min", 8),
    ("digital_max", 8),
    ("prefiltering", 80),
    ("samples_per_record", 8),
    ("reserved", 32),
)


@dataclass(frozen=True)
class SignalHeader:
    """One signal of an EDF/BDF header."""

    label: str
    physical_dimension: str
    samples_per_record: int
    sfreq: float  # Hz; 0 for annotation signals of zero-duration records
    is_annotation: bool
    physical_range: tuple[float, float] = (0.0, 0.0)  # (min, max) in physical_dimension
    digital_range: tuple[int, int] = (0, 0)  # (min, max) stored integers

    @property
    def rails(self) -> tuple[float, float] | None:
        """Lowest and highest value the signal can take, in microvolts; None if unknown.

        Units as :func:`seqsleepnet.io.units.microvolts_per_unit` reads the
        physical dimension (None for an ambiguous one, e.g. "MV").
        """
        if self.is_annotation or self.digital_range[1] <= self.digital_range[0]:
            return None
        if self.physical_dimension.strip() in AMBIGUOUS_UNITS:
            return None
        scale = microvolts_per_unit(self.physical_dimension)
        low, high = sorted(v * scale for v in self.physical_range)
        return low, high


@dataclass(frozen=True)
class EdfHeader:
    """What the header of an EDF/EDF+/BDF file says, after validation."""

    path: Path
    kind: str  # "EDF", "EDF+C", "EDF+D", "BDF", "BDF+C" or "BDF+D"
    patient: str
    recording: str
    start_time: datetime | None
    n_records: int
    record_duration: float  # seconds
    signals: tuple[SignalHeader, ...]
    gaps: tuple[tuple[float, float], ...] = ()  # (start, end) s without records (EDF+D)
    first_record_onset: float = 0.0  # s the start time lies after the header's (EDF+/BDF+ only)
    declared_records: int | None = None  # the header's count, when the file holds more records

    @property
    def duration(self) -> float:
        """Recording length in seconds, gaps included."""
        return self.n_records * self.record_duration + sum(b - a for a, b in self.gaps)

    @property
    def data_signals(self) -> tuple[SignalHeader, ...]:
        """Signals that carry samples (annotation channels left out)."""
        return tuple(s for s in self.signals if not s.is_annotation)


def _field(raw: bytes, path: Path, name: str) -> str:
    """A header field as text: printable ASCII, as the EDF specification says.

    One exception: a physical dimension that is a unit spelling of
    :mod:`seqsleepnet.io.units` in Latin-1 (the micro sign as byte 0xB5, the
    Shift-JIS Greek mu), which many writers use; it is read as Latin-1, as MNE
    reads it.
    """
    try:
        return raw.decode("ascii").strip()
    except UnicodeDecodeError:
        latin1 = raw.decode("latin-1").strip()
        if name == "physical_dimension" and is_known_spelling(latin1):
            return latin1
        raise FileFormatError(
            path,
            f"header field '{name}' holds non-ASCII bytes {raw[:16]!r}",
            "the EDF specification allows printable ASCII only; re-export the file",
        ) from None


def _number(text: str, path: Path, name: str, *, integer: bool) -> float:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise FileFormatError(
            path,
            f"header field '{name}' is {text!r}, not a number",
            "the header is damaged or the file is not EDF/BDF",
        ) from None
    if not math.isfinite(value):
        raise FileFormatError(
            path,
            f"header field '{name}' is {text!r}, not a finite number",
            "the header is damaged; samples cannot be scaled",
        )
    return value


def edf_start_time(date: str, time: str) -> datetime | None:
    """The header's start date-time; None when unreadable (the start is then unknown).

    The specification separates both with dots (``dd.mm.yy``, ``hh.mm.ss``);
    some writers put colons in the time, which reads the same.
    """
    try:
        day, month, year = (int(v) for v in date.split("."))
        hour, minute, second = (int(v) for v in time.replace(":", ".").split("."))
        year += 2000 if year < EDF_YEARS[0] % 100 else 1900  # EDF's clipping rule
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def check_edf_year(start_time: datetime, source: str | None, what: str) -> None:
    """Raise :class:`HypnogramError` if ``start_time`` is outside :data:`EDF_YEARS`.

    A file that writes the year in two digits, as EDF does, would read it back a
    century off; ``what`` names that file kind in the message.
    """
    if not EDF_YEARS[0] <= start_time.year <= EDF_YEARS[1]:
        raise HypnogramError(
            f"{source or 'hypnogram'}: start {start_time.isoformat()} cannot be written in "
            f"{what}, whose two-digit years stand for {EDF_YEARS[0]}-{EDF_YEARS[1]}; write TSV "
            "or CSV, which keep any date"
        )


def _check_length(
    path: Path, n_records: int, record_duration: float, signals: list[SignalHeader]
) -> None:
    """Bound the recording length and samples per signal before anything is sized by them."""
    seconds = n_records * record_duration
    if seconds > MAX_RECORDING_SECONDS:
        raise FileFormatError(
            path,
            f"header promises {n_records} records of {record_duration:g} s ({seconds / 3600:.0f} "
            f"h), longer than the limit of {MAX_RECORDING_SECONDS / 3600:.0f} h (7 days)",
            "the header's number of records or record duration is damaged; split longer recordings",
        )
    for signal in signals:
        total = n_records * signal.samples_per_record
        if total > MAX_SIGNAL_SAMPLES:
            raise FileFormatError(
                path,
                f"signal {signal.label!r} would hold {total} samples, more than the limit "
                f"of {MAX_SIGNAL_SAMPLES}",
                "the header is damaged, or split the recording",
            )


def _record_times(
    path: Path,
    header_bytes: int,
    n_records: int,
    record_duration: float,
    signals: list[SignalHeader],
    kind: str,
    sample_bytes: int,
) -> tuple[float, tuple[tuple[float, float], ...]]:
    """How far the first sample lies after the header's start, and the gaps of an EDF+/BDF+ file.

    The onset of the first record (its first time-stamped annotation list) is
    its time from the header's start date-time (EDF+ specification, 2.2.4),
    which has whole seconds only. In EDF+C and BDF+C the records follow each
    other, so the signal starts at that onset: a fraction of a second for a
    start known more exactly than the header's, or more for a file cut from
    a longer one. In EDF+D and BDF+D only the fraction moves the start (so
    that a file starting at hh:mm:ss.5 has no half-second gap before its
    first record); a later first record leaves a gap from the header's start,
    and the gaps between records follow, their span bounded like a
    continuous file's length. An EDF+C file without a readable onset starts
    at its header's time.
    """
    offsets = [0]
    for s in signals:
        offsets.append(offsets[-1] + sample_bytes * s.samples_per_record)
    annotation = next((i for i, s in enumerate(signals) if s.is_annotation), None)
    discontinuous = kind.endswith("+D")
    if annotation is None:
        if not discontinuous:
            return 0.0, ()
        raise FileFormatError(
            path,
            f"{kind} file without an '{kind[:3]} Annotations' signal: the records' times are "
            "unknown",
            "the file is damaged; re-export it from the recording software",
        )
    try:
        onsets = read_record_onsets(
            path,
            header_bytes=header_bytes,
            record_bytes=offsets[-1],
            annotation_offset=offsets[annotation],
            n_records=n_records if discontinuous else 1,
            kind=kind,
        )
    except FileFormatError:
        if discontinuous:
            raise
        return 0.0, ()
    first = float(onsets[0])
    if not 0.0 <= first <= MAX_RECORDING_SECONDS:
        raise FileFormatError(
            path,
            f"the first record's onset is {first:g} s from the header's start time, outside "
            f"0-{MAX_RECORDING_SECONDS / 3600:.0f} h",
            "the records' onsets are damaged; re-export the file from the recording software",
        )
    if not discontinuous:
        return first, ()
    fraction = first - math.floor(first)
    onsets = onsets - fraction
    span = float(onsets[-1]) + record_duration
    if span > MAX_RECORDING_SECONDS:
        raise FileFormatError(
            path,
            f"{kind} records span {span / 3600:.0f} h, longer than the limit of "
            f"{MAX_RECORDING_SECONDS / 3600:.0f} h (7 days)",
            "the records' onsets are damaged; split longer recordings",
        )
    return fraction, gaps_between(path, onsets, record_duration, kind=kind)


def read_edf_header(path: str | Path) -> EdfHeader:
    """Read and validate the header of an EDF, EDF+ or BDF file.

    Parameters
    ----------
    path : str or Path
        The file to check.

    Returns
    -------
    EdfHeader
        Parsed header with per-signal sampling rates.

    Raises
    ------
    FileFormatError
        If the file is missing, not EDF/BDF, truncated, or its header fields
        are inconsistent (sizes that do not add up, zero-width ranges,
        negative or implausibly large counts).
    """
    path = Path(path)
    problem = not_a_file(path)
    if problem is not None:
        found = problem != "file not found"
        raise FileFormatError(
            path,
            problem,
            "give the path of an EDF, EDF+ or BDF file" if found else "check the path",
        )
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        fixed = handle.read(256)
        if len(fixed) < 256:
            raise FileFormatError(
                path,
                f"truncated header ({size} bytes; an EDF header has at least 256)",
                "the file is incomplete or not an EDF/BDF file",
            )
        version = fixed[:8]
        if version == b"\xffBIOSEMI":
            kind, sample_bytes = "BDF", 3
        elif version == b"0       ":
            kind, sample_bytes = "EDF", 2
        else:
            raise FileFormatError(
                path,
                f"not an EDF or BDF file (starts with {version!r})",
                "pass a PSG file in EDF, EDF+ or BDF format",
            )
        text = {
            name: _field(fixed[a:b], path, name)
            for name, a, b in (
                ("patient", 8, 88),
                ("recording", 88, 168),
                ("startdate", 168, 176),
                ("starttime", 176, 184),
                ("header_bytes", 184, 192),
                ("reserved", 192, 236),
                ("n_records", 236, 244),
                ("record_duration", 244, 252),
                ("n_signals", 252, 256),
            )
        }
        ns = int(_number(text["n_signals"], path, "number of signals", integer=True))
        if not 1 <= ns <= MAX_SIGNALS:
            raise FileFormatError(
                path,
                f"header says {ns} signals (allowed 1..{MAX_SIGNALS})",
                "the header is damaged",
            )
        header_bytes = int(_number(text["header_bytes"], path, "header bytes", integer=True))
        if header_bytes != 256 * (ns + 1):
            raise FileFormatError(
                path,
                f"header sizes do not add up: {ns} signals need a {256 * (ns + 1)}-byte "
                f"header, the file says {header_bytes}",
                "the header is damaged",
            )
        block = handle.read(256 * ns)
    if len(block) < 256 * ns:
        raise FileFormatError(
            path,
            f"truncated header: {ns} signals need {256 * (ns + 1)} header bytes, "
            f"the file has {size}",
            "the file is incomplete",
        )
    fields: dict[str, list[str]] = {}
    offset = 0
    for name, width in _SIGNAL_FIELDS:
        fields[name] = [
            _field(block[offset + i * width : offset + (i + 1) * width], path, name)
            for i in range(ns)
        ]
        offset += width * ns
    if text["reserved"].startswith(f"{kind}+"):  # EDF+C/D, or BDF+C/D (BDF+, Biosemi)
        kind = text["reserved"][:5]
    record_duration = _number(text["record_duration"], path, "record duration", integer=False)
    if not 0 <= record_duration <= MAX_RECORD_SECONDS:
        raise FileFormatError(
            path,
            f"record duration {record_duration} s is outside 0..{MAX_RECORD_SECONDS:.0f} s",
            "the header is damaged",
        )
    signals = []
    for i in range(ns):
        label = fields["label"][i]
        n_samp = int(
            _number(fields["samples_per_record"][i], path, f"samples of {label!r}", integer=True)
        )
        if not 1 <= n_samp <= MAX_SAMPLES_PER_RECORD:
            raise FileFormatError(
                path,
                f"signal {label!r} has {n_samp} samples per record "
                f"(allowed 1..{MAX_SAMPLES_PER_RECORD})",
                "the header is damaged",
            )
        annotation = label in _ANNOTATION_LABELS
        ranges = dict.fromkeys(("physical_min", "physical_max", "digital_min", "digital_max"), 0.0)
        if not annotation:
            ranges = {
                k: _number(fields[k][i], path, f"{k} of {label!r}", integer=k[0] == "d")
                for k in ("physical_min", "physical_max", "digital_min", "digital_max")
            }
            if ranges["digital_max"] <= ranges["digital_min"]:
                raise FileFormatError(
                    path,
                    f"signal {label!r} has a digital range of zero or negative width "
                    f"({ranges['digital_min']:g}..{ranges['digital_max']:g})",
                    "the header is damaged; samples cannot be scaled",
                )
            low, high = _DIGITAL_LIMITS[sample_bytes]
            if ranges["digital_min"] < low or ranges["digital_max"] > high:
                raise FileFormatError(
                    path,
                    f"signal {label!r} has a digital range {ranges['digital_min']:g}.."
                    f"{ranges['digital_max']:g} outside what {8 * sample_bytes}-bit "
                    f"{kind[:3]} samples can hold ({low}..{high})",
                    "the header is damaged; samples cannot be scaled",
                )
            if ranges["physical_max"] == ranges["physical_min"]:
                raise FileFormatError(
                    path,
                    f"signal {label!r} has a physical range of zero width "
                    f"({ranges['physical_min']:g}..{ranges['physical_max']:g})",
                    "the header is damaged; samples cannot be scaled",
                )
        if record_duration == 0 and not annotation:
            raise FileFormatError(
                path,
                f"record duration is 0 s but signal {label!r} holds samples, so it has no "
                "sampling rate",
                "the header is damaged (EDF+ allows 0-s records only in annotation-only files)",
            )
        sfreq = n_samp / record_duration if record_duration > 0 else 0.0
        if sfreq > MAX_SFREQ and not annotation:
            raise FileFormatError(
                path,
                f"signal {label!r} would be sampled at {sfreq:.3g} Hz ({n_samp} samples per "
                f"{record_duration:g}-s record), above the limit of {MAX_SFREQ:g} Hz",
                "the header's record duration or samples per record is damaged",
            )
        signals.append(
            SignalHeader(
                label,
                fields["physical_dimension"][i],
                n_samp,
                sfreq,
                annotation,
                (ranges["physical_min"], ranges["physical_max"]),
                (int(ranges["digital_min"]), int(ranges["digital_max"])),
            )
        )
    record_bytes = sample_bytes * sum(s.samples_per_record for s in signals)
    n_records = int(_number(text["n_records"], path, "number of records", integer=True))
    available = (size - header_bytes) // record_bytes
    if n_records == -1:  # allowed by the specification while a recording is in progress
        n_records = available
    if n_records < 0:
        raise FileFormatError(
            path, f"header says {n_records} data records", "the header is damaged"
        )
    if n_records == 0 and any(not s.is_annotation for s in signals):
        raise FileFormatError(
            path,
            "header says 0 data records: the file holds no samples",
            "the recording was not finished or the header is damaged; use the complete file",
        )
    # A header that counts fewer records than the file holds was not updated when the
    # recording went on (or was stopped): every whole record is read, as for -1 and as
    # MNE reads such a file, and the count the header declared is kept for the
    # recording's quality flag.
    declared = n_records if 0 < n_records < available else None
    if declared is not None:
        n_records = available
    _check_length(path, n_records, record_duration, signals)
    if n_records > available:
        raise FileFormatError(
            path,
            f"truncated data section: the header promises {n_records} records "
            f"({header_bytes + n_records * record_bytes} bytes) but the file has {size} bytes",
            "the file is incomplete (interrupted copy or recording?); copy it again",
        )
    gaps: tuple[tuple[float, float], ...] = ()
    first_onset = 0.0
    start_time = edf_start_time(text["startdate"], text["starttime"])
    if "+" in kind and n_records > 0:  # EDF+C/D, BDF+C/D: the records' own times
        first_onset, gaps = _record_times(
            path, header_bytes, n_records, record_duration, signals, kind, sample_bytes
        )
        if start_time is not None and first_onset:
            start_time += timedelta(seconds=first_onset)
    return EdfHeader(
        first_record_onset=first_onset,
        declared_records=declared,
        gaps=gaps,
        path=path,
        kind=kind,
        patient=text["patient"],
        recording=text["recording"],
        start_time=start_time,
        n_records=n_records,
        record_duration=record_duration,
        signals=tuple(signals),
    )
