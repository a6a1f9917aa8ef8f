"""Read an :class:`mne.io.Raw` in memory like a PSG file: the channels of each role, in time.

:func:`signals_from_raw` gives the same :class:`~seqsleepnet.io.edf.SignalSource`
as :func:`~seqsleepnet.io.edf.open_psg` gives for a file, with what a Raw
knows beyond its samples taken into account, so that its stages line up with
the recording by absolute time and nothing marked unusable is used unsaid:

* its time: a cropped Raw starts ``raw.first_time`` seconds after
  ``meas_date``, so its first sample's clock time is ``meas_date +
  first_time`` (without ``meas_date`` the offset is a note: onsets count from
  the Raw's first sample);
* its pieces: a Raw joined by :func:`mne.concatenate_raws` from crops of one
  recording holds each piece at its true time (the time between them is a gap,
  as in EDF+D); pieces whose times overlap, or a join marked only by a
  ``BAD boundary``/``EDGE boundary`` annotation (a joined Raw saved and read
  again), are refused, since the time after the join is unknown;
* its ``BAD_*`` annotations: the spans are left out like gaps (their epochs
  unscored) and a note says so;
* ``info['bads']``: a channel marked bad is never chosen for a role by the
  alias table (naming it uses it anyway);
* native rates: MNE upsamples every channel of an EDF/BDF to the highest
  rate, so the rate of a channel in its source file (``raw.filenames``), not
  ``info['sfreq']``, says whether it can carry its role (Sleep-EDF's 1-Hz EMG
  envelope is no chin EMG at 100 Hz).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ChannelError, FileFormatError, SignalError
from seqsleepnet.io.channels import ROLES, ChannelPick, match_roles, normalise_name
from seqsleepnet.io.edf import SignalSource, check_rate
from seqsleepnet.io.edf_header import PSG_SUFFIXES, read_edf_header
from seqsleepnet.io.notes import SignalNote

if TYPE_CHECKING:
    import mne

__all__ = [
    "RawLayout",
    "bad_channels",
    "native_rates",
    "raw_layout",
    "require_raw",
    "signals_from_raw",
]

BOUNDARIES = ("BAD boundary", "EDGE boundary")
"""Annotations MNE puts where :func:`mne.concatenate_raws` joined two pieces."""

_TOLERANCE = 1e-6  # seconds


def raw_label(raw: mne.io.BaseRaw) -> str:
    """How messages name a Raw: its first file, else ``Raw``."""
    filenames = getattr(raw, "filenames", None) or [None]
    return str(filenames[0]) if filenames[0] else "Raw"


def bad_channels(raw: mne.io.BaseRaw) -> frozenset[str]:
    """The channels ``raw.info['bads']`` marks bad."""
    return frozenset(raw.info["bads"])


def native_rates(raw: mne.io.BaseRaw) -> dict[str, float]:
    """Each channel's rate where it was recorded, in Hz: at most ``info['sfreq']``.

    MNE reads every channel of an EDF/BDF file at the file's highest rate; a
    channel's own rate is in the file's header. A channel is looked up by
    label in the header of each of ``raw.filenames`` that is a readable
    EDF/BDF file; a channel found in none (a Raw built in memory, renamed
    channels) keeps ``info['sfreq']``.
    """
    sfreq = float(raw.info["sfreq"])
    rates = dict.fromkeys(raw.ch_names, sfreq)
    for name in getattr(raw, "filenames", None) or ():
        if not name or Path(name).suffix.lower() not in PSG_SUFFIXES or not Path(name).is_file():
            continue
        try:
            header = read_edf_header(name)
        except FileFormatError:
            continue  # not a file this package reads: the Raw's own rate stands
        for signal in header.data_signals:
            if signal.label in rates:
                rates[signal.label] = min(rates[signal.label], signal.sfreq)
    return rates


@dataclass(frozen=True)
class RawLayout:
    """Where a Raw's samples lie in time, from its first sample.

    Attributes
    ----------
    pieces : tuple of (int, int, int)
        ``(data_start, true_start, length)`` in samples: each piece of the
        Raw's data and where it lies from the first sample.
    length : int
        Samples from the first to the last, gaps included.
    gaps : tuple of (float, float)
        Spans (s) without usable signal: between pieces and under ``BAD_*``
        annotations, sorted, merged.
    notes : tuple of SignalNote
        What the layout costs the night's quality (gaps, BAD spans, an
        unknown start offset).
    """

    pieces: tuple[tuple[int, int, int], ...]
    length: int
    gaps: tuple[tuple[float, float], ...]
    notes: tuple[SignalNote, ...]

    def place(self, x: npt.NDArray[np.float32], sfreq: float) -> npt.NDArray[np.float32]:
        """One channel's data placed at its true times; gaps and BAD spans hold zeros."""
        if len(self.pieces) == 1 and not self.gaps:
            return x
        placed = np.zeros(self.length, dtype=np.float32)
        for data_start, true_start, n in self.pieces:
            placed[true_start : true_start + n] = x[data_start : data_start + n]
        for start, end in self.gaps:
            placed[round(start * sfreq) : round(end * sfreq)] = 0.0
        return placed


def _pieces(raw: mne.io.BaseRaw, label: str) -> tuple[tuple[int, int, int], ...]:
    """The pieces of a Raw joined by :func:`mne.concatenate_raws`, at their true times."""
    firsts = np.asarray(getattr(raw, "_first_samps", [raw.first_samp]), dtype=np.int64)
    lasts = np.asarray(getattr(raw, "_last_samps", [raw.last_samp]), dtype=np.int64)
    lengths = lasts - firsts + 1
    data_starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    true_starts = firsts - firsts[0]
    sfreq = float(raw.info["sfreq"])
    for k in range(1, firsts.size):
        previous_end = true_starts[k - 1] + lengths[k - 1]
        if true_starts[k] < previous_end:
            raise SignalError(
                f"{label}: the Raw joins {firsts.size} pieces (mne.concatenate_raws) and piece "
                f"{k + 1} starts at {true_starts[k] / sfreq:g} s of the recording, before piece "
                f"{k} ends ({previous_end / sfreq:g} s): they come from different recordings or "
                "are out of order, so the time of every sample after the join is unknown; "
                "stage each recording separately, or, if the pieces follow each other without "
                "a gap, make them one: mne.io.RawArray(raw.get_data(), raw.info)"
            )
    return tuple(
        (int(d), int(t), int(n)) for d, t, n in zip(data_starts, true_starts, lengths, strict=True)
    )


def _true_time(seconds: float, pieces: tuple[tuple[int, int, int], ...], sfreq: float) -> float:
    """A time in the Raw's data (s from its first sample) on the true time line."""
    index = seconds * sfreq
    for data_start, true_start, n in reversed(pieces):
        if index >= data_start:
            return (true_start + min(index - data_start, n)) / sfreq
    return seconds


def _merge(spans: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + _TOLERANCE:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def raw_layout(raw: mne.io.BaseRaw) -> RawLayout:
    """Where a Raw's samples lie in time, and what it marks unusable.

    Raises
    ------
    SignalError
        Pieces whose times overlap, or a join (``BAD boundary``/``EDGE
        boundary``) in a Raw of one piece: the time after it is unknown.
    """
    label = raw_label(raw)
    sfreq = float(raw.info["sfreq"])
    pieces = _pieces(raw, label)
    length = pieces[-1][1] + pieces[-1][2]
    spans = [
        (
            (true_start + n) / sfreq,
            pieces[k + 1][1] / sfreq,
        )
        for k, (_, true_start, n) in enumerate(pieces[:-1])
        if pieces[k + 1][1] > true_start + n
    ]
    joins = list(spans)
    annotations = raw.annotations
    descriptions = [str(d) for d in annotations.description]
    boundaries = [
        float(o) - raw.first_time
        for o, d in zip(annotations.onset, descriptions, strict=True)
        if d in BOUNDARIES
    ]
    if boundaries and len(pieces) == 1:
        raise SignalError(
            f"{label}: the Raw's annotations mark {len(boundaries)} join(s) of pieces "
            f"('BAD boundary'/'EDGE boundary', the first at {boundaries[0]:g} s) but it holds "
            "one piece (a joined Raw saved and read again?): the time between the pieces is "
            "unknown, so every epoch after the join would carry a wrong time; stage each piece "
            "separately (raw.copy().crop(...)), or, if the pieces follow each other without a "
            "gap, delete those annotations (raw.annotations.delete(...))"
        )
    bad = [
        (float(o) - raw.first_time, float(o) - raw.first_time + float(dur), d)
        for o, dur, d in zip(annotations.onset, annotations.duration, descriptions, strict=True)
        if d.upper().startswith("BAD") and d not in BOUNDARIES
    ]
    bad_spans = [
        (max(0.0, _true_time(a, pieces, sfreq)), min(length / sfreq, _true_time(b, pieces, sfreq)))
        for a, b, _ in bad
    ]
    bad_spans = [(a, b) for a, b in bad_spans if b > a]
    notes: list[SignalNote] = []
    if joins:
        lost = sum(b - a for a, b in joins)
        notes.append(
            SignalNote(
                "recording",
                "gap",
                f"the Raw joins {len(pieces)} pieces of the recording (mne.concatenate_raws) "
                f"with {len(joins)} gap(s) of {lost:g} s in all ({lost / 60.0:.1f} min), the "
                f"first from {joins[0][0]:g} s to {joins[0][1]:g} s: each piece is staged at its "
                "true time and the epochs in a gap are left unscored (UNS)",
                value=round(float(lost), 3),
                threshold=0.0,
            )
        )
    if bad_spans:
        covered = sum(b - a for a, b in _merge(bad_spans))
        kinds = sorted({d for _, _, d in bad})
        notes.append(
            SignalNote(
                "recording",
                "bad_annotation",
                f"the Raw's annotations mark {len(bad_spans)} span(s) bad ({', '.join(kinds)}), "
                f"{covered:g} s in all ({covered / 60.0:.1f} min): their signal is not used and "
                "the epochs they overlap are left unscored (UNS)",
                value=round(float(covered), 3),
                threshold=0.0,
            )
        )
    if raw.info["meas_date"] is None and raw.first_time > _TOLERANCE:
        notes.append(
            SignalNote(
                "recording",
                "offset",
                f"the Raw starts {raw.first_time:g} s after the start of its recording (it was "
                "cropped) and has no meas_date: the onsets count from its first sample, so add "
                f"{raw.first_time:g} s to them to compare with a hypnogram of the whole "
                "recording (or set raw.set_meas_date(...) to stage it by clock time)",
                value=round(float(raw.first_time), 6),
                threshold=0.0,
            )
        )
    return RawLayout(pieces, length, _merge(joins + bad_spans), tuple(notes))


def require_raw(raw: object) -> None:
    """Raise :class:`TypeError` unless ``raw`` is an :class:`mne.io.BaseRaw` (continuous data)."""
    import mne

    if not isinstance(raw, mne.io.BaseRaw):
        raise TypeError(
            f"expected the path of an EDF/BDF file or an mne.io.Raw, got {type(raw).__name__}: "
            "stage the continuous Raw that epochs came from, or wrap an array of volts as "
            "mne.io.RawArray(data, mne.create_info(ch_names, sfreq, ch_types))"
        )


def raw_start_time(raw: mne.io.BaseRaw) -> datetime | None:
    """Wall clock of the Raw's first sample: ``meas_date`` plus ``first_time`` (naive).

    ``meas_date`` of a Raw read from an EDF/BDF file is the header's wall
    clock marked UTC, and it stays so in a Raw made from one (``RawArray``
    with its ``info``, a FIF file saved from it): nothing in a Raw tells that
    wall clock from a true UTC time, so the zone is dropped and the time is
    read as a wall clock, as an EDF header has none. MNE leaves out the first
    record's onset of an EDF+C/BDF+C file (where the signal starts after the
    header's start date-time); it is added when ``meas_date`` is still the
    header's own.
    """
    meas_date = raw.info["meas_date"]
    if meas_date is None:
        return None
    start = meas_date.replace(tzinfo=None)
    filenames = getattr(raw, "filenames", None) or [None]
    name = filenames[0]
    if name and Path(name).suffix.lower() in PSG_SUFFIXES and Path(name).is_file():
        try:
            header = read_edf_header(name)
        except FileFormatError:
            header = None
        if header is not None and header.first_record_onset and header.start_time is not None:
            onset = timedelta(seconds=header.first_record_onset)
            if abs((header.start_time - onset - start).total_seconds()) < 1.0:  # MNE's reading
                start = header.start_time
    return start + timedelta(seconds=float(raw.first_time))


def signals_from_raw(
    raw: mne.io.BaseRaw,
    *,
    roles: Sequence[str] = ROLES,
    eeg: str | None = None,
    eog: str | None = None,
    emg: str | None = None,
) -> SignalSource:
    """The channels of each role of an :class:`mne.io.Raw` (signals in volts).

    Same parameters, result and errors as :func:`~seqsleepnet.io.edf.open_psg`;
    channels in ``info['bads']`` are chosen for a role only when named.
    """
    require_raw(raw)
    filenames = getattr(raw, "filenames", None) or [None]
    source = Path(filenames[0]) if filenames[0] else None
    label = raw_label(raw)
    named: Mapping[str, str | None] = {"eeg": eeg, "eog": eog, "emg": emg}
    picks = _pick(raw, roles, named, label)
    sfreq = float(raw.info["sfreq"])
    rates = native_rates(raw)
    for pick in picks:
        check_rate(pick, rates[pick.name], label)
    layout = raw_layout(raw)

    def read(index: int) -> npt.NDArray[np.float32]:
        x = (raw.get_data(picks=[picks[index].name])[0] * 1e6).astype(np.float32)
        return layout.place(x, sfreq)

    return SignalSource(
        picks=tuple(picks),
        native_sfreq=(sfreq,) * len(picks),
        start_time=raw_start_time(raw),
        source=source,
        _read=read,
        _headers=(None,) * len(picks),
        gaps=layout.gaps,
        notes=layout.notes,
    )


def _pick(
    raw: mne.io.BaseRaw, roles: Sequence[str], named: Mapping[str, str | None], label: str
) -> list[ChannelPick]:
    """The channel of each role; one in ``info['bads']`` only when named."""
    bads = bad_channels(raw)
    wanted = {normalise_name(v) for v in named.values() if v}
    usable = [n for n in raw.ch_names if n not in bads or normalise_name(n) in wanted]
    try:
        return match_roles(usable, roles, named, source=label)
    except ChannelError as error:
        if not bads:
            raise
        raise ChannelError(
            f"{error}; channels marked bad in raw.info['bads'] ({sorted(bads)}) are used only "
            "when named"
        ) from None
