"""Read PSG recordings (EDF, EDF+, BDF): the channels of each role.

:func:`open_psg` validates the header (:mod:`seqsleepnet.io.edf_header`),
picks one channel per role (:mod:`seqsleepnet.io.channels`) and returns a
:class:`SignalSource` that reads each chosen channel at its own rate, in
microvolts, when asked (straight from the data records,
:mod:`seqsleepnet.io.edf_samples`, or through MNE for duplicate labels), and
checks what it read (NaN, flat, clipped). An
:class:`mne.io.Raw` already in memory gives the same object through
:func:`signals_from_raw`. This module only reads: filtering and resampling
live in :mod:`seqsleepnet.features.conditioning`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import FileFormatError, SignalError
from seqsleepnet.io.channels import ROLES, ChannelPick, match_roles
from seqsleepnet.io.edf_header import EdfHeader, SignalHeader, read_edf_header
from seqsleepnet.io.edf_records import record_onsets
from seqsleepnet.io.edf_samples import read_signal
from seqsleepnet.io.plausibility import MIN_SFREQ

if TYPE_CHECKING:
    import mne

__all__ = [
    "MIN_SFREQ",
    "SignalSource",
    "SignalWarning",
    "open_psg",
    "read_channel",
    "signals_from_raw",
]

log = logging.getLogger(__name__)

# Seconds of signal read from the file per MNE call.
READ_SECONDS = 3600.0

# Fraction of samples pinned at a channel's extreme values (the amplifier or
# converter rails) above which a channel is reported as clipped: a warning from
# CLIP_WARN_FRACTION on (mostly usable), an error from CLIP_ERROR_FRACTION on.
CLIP_WARN_FRACTION = 0.01
CLIP_ERROR_FRACTION = 0.5


class SignalWarning(UserWarning):
    """A signal looks implausible (e.g. wrong units) but can still be processed."""


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
    x: npt.NDArray[np.floating[Any]], signal: SignalHeader | None, name: str, source: str
) -> None:
    """Warn about, or refuse, a channel with many samples at the rails of its file.

    The rails are the physical values of the digital minimum and maximum: a
    signal beyond them was clipped by the amplifier or converter.
    """
    if signal is None or signal.rails is None or x.size == 0:
        return
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
    if fraction >= CLIP_WARN_FRACTION:
        warnings.warn(
            f"{source}: channel {name!r} is partly clipped: {fraction:.1%} of its samples sit "
            f"at the rails ({low:g} / {high:g} uV); staging goes on, but epochs with clipped "
            "signal may be staged less reliably",
            SignalWarning,
            stacklevel=4,
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
    handed to it as an open file, which MNE reads preloaded. The records of an
    EDF+D file come one after another, as if contiguous (:func:`_at_true_times`
    places them).
    """
    labels = [s.label for s in header.signals]
    if labels.count(name) == 1:
        index = labels.index(name)
        x, sfreq = read_signal(header, index), header.signals[index].sfreq
    else:
        x, sfreq = _read_with_mne(path, header, name)
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


def _check_rate(pick: ChannelPick, sfreq: float, source: str) -> None:
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
    """

    picks: tuple[ChannelPick, ...]
    native_sfreq: tuple[float, ...]
    start_time: datetime | None
    source: Path | None
    _read: Callable[[int], npt.NDArray[np.float32]] = field(repr=False)
    _headers: tuple[SignalHeader | None, ...] = field(repr=False)
    gaps: tuple[tuple[float, float], ...] = ()

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

    def channel(self, index: int) -> npt.NDArray[np.float32]:
        """Read and check channel ``index`` at its native rate, in microvolts.

        Raises
        ------
        SignalError
            NaN/inf samples, a flat channel, or most samples at the rails.

        Warns
        -----
        SignalWarning
            At least 1% of the samples at the rails (partly clipped).
        """
        x = self._read(index)
        name = self.picks[index].name
        _check_signal(x, name, self.label)
        _check_clipping(x, self._headers[index], name, self.label)
        return x


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
        _check_rate(pick, by_name[pick.name].sfreq, str(file))
    log.info("opened %s: %s", file, ", ".join(f"{p.role}={p.name}" for p in picks))
    if header.gaps:
        lost = sum(end - start for start, end in header.gaps)
        warnings.warn(
            f"{file}: discontinuous recording ({header.kind}) with {len(header.gaps)} gap(s) of "
            f"{lost:g} s in all, the first from {header.gaps[0][0]:g} s to "
            f"{header.gaps[0][1]:g} s; epochs keep their true times and those in a gap are "
            "left unscored",
            SignalWarning,
            stacklevel=2,
        )
    return SignalSource(
        gaps=header.gaps,
        picks=tuple(picks),
        native_sfreq=tuple(by_name[p.name].sfreq for p in picks),
        start_time=header.start_time,
        source=file,
        _read=lambda i: _at_true_times(
            read_channel(file, header, picks[i].name), by_name[picks[i].name].sfreq, header
        ),
        _headers=tuple(by_name[p.name] for p in picks),
    )


def signals_from_raw(
    raw: mne.io.BaseRaw,
    *,
    roles: Sequence[str] = ROLES,
    eeg: str | None = None,
    eog: str | None = None,
    emg: str | None = None,
) -> SignalSource:
    """The channels of each role of an :class:`mne.io.Raw` (signals in volts).

    Same parameters, result and errors as :func:`open_psg`.
    """
    if not (hasattr(raw, "ch_names") and hasattr(raw, "info")):
        raise TypeError(
            f"expected the path of an EDF/BDF file or an mne.io.Raw, got {type(raw).__name__}"
        )
    filenames = getattr(raw, "filenames", None) or [None]
    source = Path(filenames[0]) if filenames[0] else None
    label = str(source) if source else "Raw"
    picks = match_roles(raw.ch_names, roles, {"eeg": eeg, "eog": eog, "emg": emg}, source=label)
    sfreq = float(raw.info["sfreq"])
    for pick in picks:
        _check_rate(pick, sfreq, label)
    meas_date = raw.info["meas_date"]
    start = meas_date.replace(tzinfo=None) if meas_date is not None else None

    def read(index: int) -> npt.NDArray[np.float32]:
        return (raw.get_data(picks=[picks[index].name])[0] * 1e6).astype(np.float32)

    return SignalSource(
        picks=tuple(picks),
        native_sfreq=(sfreq,) * len(picks),
        start_time=start,
        source=source,
        _read=read,
        _headers=(None,) * len(picks),
    )
