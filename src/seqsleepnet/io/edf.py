"""Read PSG recordings (EDF, EDF+, BDF): the channels of each role.

:func:`open_psg` validates the header (:mod:`seqsleepnet.io.edf_header`),
picks one channel per role (:mod:`seqsleepnet.io.channels`) and returns a
:class:`SignalSource` that reads each chosen channel at its own rate, in
microvolts, when asked (straight from the data records,
:mod:`seqsleepnet.io.edf_samples`, or through MNE for duplicate labels), and
checks what it read: NaN and flat channels are refused, a partly clipped
channel and the gaps of an EDF+D file are notes
(:class:`~seqsleepnet.io.notes.SignalNote`) that become quality flags of the
staged night. An :class:`mne.io.Raw` already in memory gives the same object
through :func:`seqsleepnet.io.raw.signals_from_raw`. This module only reads:
filtering and resampling live in :mod:`seqsleepnet.features.conditioning`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import FileFormatError, SignalError
from seqsleepnet.io.channels import ROLES, ChannelPick, match_roles
from seqsleepnet.io.edf_header import EdfHeader, SignalHeader, read_edf_header
from seqsleepnet.io.edf_records import record_onsets
from seqsleepnet.io.edf_samples import read_signal
from seqsleepnet.io.notes import SignalNote, SignalWarning, warn_notes
from seqsleepnet.io.plausibility import MIN_SFREQ
from seqsleepnet.io.units import microvolts_per_unit, mne_microvolts_per_unit

__all__ = [
    "MIN_SFREQ",
    "SignalNote",
    "SignalSource",
    "SignalWarning",
    "check_rate",
    "open_psg",
    "read_channel",
]

log = logging.getLogger(__name__)

# Seconds of signal read from the file per MNE call.
READ_SECONDS = 3600.0

# Share of samples pinned at a channel's extreme values (the amplifier or converter
# rails) from which a channel is reported as clipped: a quality flag of the night from
# CLIP_WARN_FRACTION on (staged, but not to be trusted as it is), an error from
# CLIP_ERROR_FRACTION on (most of the signal is lost).
#
# What 1% means: a sample at a rail is one whose true value lay beyond the file's
# physical range, so the converter kept only the rail. An EEG recorded with a range that
# fits it (Sleep-EDF, SHHS and MASS use several hundred microvolts) never sits there: its
# share is 0 in the synthetic and bundled training nights. 1% of a night is about 5 min
# of signal in an 8-h night, or 0.3 s in every 30-s epoch: the peaks of the largest waves
# (the >75 uV delta of N3, K-complexes, movement) are cut flat, which lowers their power
# and adds harmonics to the spectrum the model reads, so the stages of those epochs
# (mostly deep sleep) are no longer what the model would say of the true signal.
CLIP_WARN_FRACTION = 0.01
CLIP_ERROR_FRACTION = 0.5


def _check_signal(x: npt.NDArray[np.floating[Any]], name: str, source: str) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        raise SignalError(
            f"{source}: channel {name!r} has {int(bad.sum())} NaN/inf samples "
            f"(first at sample {int(np.argmax(bad))}); repair or exclude the channel"
        )
    if x.size and np.ptp(x) == 0:
        raise SignalError(
            f"{source}: channel {name!r} is flat (constant {x[0]:g} uV): the electrode was "
            "disconnected or the channel is empty; name another with --eeg/--eog/--emg"
        )


def _check_clipping(
    x: npt.NDArray[np.floating[Any]], signal: SignalHeader | None, pick: ChannelPick, source: str
) -> SignalNote | None:
    """A note about a channel with many samples at the rails of its file, or an error.

    The rails are the physical values of the digital minimum and maximum: a
    signal beyond them was clipped by the amplifier or converter. At least
    :data:`CLIP_WARN_FRACTION` of the samples there gives a note (a quality
    flag of the night), at least :data:`CLIP_ERROR_FRACTION` an error.
    """
    if signal is None or signal.rails is None or x.size == 0:
        return None
    name = pick.name
    low, high = signal.rails
    tolerance = 0.5 * (high - low) / (signal.digital_range[1] - signal.digital_range[0])
    fraction = float(np.mean((x <= low + tolerance) | (x >= high - tolerance)))
    if fraction >= CLIP_ERROR_FRACTION:
        raise SignalError(
            f"{source}: channel {name!r} is clipped: {fraction:.0%} of its samples sit at the "
            f"rails ({low:g} / {high:g} uV), more than {CLIP_ERROR_FRACTION:.0%}; check the "
            "amplifier gain and the file's physical range, or name another channel with "
            "--eeg/--eog/--emg"
        )
    if fraction < CLIP_WARN_FRACTION:
        return None
    return SignalNote(
        "signal",
        "clipping",
        f"{pick.role.upper()} channel {name!r} is partly clipped: {fraction:.1%} of "
        f"its samples sit at the rails ({low:g} / {high:g} uV), at least "
        f"{CLIP_WARN_FRACTION:.0%}: the signal went beyond the amplifier's or the file's "
        "range; epochs with clipped signal (mostly the largest waves, deep sleep) are "
        "staged unreliably",
        role=pick.role,
        channel=name,
        value=round(fraction, 4),
        threshold=CLIP_WARN_FRACTION,
    )


def _read_channel(
    path: Path, header: EdfHeader, name: str
) -> tuple[npt.NDArray[np.float32], float]:
    """Read one channel at its native rate, in microvolts (float32).

    A channel whose label is unique in the header is read straight from the
    data records (:func:`seqsleepnet.io.edf_samples.read_signal`, whatever
    the file's name). Otherwise MNE, which renames duplicate labels, reads it
    in pieces of :data:`READ_SECONDS` straight into a float32 array, so that a
    long recording never exists as a float64 copy; MNE reads a file only by a
    name ending in ``.edf``/``.bdf``, so any other (ISRUC's ``.rec``) is
    handed to it as an open file, which MNE reads preloaded, and its scaling
    is corrected to the one table of unit spellings. The records of an
    EDF+D file come one after another, as if contiguous (:func:`_at_true_times`
    places them).
    """
    labels = [s.label for s in header.signals]
    if labels.count(name) == 1:
        index = labels.index(name)
        x, sfreq = read_signal(header, index), header.signals[index].sfreq
    else:
        unit = next(s.physical_dimension for s in header.signals if s.label == name)
        factor = microvolts_per_unit(unit)  # first: an ambiguous unit is refused before MNE
        x, sfreq = _read_with_mne(path, header, name)
        if factor != mne_microvolts_per_unit(unit):  # MNE reads e.g. "nV" or "uv" as volts
            x *= np.float32(factor / mne_microvolts_per_unit(unit))
    return x, sfreq


def _read_with_mne(
    path: Path, header: EdfHeader, name: str
) -> tuple[npt.NDArray[np.float32], float]:
    import mne  # only files the direct reader leaves to MNE

    reader = mne.io.read_raw_bdf if header.kind.startswith("BDF") else mne.io.read_raw_edf
    try:
        if path.suffix.lower() == f".{header.kind.lower()}":
            raw = reader(path, include=[name], preload=False, verbose="error")
        else:  # MNE refuses other names (ISRUC's .rec) unless given the open file, preloaded
            with open(path, "rb") as handle:
                raw = reader(handle, include=[name], preload=True, verbose="error")
        sfreq = float(raw.info["sfreq"])
        n = raw.n_times
        x = np.empty(n, dtype=np.float32)
        step = max(1, round(READ_SECONDS * sfreq))
        for start in range(0, n, step):
            stop = min(n, start + step)
            x[start:stop] = raw.get_data(start=start, stop=stop)[0] * 1e6
    except (ValueError, RuntimeError, OSError) as error:
        raise FileFormatError(path, f"MNE could not read channel {name!r}: {error}") from error
    return x, sfreq


def _at_true_times(
    x: npt.NDArray[np.float32], sfreq: float, header: EdfHeader
) -> npt.NDArray[np.float32]:
    """The records of a channel placed at their onsets; the gaps of EDF+D hold zeros.

    ``x`` holds the records one after another, as they are stored.
    """
    if not header.gaps:
        return x
    per_record = round(header.record_duration * sfreq)
    starts = np.rint(record_onsets(header.n_records, header.record_duration, header.gaps) * sfreq)
    placed = np.zeros(int(starts[-1]) + per_record, dtype=np.float32)
    for k, start in enumerate(starts.astype(np.int64)):
        placed[start : start + per_record] = x[k * per_record : (k + 1) * per_record]
    return placed


def read_channel(path: Path, header: EdfHeader, name: str) -> npt.NDArray[np.float32]:
    """One channel of a file at its native rate, in microvolts, without any check.

    The recorded samples only: the gaps of an EDF+D file are left out.
    """
    return _read_channel(path, header, name)[0]


def check_rate(pick: ChannelPick, sfreq: float, source: str) -> None:
    if sfreq < MIN_SFREQ[pick.role]:
        raise SignalError(
            f"{source}: {pick.role.upper()} channel {pick.name!r} is sampled at {sfreq:g} Hz; "
            f"at least {MIN_SFREQ[pick.role]:g} Hz is needed for the 0-50 Hz features; "
            "name another channel or use a recording with a higher rate"
        )


@dataclass(frozen=True)
class SignalSource:
    """The channels chosen for their roles in one recording, read on demand.

    Channels are read one at a time (:meth:`channel`), so that a long
    recording never holds more than one channel at its native rate.

    Attributes
    ----------
    picks : tuple of ChannelPick
        The channel of each role, in role order.
    native_sfreq : tuple of float
        Sampling rate of each picked channel in Hz.
    start_time : datetime or None
        Wall-clock time of the first sample, when the file says.
    source : Path or None
        The file, for messages and output names.
    gaps : tuple of (float, float)
        Spans (start, end) in seconds without samples (EDF+D); channels hold
        zeros there, so that every sample keeps its true time.
    notes : tuple of SignalNote
        What the header shows that the night's quality must report (the gaps);
        :meth:`checked` gives each channel's own.
    """

    picks: tuple[ChannelPick, ...]
    native_sfreq: tuple[float, ...]
    start_time: datetime | None
    source: Path | None
    _read: Callable[[int], npt.NDArray[np.float32]] = field(repr=False)
    _headers: tuple[SignalHeader | None, ...] = field(repr=False)
    gaps: tuple[tuple[float, float], ...] = ()
    notes: tuple[SignalNote, ...] = ()

    @property
    def label(self) -> str:
        """How messages name the recording."""
        return str(self.source) if self.source is not None else "Raw"

    @property
    def roles(self) -> tuple[str, ...]:
        """Role of each channel."""
        return tuple(p.role for p in self.picks)

    @property
    def ch_names(self) -> tuple[str, ...]:
        """Name of each channel as in the file."""
        return tuple(p.name for p in self.picks)

    def checked(self, index: int) -> tuple[npt.NDArray[np.float32], tuple[SignalNote, ...]]:
        """Read and check channel ``index``: its samples (native rate, microvolts) and notes.

        Returns
        -------
        x : ndarray of float32, shape (N,)
        notes : tuple of SignalNote
            A partly clipped channel (at least :data:`CLIP_WARN_FRACTION` of
            its samples at the rails); empty when nothing was found.

        Raises
        ------
        SignalError
            NaN/inf samples, a flat channel, or most samples at the rails.
        """
        x = self._read(index)
        pick = self.picks[index]
        _check_signal(x, pick.name, self.label)
        clipped = _check_clipping(x, self._headers[index], pick, self.label)
        return x, (clipped,) if clipped is not None else ()

    def channel(self, index: int) -> npt.NDArray[np.float32]:
        """Read and check channel ``index`` at its native rate, in microvolts.

        Raises
        ------
        SignalError
            NaN/inf samples, a flat channel, or most samples at the rails.

        Warns
        -----
        SignalWarning
            For each note of :meth:`checked` (a partly clipped channel).
        """
        x, notes = self.checked(index)
        warn_notes(notes, self.label, stacklevel=2)
        return x


def _gap_notes(header: EdfHeader) -> tuple[SignalNote, ...]:
    """The note of a discontinuous (EDF+D/BDF+D) recording: its gaps and what they cost."""
    if not header.gaps:
        return ()
    lost = sum(end - start for start, end in header.gaps)
    first_start, first_end = header.gaps[0]
    return (
        SignalNote(
            "recording",
            "gap",
            f"discontinuous recording ({header.kind}) with {len(header.gaps)} gap(s) "
            f"of {lost:g} s in all ({lost / 60.0:.1f} min), the first from {first_start:g} s "
            f"to {first_end:g} s: nothing was recorded there, the epochs in a gap are left "
            "unscored (UNS); the sleep statistics count them as unscored time in the time in "
            "bed and the sleep period, never as sleep or wake",
            value=round(float(lost), 3),
            threshold=0.0,
        ),
    )


def _records_note(header: EdfHeader) -> tuple[SignalNote, ...]:
    """The note of a header that counts fewer data records than its file holds.

    Every whole record is read (:func:`~seqsleepnet.io.edf_header.read_edf_header`);
    the note says so, since the header and the file disagree on the recording's end.
    """
    if header.declared_records is None:
        return ()
    declared, held = header.declared_records, header.n_records
    hours = declared * header.record_duration / 3600.0, held * header.record_duration / 3600.0
    minutes = (held - declared) * header.record_duration / 60.0
    return (
        SignalNote(
            "recording",
            "records",
            f"the header says {declared} data records ({hours[0]:.2f} h) but the file holds "
            f"{held} ({hours[1]:.2f} h): all {held} "
            f"were read and staged, {minutes:.1f} min more than the header declares; if the last "
            f"{held - declared} records are not part of the recording, cut them off (or correct "
            "the header's number of records) and stage the file again",
            value=float(held - declared),
            threshold=0.0,
        ),
    )


def open_psg(
    path: str | Path,
    *,
    roles: Sequence[str] = ROLES,
    eeg: str | None = None,
    eog: str | None = None,
    emg: str | None = None,
) -> SignalSource:
    """Open a PSG file and choose the channel of each role.

    Only the header is read here; :meth:`SignalSource.channel` reads samples.

    Parameters
    ----------
    path : str or Path
        EDF, EDF+ or BDF file.
    roles : sequence of str
        Roles to read, in channel order (default EEG, EOG, EMG).
    eeg, eog, emg : str, optional
        Channel names to use for a role; otherwise the alias table decides.

    Returns
    -------
    SignalSource

    Raises
    ------
    FileFormatError
        Missing file, not EDF/BDF, truncated or inconsistent header.
    ChannelError
        A role's channel is absent (the message lists those present).
    SignalError
        A channel sampled too slowly for its role.
    """
    file = Path(path)
    header = read_edf_header(file)
    by_name = {s.label: s for s in header.data_signals}
    picks = match_roles(  # every label, duplicates included, so that they are refused
        [s.label for s in header.data_signals],
        roles,
        {"eeg": eeg, "eog": eog, "emg": emg},
        source=str(file),
    )
    for pick in picks:
        check_rate(pick, by_name[pick.name].sfreq, str(file))
    log.info("opened %s: %s", file, ", ".join(f"{p.role}={p.name}" for p in picks))
    return SignalSource(
        gaps=header.gaps,
        notes=_gap_notes(header) + _records_note(header),
        picks=tuple(picks),
        native_sfreq=tuple(by_name[p.name].sfreq for p in picks),
        start_time=header.start_time,
        source=file,
        _read=lambda i: _at_true_times(
            read_channel(file, header, picks[i].name), by_name[picks[i].name].sfreq, header
        ),
        _headers=tuple(by_name[p.name] for p in picks),
    )
