"""Conditioned recordings: the channels of a PSG at the target rate, in microvolts.

:func:`condition_signals` turns what :mod:`seqsleepnet.io.edf` read (a
:class:`~seqsleepnet.io.edf.SignalSource`) into a :class:`Recording`,
filtering and resampling one channel at a time. The usual way in is
:meth:`seqsleepnet.features.preprocessing.Preprocessing.read`. What reading
and conditioning found about the signal (clipping, an implausible amplitude,
EDF+D gaps) travels with the recording as :attr:`Recording.notes`, which the
night's quality assessment turns into flags.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import SignalError
from seqsleepnet.features.conditioning import condition_in_chunks, resample
from seqsleepnet.features.config import ConditioningConfig
from seqsleepnet.hypnogram import clock_after
from seqsleepnet.io.edf import SignalSource
from seqsleepnet.io.notes import SignalNote, warn_notes

__all__ = ["Recording", "condition_signals"]

# Plausible standard deviation (microvolts) of a conditioned signal per role.
_PLAUSIBLE_STD: dict[str, tuple[float, float]] = {
    "eeg": (1.0, 500.0),
    "eog": (1.0, 1000.0),
    "emg": (0.05, 1000.0),
}


@dataclass
class Recording:
    """A PSG recording ready for feature extraction.

    Attributes
    ----------
    data : ndarray of float32, shape (C, N)
        Conditioned signals in microvolts at :attr:`sfreq`.
    ch_names : list of str
        Channel names as in the source file, one per row of ``data``.
    roles : list of str
        Role of each channel: ``"eeg"``, ``"eog"`` or ``"emg"``.
    sfreq : float
        Sampling rate in Hz (the preprocessing's target rate).
    start_time : datetime or None
        Wall-clock time of the first sample, when the file says.
    source : Path or None
        File the recording was read from.
    native_sfreq : list of float
        Sampling rate of each channel in the source file.
    gaps : tuple of (float, float)
        Spans (start, end) in seconds that hold no recorded signal (EDF+D).
    notes : tuple of SignalNote
        What reading and conditioning found that makes the stages less
        trustworthy (a partly clipped channel, an implausible amplitude, the
        gaps); each becomes a quality flag of the staged night.
    """

    data: npt.NDArray[np.float32]
    ch_names: list[str]
    roles: list[str]
    sfreq: float
    start_time: datetime | None = None
    source: Path | None = None
    native_sfreq: list[float] = field(default_factory=list)
    gaps: tuple[tuple[float, float], ...] = ()
    notes: tuple[SignalNote, ...] = ()

    @property
    def n_samples(self) -> int:
        """Number of samples per channel."""
        return int(self.data.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.n_samples / self.sfreq

    def crop(self, first: int, stop: int) -> Recording:
        """Samples ``[first, stop)`` as a recording of their own: its start time and gaps
        (EDF+D) moved to the new start, gaps outside it dropped."""
        if not 0 <= first <= stop <= self.n_samples:
            raise ValueError(f"crop [{first}, {stop}) outside the {self.n_samples} samples")
        begin, end = first / self.sfreq, stop / self.sfreq
        gaps = tuple(
            (max(a, begin) - begin, min(b, end) - begin)
            for a, b in self.gaps
            if a < end and b > begin
        )
        return replace(
            self,
            data=self.data[:, first:stop],
            start_time=None if self.start_time is None else clock_after(self.start_time, begin),
            gaps=gaps,
        )

    def in_gaps(self, onsets: npt.NDArray[np.float64], length: float) -> npt.NDArray[np.bool_]:
        """Which epochs (onsets in s, ``length`` s long) overlap a gap of the recording."""
        mask = np.zeros(onsets.shape, dtype=bool)
        for start, end in self.gaps:
            mask |= (onsets < end) & (onsets + length > start)
        return mask

    def recorded_within(
        self,
        onsets: npt.NDArray[np.float64],
        length: float,
        span: tuple[float, float] | None = None,
    ) -> npt.NDArray[np.bool_]:
        """Which epochs hold recorded signal and lie wholly inside ``span``.

        The epochs a recording-centred model takes each bin's median over, and
        a night's spectral shape is measured on: outside the gaps (EDF+D) and,
        when ``span`` is given (the in-bed part of a day-long recording), inside it.

        Parameters
        ----------
        onsets : numpy.ndarray of float64, shape (E,)
            Epoch onsets in seconds from the recording start.
        length : float
            Epoch length in seconds.
        span : (float, float), optional
            Start and end in seconds from the recording start; the whole
            recording by default.

        Returns
        -------
        numpy.ndarray of bool, shape (E,)
        """
        mask = ~self.in_gaps(onsets, length)
        if span is not None:
            mask &= (onsets >= span[0]) & (onsets + length <= span[1])
        return mask

    @property
    def name(self) -> str:
        """Short name for messages and output files."""
        return self.source.stem if self.source is not None else "recording"


def _amplitude_note(
    x: npt.NDArray[np.floating[Any]], name: str, role: str, source: str
) -> SignalNote | None:
    """A note when a conditioned channel's standard deviation is outside its role's range."""
    low, high = _PLAUSIBLE_STD[role]
    std = float(np.std(x))
    if low <= std <= high:
        return None
    hint = "volts instead of microvolts?" if std < low else "a scaling or unit error?"
    return SignalNote(
        "signal",
        "amplitude",
        f"{role.upper()} channel {name!r} has a standard deviation of {std:.3g} uV, "
        f"outside the usual {low:g}-{high:g} uV ({hint}); check the file's physical "
        "dimension and scaling",
        role=role,
        channel=name,
        value=round(std, 6),
        threshold=low if std < low else high,
    )


def _condition_channel(
    x: npt.NDArray[np.float32], sfreq: float, role: str, cfg: ConditioningConfig, target: float
) -> npt.NDArray[np.floating[Any]]:
    """Filter and resample one channel to the target rate (microvolts in and out).

    EMG is filtered at its native rate (the mains notches need it); EEG and
    EOG are resampled first and band-passed at the target rate, which is the
    same band on fewer samples.
    """
    if role == "emg":
        return resample(condition_in_chunks(x, sfreq, role, cfg), sfreq, target)
    return condition_in_chunks(resample(x, sfreq, target), target, role, cfg)


_WORKING_BYTES_PER_SAMPLE = 24
"""Memory one channel takes while it is conditioned, per native sample (a measured bound:
the samples, the resampler's and the filters' temporaries)."""
_THREAD_MEMORY_BYTES = 768 * 2**20
"""What the channels conditioned side by side may take together; longer recordings are
conditioned one channel at a time (a 48-h night at 256 Hz: about 1 GiB per channel)."""


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def condition_signals(
    signals: SignalSource,
    conditioning: ConditioningConfig,
    sfreq: float,
    min_samples: int = 1,
    *,
    threads: int | None = None,
    warn: bool = True,
) -> Recording:
    """Condition and resample every channel of a :class:`SignalSource`.

    Parameters
    ----------
    signals : SignalSource
        The channels of each role, as :func:`seqsleepnet.io.edf.open_psg` found them.
    conditioning : ConditioningConfig
        Filters.
    sfreq : float
        Target rate in Hz.
    min_samples : int
        Fewest samples accepted per channel at the target rate (one epoch).
    threads : int, optional
        Channels read and conditioned side by side (each holds one channel at
        its native rate plus one filtered piece); by default one per channel,
        at most one per available core, and only as many as fit in
        :data:`_THREAD_MEMORY_BYTES` (the first channel, conditioned alone,
        tells how long they are).
    warn : bool
        Also issue each of the recording's notes as a :class:`SignalWarning`
        (for callers that do not read :attr:`Recording.notes`; the stager,
        which turns them into quality flags, does not).

    Returns
    -------
    Recording
        Data of shape (C, N) in microvolts at ``sfreq``, with the notes of
        what reading and conditioning found (:attr:`Recording.notes`).

    Raises
    ------
    SignalError
        A channel that cannot be read as a signal, or less than one epoch of signal.

    Warns
    -----
    SignalWarning
        With ``warn``: a partly clipped channel, one with an implausible
        amplitude, the gaps of an EDF+D recording.
    """

    native_samples: list[int] = []
    found: dict[int, list[SignalNote]] = {}

    def prepared(index: int) -> npt.NDArray[np.floating[Any]]:
        pick = signals.picks[index]
        x, notes = signals.checked(index)
        native_samples.append(x.size)
        y = _condition_channel(x, signals.native_sfreq[index], pick.role, conditioning, sfreq)
        amplitude = _amplitude_note(y, pick.name, pick.role, signals.label)
        found[index] = [*notes, *([amplitude] if amplitude is not None else [])]
        return y

    channels = [prepared(0)]  # its length bounds how many channels may be worked on at once
    rest = range(1, len(signals.picks))
    per_channel = max(1, native_samples[0] * _WORKING_BYTES_PER_SAMPLE)
    workers = min(
        len(rest),
        threads if threads is not None else _available_cores(),
        max(1, _THREAD_MEMORY_BYTES // per_channel),
    )
    if workers <= 1:
        channels += [prepared(i) for i in rest]
    else:  # SciPy's filters and NumPy release the GIL: channels side by side
        with ThreadPoolExecutor(max_workers=workers) as pool:
            channels += list(pool.map(prepared, rest))
    n = min(c.size for c in channels)
    if n < min_samples:
        raise SignalError(
            f"{signals.label}: only {n / sfreq:.1f} s of signal; at least one "
            f"{min_samples / sfreq:g}-s epoch is needed"
        )
    notes = (*signals.notes, *(n for i in sorted(found) for n in found[i]))
    if warn:
        warn_notes(notes, signals.label, stacklevel=2)
    return Recording(
        data=np.stack([c[:n] for c in channels], dtype=np.float32),  # one copy, (C, N)
        ch_names=list(signals.ch_names),
        roles=list(signals.roles),
        sfreq=sfreq,
        start_time=signals.start_time,
        source=signals.source,
        native_sfreq=list(signals.native_sfreq),
        gaps=signals.gaps,
        notes=notes,
    )
