"""Per-epoch signal measures: is this stretch of a channel still the signal of its role?

The night's other quality measures (amplitude, spectral shape, input
distribution) are medians or means over the whole night, so a problem in part
of it stays silent: an electrode that comes off for the last two hours, or an
amplifier gain changed at midnight. Two measures per epoch and channel, from
the epoch's log-magnitude spectrum (the STFT of the model input, before any
centring or normalisation, averaged over its frames) tell such spans apart:

- ``level`` (dB): the median over the bins of 0.5-35 Hz of the epoch's
  departure from each bin's median over the recording, less the night's
  typical level (the median of the densest :data:`TYPICAL_WIDTH_DB` of
  levels, where most epochs lie). A gain change lifts
  every bin alike and so moves the median by its full size (x5: +14 dB,
  x0.2: -14 dB); sleep stages move the low bins up and the high ones down
  (slow waves against alpha and beta), which the median over bins mostly
  cancels.
- ``tilt`` (dB): the mean log magnitude over 1-8 Hz less that over 20-35 Hz.
  EEG power falls steeply with frequency in every stage, so the tilt of an
  EEG is well above 0; the noise left of a disconnected electrode after the
  band-pass and resampling (the mains hum filtered away) is flat, tilt near
  0. Only meaningful for EEG: an EOG can be flat too, and a chin EMG is
  high-passed.

Both are smoothed with a running median over :data:`SMOOTH_EPOCHS` epochs,
so that one epoch of movement does not count, while a span of minutes does.
:func:`seqsleepnet.quality.assess_night` compares them with its thresholds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from seqsleepnet.features.epochs import epoch_signals
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.features.recording import Recording
from seqsleepnet.features.stft import stft_log_magnitude

__all__ = ["LEVEL_BAND_HZ", "SMOOTH_EPOCHS", "EpochSignal", "epoch_signal"]

LEVEL_BAND_HZ = (0.5, 35.0)
"""Bins whose median departure is an epoch's level (inside the EEG/EOG band-pass)."""
TILT_LOW_HZ = (1.0, 8.0)
TILT_HIGH_HZ = (20.0, 35.0)
"""Bands whose mean log magnitudes' difference is an epoch's tilt."""
TYPICAL_WIDTH_DB = 6.0
"""Width of the window of levels that holds most epochs: its median is the night's typical
level (a gain changed for half the night would put the plain median between the halves)."""
SMOOTH_EPOCHS = 5
"""Running median over this many epochs (2.5 min of 30-s epochs) before thresholds."""
_CHUNK = 256  # epochs per STFT call: bounds the (e, C, T, F) intermediate


@dataclass(frozen=True)
class EpochSignal:
    """Smoothed per-epoch measures of each channel of a recording.

    Attributes
    ----------
    level : ndarray of float32, shape (E, C)
        Departure of each epoch's spectrum from the channel's median
        spectrum over the recording (dB, median over bins).
    tilt : ndarray of float32, shape (E, C)
        Mean log magnitude over 1-8 Hz less that over 20-35 Hz (dB).
    roles : tuple of str
        Role of each channel.
    channels : tuple of str
        Name of each channel in the file.
    recorded : ndarray of bool, shape (E,)
        Epochs that hold recorded signal (False in the gaps of an EDF+D file,
        which take no part in the medians and are never flagged).
    """

    level: npt.NDArray[np.float32]
    tilt: npt.NDArray[np.float32]
    roles: tuple[str, ...]
    channels: tuple[str, ...]
    recorded: npt.NDArray[np.bool_]


def _running_median(x: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.float32]:
    """Running median over ``k`` (odd) rows of (E, C), the ends padded with their values."""
    if x.shape[0] == 0 or k <= 1:
        return x
    half = k // 2
    padded = np.pad(x, ((half, half), (0, 0)), mode="edge")
    return np.median(sliding_window_view(padded, k, axis=0), axis=-1).astype(np.float32)


def _typical(level: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Per channel of (E, C), the median of the levels in the densest window of
    :data:`TYPICAL_WIDTH_DB` (0 without epochs)."""
    out = np.zeros(level.shape[1], dtype=np.float32)
    for c in range(level.shape[1]):
        values = np.sort(level[:, c])
        if values.size == 0:
            continue
        inside = np.searchsorted(values, values + TYPICAL_WIDTH_DB, side="right") - np.arange(
            values.size
        )  # epochs in [v, v + width] for each v
        first = int(np.argmax(inside))
        out[c] = np.median(values[first : first + int(inside[first])])
    return out


def epoch_signal(recording: Recording, preprocessing: Preprocessing) -> EpochSignal:
    """The smoothed per-epoch ``level`` and ``tilt`` of every channel of a recording.

    Parameters
    ----------
    recording : Recording
        Conditioned signals (:meth:`Preprocessing.read`).
    preprocessing : Preprocessing
        Its preprocessing: epoch length and STFT settings (never centred here).

    Returns
    -------
    EpochSignal
        Measures of shape (E, C), E the whole epochs of the recording.
    """
    features = dataclasses.replace(preprocessing.features, recording_center=False)
    epochs = epoch_signals(recording.data, preprocessing.samples_per_epoch)  # (E, C, S)
    n_epochs, n_channels = epochs.shape[:2]
    spectra = np.empty((n_epochs, n_channels, features.n_bins), dtype=np.float32)
    for start in range(0, n_epochs, _CHUNK):  # (e, C, T, F) -> (e, C, F): frames averaged
        spectra[start : start + _CHUNK] = stft_log_magnitude(
            epochs[start : start + _CHUNK], features
        ).mean(axis=2)
    freqs = np.arange(features.n_bins) * features.sfreq / features.n_fft

    def band(limits: tuple[float, float]) -> npt.NDArray[np.bool_]:
        return (freqs >= limits[0]) & (freqs <= limits[1])

    onsets = np.arange(n_epochs, dtype=np.float64) * preprocessing.epoch_seconds
    recorded = ~recording.in_gaps(onsets, preprocessing.epoch_seconds)
    in_band = spectra[:, :, band(LEVEL_BAND_HZ)]  # (E, C, F')
    reference = np.median(in_band[recorded], axis=0) if recorded.any() else 0.0  # (C, F')
    level = np.median(in_band - reference, axis=2)  # (E, C)
    level -= _typical(level[recorded])  # (C,)
    tilt = spectra[:, :, band(TILT_LOW_HZ)].mean(axis=2) - spectra[:, :, band(TILT_HIGH_HZ)].mean(
        axis=2
    )
    return EpochSignal(
        level=_running_median(level.astype(np.float32), SMOOTH_EPOCHS),
        tilt=_running_median(tilt.astype(np.float32), SMOOTH_EPOCHS),
        roles=tuple(recording.roles),
        channels=tuple(recording.ch_names),
        recorded=recorded,
    )
