"""Read PSG recordings (EDF, EDF+, BDF) through MNE into a :class:`Recording`.

The data flow is: validate the header (:mod:`seqsleepnet.io.edf_header`) ->
pick one channel per role (:mod:`seqsleepnet.io.channels`) -> read each
channel at its own rate with MNE -> check it -> condition it -> resample it
to 100 Hz. An :class:`mne.io.Raw` already in memory takes the same path from
the channel pick on.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import mne
import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import FileFormatError, SignalError
from seqsleepnet.features.conditioning import (
    ConditioningConfig,
    condition_in_chunks,
    resample,
)
from seqsleepnet.io.channels import ROLES, ChannelPick, match_roles
from seqsleepnet.io.edf_header import EdfHeader, SignalHeader, read_edf_header
from seqsleepnet.io.recording import TARGET_SFREQ, Recording
from seqsleepnet.stages import EPOCH_SECONDS

__all__ = ["MIN_SFREQ", "SignalWarning", "read_recording", "recording_from_raw"]

log = logging.getLogger(__name__)

# Lowest native rate accepted per role. EEG needs the whole 0-50 Hz band of the
# features; SHHS stores EOG at 50 Hz, which keeps the eye-movement band
# (< 25 Hz) and is upsampled; Sleep-EDF stores a 1-Hz chin EMG envelope.
MIN_SFREQ: dict[str, float] = {"eeg": 100.0, "eog": 50.0, "emg": 1.0}

# Seconds of signal read from the file per MNE call.
READ_SECONDS = 3600.0

# Plausible standard deviation (microvolts) of a conditioned signal per role.
_PLAUSIBLE_STD: dict[str, tuple[float, float]] = {
    "eeg": (1.0, 500.0),
    "eog": (1.0, 1000.0),
    "emg": (0.05, 1000.0),
}


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


def _warn_if_implausible(
    x: npt.NDArray[np.floating[Any]], name: str, role: str, source: str
) -> None:
    low, high = _PLAUSIBLE_STD[role]
    std = float(np.std(x))
    if not low <= std <= high:
        hint = "volts instead of microvolts?" if std < low else "a scaling or unit error?"
        warnings.warn(
            f"{source}: {role.upper()} channel {name!r} has a standard deviation of {std:.3g} uV, "
            f"outside the usual {low:g}-{high:g} uV ({hint}); check the file's physical "
            "dimension and scaling",
            SignalWarning,
            stacklevel=3,
        )


def _prepare_channel(
    x: npt.NDArray[np.floating[Any]],
    sfreq: float,
    pick: ChannelPick,
    cfg: ConditioningConfig,
    source: str,
    signal: SignalHeader | None = None,
) -> npt.NDArray[np.floating[Any]]:
    """Check, condition and resample one channel (microvolts in, microvolts out)."""
    if sfreq < MIN_SFREQ[pick.role]:
        raise SignalError(
            f"{source}: {pick.role.upper()} channel {pick.name!r} is sampled at {sfreq:g} Hz; "
            f"at least {MIN_SFREQ[pick.role]:g} Hz is needed for the 0-50 Hz features; "
            "name another channel or use a recording with a higher rate"
        )
    _check_signal(x, pick.name, source)
    _check_clipping(x, signal, pick.name, source)
    if pick.role == "emg":  # mains notches need the native rate
        y = resample(condition_in_chunks(x, sfreq, pick.role, cfg), sfreq, TARGET_SFREQ)
    else:
        y = condition_in_chunks(resample(x, sfreq, TARGET_SFREQ), TARGET_SFREQ, pick.role, cfg)
    _warn_if_implausible(y, pick.name, pick.role, source)
    return y


def _assemble(
    channels: list[npt.NDArray[np.floating[Any]]],
    picks: list[ChannelPick],
    native: list[float],
    start_time: datetime | None,
    source: Path | None,
) -> Recording:
    n = min(c.size for c in channels)
    if n < EPOCH_SECONDS * TARGET_SFREQ:
        raise SignalError(
            f"{source or 'recording'}: only {n / TARGET_SFREQ:.1f} s of signal; at least one "
            f"{EPOCH_SECONDS:.0f}-s epoch is needed"
        )
    data = np.stack([c[:n] for c in channels]).astype(np.float32)
    return Recording(
        data=data,
        ch_names=[p.name for p in picks],
        roles=[p.role for p in picks],
        sfreq=TARGET_SFREQ,
        start_time=start_time,
        source=source,
        native_sfreq=native,
    )


def _read_channel(
    path: Path, header: EdfHeader, name: str
) -> tuple[npt.NDArray[np.float32], float]:
    """Read one channel at its native rate with MNE, in microvolts (float32).

    The file is read in pieces of :data:`READ_SECONDS` straight into a float32
    array, so that a long recording never exists as a float64 copy. MNE reads
    a file only by a name ending in ``.edf``/``.bdf``; any other (ISRUC's
    ``.rec``) is handed to it as an open file, which MNE reads preloaded: the
    channel then passes through one float64 copy.
    """
    reader = mne.io.read_raw_bdf if header.kind == "BDF" else mne.io.read_raw_edf
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


def read_recording(
    path: str | Path,
    *,
    roles: Sequence[str] = ROLES,
    eeg: str | None = None,
    eog: str | None = None,
    emg: str | None = None,
    conditioning: ConditioningConfig | None = None,
) -> Recording:
    """Read a PSG file into a :class:`Recording` of conditioned 100-Hz channels.

    Parameters
    ----------
    path : str or Path
        EDF, EDF+ or BDF file.
    roles : sequence of str
        Roles to read, in channel order (default EEG, EOG, EMG).
    eeg, eog, emg : str, optional
        Channel names to use for a role; otherwise the alias table decides.
    conditioning : ConditioningConfig, optional
        Filters; the authors' settings by default.

    Returns
    -------
    Recording
        Data of shape (len(roles), N) in microvolts at 100 Hz.

    Raises
    ------
    FileFormatError
        Missing file, not EDF/BDF, truncated or inconsistent header.
    ChannelError
        A role's channel is absent (the message lists those present).
    SignalError
        NaN/flat channels, channels with most samples at the rails (clipped),
        too low a sampling rate, shorter than one epoch.

    Warns
    -----
    SignalWarning
        A channel partly clipped (at least 1% of samples at the rails) or with
        an implausible amplitude.
    """
    path = Path(path)
    header = read_edf_header(path)
    cfg = conditioning or ConditioningConfig()
    by_name = {s.label: s for s in header.data_signals}
    picks = match_roles(  # every label, duplicates included, so that they are refused
        [s.label for s in header.data_signals],
        roles,
        {"eeg": eeg, "eog": eog, "emg": emg},
        source=str(path),
    )
    channels, native = [], []
    for pick in picks:
        x, sfreq = _read_channel(path, header, pick.name)
        native.append(by_name[pick.name].sfreq)
        channels.append(_prepare_channel(x, sfreq, pick, cfg, str(path), by_name[pick.name]))
    log.info("read %s: %s", path, ", ".join(f"{p.role}={p.name}" for p in picks))
    return _assemble(channels, picks, native, header.start_time, path)


def recording_from_raw(
    raw: mne.io.BaseRaw,
    *,
    roles: Sequence[str] = ROLES,
    eeg: str | None = None,
    eog: str | None = None,
    emg: str | None = None,
    conditioning: ConditioningConfig | None = None,
) -> Recording:
    """Build a :class:`Recording` from an :class:`mne.io.Raw` (signals in volts).

    Same parameters, result and errors as :func:`read_recording`.
    """
    filenames = getattr(raw, "filenames", None) or [None]
    source = Path(filenames[0]) if filenames[0] else None
    label = str(source) if source else "Raw"
    cfg = conditioning or ConditioningConfig()
    picks = match_roles(raw.ch_names, roles, {"eeg": eeg, "eog": eog, "emg": emg}, source=label)
    sfreq = float(raw.info["sfreq"])
    data = raw.get_data(picks=[p.name for p in picks]) * 1e6
    channels = [_prepare_channel(x, sfreq, p, cfg, label) for x, p in zip(data, picks, strict=True)]
    meas_date = raw.info["meas_date"]
    start = meas_date.replace(tzinfo=None) if meas_date is not None else None
    return _assemble(channels, picks, [sfreq] * len(picks), start, source)
