"""Can a channel carry its role? Verdicts from its header and from its samples.

A channel found by name for a role (:mod:`seqsleepnet.io.channels`) may still
be unable to carry it: Sleep-EDF's "EMG submental" is a 1-Hz envelope, an EEG
may be stored at 50 Hz, an electrode may be disconnected, and a file may hold
volts where its header says microvolts. :func:`header_problems` judges what
the header says (rate, unit) and :func:`content_problems` what the samples
show (flat epochs, amplitude, spectrum). :data:`LIMITS` is the one table of
thresholds. This module reads nothing and imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.io.units import unit_problem

__all__ = [
    "LIMITS",
    "MIN_SFREQ",
    "RoleLimits",
    "content_problems",
    "epoch_spread",
    "header_problems",
]

# Lowest native rate the reader accepts per role. EEG needs the whole 0-50 Hz band of the
# features; SHHS stores EOG at 50 Hz, which keeps the eye-movement band (< 25 Hz) and is
# upsampled; Sleep-EDF stores a 1-Hz chin EMG envelope, which a model trained on such
# envelopes may read when its channel is named explicitly.
MIN_SFREQ: dict[str, float] = {"eeg": 100.0, "eog": 50.0, "emg": 1.0}


@dataclass(frozen=True)
class RoleLimits:
    """What a channel must show to carry one role.

    Attributes
    ----------
    min_sfreq : float
        Lowest native rate in Hz that carries the role's signal.
    rate_reason : str
        Why a slower channel cannot carry it (for messages).
    spread : tuple of float
        Plausible median per-epoch standard deviation in microvolts (low, high).
    max_fast_share : float or None
        Largest share of 0.5-50 Hz power above :data:`FAST_HZ` (EEG only: more
        looks like muscle activity, e.g. a chin EMG under an EEG label).
    min_muscle_share : float or None
        Smallest share of 0.5-50 Hz power above :data:`MUSCLE_HZ` (EMG only:
        less is no muscle activity, e.g. a slow envelope stored or upsampled
        at a muscle channel's rate).
    """

    min_sfreq: float
    rate_reason: str
    spread: tuple[float, float]
    max_fast_share: float | None = None
    min_muscle_share: float | None = None


LIMITS: dict[str, RoleLimits] = {
    "eeg": RoleLimits(MIN_SFREQ["eeg"], "for the 0-50 Hz features", (1.0, 500.0), 0.5),
    "eog": RoleLimits(MIN_SFREQ["eog"], "for the 0-50 Hz features", (1.0, 1000.0)),
    "emg": RoleLimits(
        50.0,
        "for a chin EMG (10-50 Hz muscle activity); a slower channel is an envelope",
        (0.05, 1000.0),
        min_muscle_share=0.1,
    ),
}
"""Thresholds of each role's verdicts."""

EPOCH_SECONDS = 30.0  # epochs the content is judged by
FLAT_SHARE = 0.5  # share of constant epochs from which a channel counts as flat
VOLTS_BELOW_UV = 1e-3  # a median epoch SD this small is volts read as microvolts
FAST_HZ = 20.0  # EEG power above this frequency is mostly muscle activity
MUSCLE_HZ = 10.0  # a chin EMG's power lies mostly above this frequency (its high-pass)
SPECTRUM_EPOCHS = 120  # epochs (evenly spread) the spectrum is estimated from


def header_problems(role: str, sfreq: float, unit: str) -> list[str]:
    """Why the header says a channel cannot carry ``role`` (empty: it can).

    Each problem reads after the channel's name: "EMG channel 'X' is sampled at 1 Hz; ...".

    Parameters
    ----------
    role : {"eeg", "eog", "emg"}
    sfreq : float
        Native sampling rate in Hz.
    unit : str
        Physical dimension from the header ("" when the header leaves it blank).
    """
    limits = LIMITS[role]
    problems = []
    if sfreq < limits.min_sfreq:
        problems.append(
            f"is sampled at {sfreq:g} Hz; at least {limits.min_sfreq:g} Hz is needed "
            f"{limits.rate_reason}"
        )
    if (problem := unit_problem(unit)) is not None:  # the one table of unit spellings
        problems.append(problem)
    return problems


def epoch_spread(x: npt.NDArray[np.floating[Any]], sfreq: float) -> npt.NDArray[np.float64]:
    """Standard deviation of each whole 30-s epoch (microvolts), shape (E,)."""
    n = round(EPOCH_SECONDS * sfreq)
    epochs = x[: (x.size // n) * n].reshape(-1, n) if n and x.size >= n else x[None, :]
    return np.asarray(epochs.astype(np.float64).std(axis=1))


def _fast_share(x: npt.NDArray[np.floating[Any]], sfreq: float, above: float = FAST_HZ) -> float:
    """Share of 0.5-50 Hz power above ``above`` Hz, from evenly spread epochs."""
    n = round(EPOCH_SECONDS * sfreq)
    count = x.size // n
    if count == 0:
        return 0.0
    rows = np.unique(np.linspace(0, count - 1, min(count, SPECTRUM_EPOCHS)).astype(int))
    epochs = np.stack([x[r * n : (r + 1) * n] for r in rows]).astype(np.float64)
    power = np.abs(np.fft.rfft(epochs - epochs.mean(axis=1, keepdims=True), axis=1)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
    band = power[:, (freqs >= 0.5) & (freqs < 50.0)].sum()
    fast = power[:, (freqs >= above) & (freqs < 50.0)].sum()
    return float(fast / band) if band > 0 else 0.0


MICROVOLTS_AS_VOLTS = 1e4
"""A spread above this many times a role's highest is read as microvolts marked as volts
(a million times too large; a gain error is far smaller)."""


def content_problems(
    role: str, x: npt.NDArray[np.floating[Any]], sfreq: float
) -> tuple[list[str], dict[str, float]]:
    """Why a channel's samples cannot carry ``role``, and what was measured.

    Parameters
    ----------
    role : {"eeg", "eog", "emg"}
    x : ndarray, shape (N,)
        The channel at its native rate, in microvolts as the header scales it.
    sfreq : float
        Native rate in Hz.

    Returns
    -------
    problems : list of str
        Empty when the channel is plausible.
    measures : dict
        ``flat_share`` (share of constant epochs), ``median_sd_uv`` (median
        epoch SD of the non-constant epochs) and, for EEG, ``fast_share``.
    """
    limits = LIMITS[role]
    if not np.isfinite(x).all():
        return [f"has {int((~np.isfinite(x)).sum())} NaN/inf samples"], {}
    spread = epoch_spread(x, sfreq)
    flat = spread == 0.0
    measures = {"flat_share": float(flat.mean())}
    if measures["flat_share"] >= FLAT_SHARE:
        return [
            f"is flat in {measures['flat_share']:.0%} of its epochs (disconnected or empty)"
        ], measures
    median = float(np.median(spread[~flat]))
    measures["median_sd_uv"] = median
    low, high = limits.spread
    problems = []
    if median < VOLTS_BELOW_UV:
        problems.append(
            f"has a median epoch SD of {median:.3g} uV: the values look like volts, not "
            f"microvolts (expected {low:g}-{high:g} uV); fix the header's physical dimension"
        )
    elif median < low:
        problems.append(
            f"has a median epoch SD of {median:.3g} uV: the values look like millivolts, not "
            f"microvolts (expected {low:g}-{high:g} uV); fix the header's physical dimension"
        )
    elif median > high * MICROVOLTS_AS_VOLTS:
        problems.append(
            f"has a median epoch SD of {median:.3g} uV, about a million times that of any "
            f"{role.upper()}: microvolts marked as volts (an mne Raw holds volts: multiply "
            "its data by 1e-6; a file needs its header's physical dimension fixed)"
        )
    elif median > high:
        problems.append(
            f"has a median epoch SD of {median:.3g} uV, above the {high:g} uV of any "
            f"{role.upper()}: a gain or unit error"
        )
    if limits.max_fast_share is not None and not problems:
        measures["fast_share"] = _fast_share(x, sfreq)
        if measures["fast_share"] > limits.max_fast_share:
            problems.append(
                f"has {measures['fast_share']:.0%} of its 0.5-50 Hz power above {FAST_HZ:g} Hz, "
                "like muscle activity (a chin EMG?), not an EEG"
            )
    whole_epoch = x.size >= round(EPOCH_SECONDS * sfreq)  # a shorter one is refused elsewhere
    if limits.min_muscle_share is not None and not problems and whole_epoch:
        measures["muscle_share"] = _fast_share(x, sfreq, MUSCLE_HZ)
        if measures["muscle_share"] < limits.min_muscle_share:
            problems.append(
                f"has only {measures['muscle_share']:.1%} of its 0.5-50 Hz power above "
                f"{MUSCLE_HZ:g} Hz, less than the {limits.min_muscle_share:.0%} of any chin EMG: "
                "no muscle activity (a slow envelope, like Sleep-EDF's 1-Hz EMG, stored or "
                "resampled at a higher rate?)"
            )
    return problems, measures
