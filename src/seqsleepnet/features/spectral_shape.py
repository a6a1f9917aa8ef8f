"""The shape of a night's spectrum, and how far it lies from the training nights'.

A model whose preprocessing centres each bin on its median over the night
(``features.recording_center``) no longer sees a recording's gain, units or
filters, and so it can no longer be told apart from its input alone when a
night comes from a montage, a sleeper or equipment far from its training
data. The night's *spectral shape* keeps that information: each channel's
median log magnitude per frequency bin (over every few epochs' frames), less
its mean over 1-16 Hz, so that a gain, which lifts every bin alike, cancels
while the tilt and the bands do not. :class:`SpectralReference` holds the
mean and spread of the training nights' shapes (stored in the checkpoint);
:meth:`SpectralReference.distance` is the root-mean-square z-score of a
night's shape over the bins above 0 Hz, per channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError

if TYPE_CHECKING:
    from seqsleepnet.features.config import FeatureConfig
    from seqsleepnet.features.preprocessing import Preprocessing
    from seqsleepnet.features.recording import Recording

__all__ = ["SpectralReference", "epochs_spectral_shape", "night_spectral_shape"]

LEVEL_BAND_HZ = (1.0, 16.0)
"""Bins whose mean level is removed from a shape (where every stage has power)."""
EPOCH_STEP = 3
"""Every third epoch is enough for a median over a night."""
MIN_STD_DB = 0.5
"""Floor of the reference's spread per bin (dB), so that a bin no night moves cannot dominate."""


def night_spectral_shape(
    recording: Recording,
    preprocessing: Preprocessing,
    span: tuple[float, float] | None = None,
) -> npt.NDArray[np.float64]:
    """Spectral shape (C, F) of a conditioned recording, in dB (see the module docstring).

    ``span`` (s from the recording start) limits it to the epochs inside, e.g.
    the in-bed part of a day-long recording; the whole recording by default.
    """
    from seqsleepnet.features.epochs import epoch_signals

    epochs = epoch_signals(recording.data, preprocessing.samples_per_epoch)  # (E, C, S)
    onsets = np.arange(epochs.shape[0], dtype=np.float64) * preprocessing.epoch_seconds
    recorded = np.flatnonzero(recording.recorded_within(onsets, preprocessing.epoch_seconds, span))
    chosen = recorded[::EPOCH_STEP] if recorded.size else np.arange(epochs.shape[0])
    return epochs_spectral_shape(epochs[chosen], preprocessing.features)


def epochs_spectral_shape(
    epochs: npt.ArrayLike, features: FeatureConfig
) -> npt.NDArray[np.float64]:
    """Spectral shape (C, F) in dB of a night's conditioned epochs (E, C, S), e.g. every
    :data:`EPOCH_STEP`-th epoch of a prepared recording's ``signals``."""
    import dataclasses

    from seqsleepnet.features.stft import stft_log_magnitude

    features = dataclasses.replace(features, recording_center=False)
    images = stft_log_magnitude(np.asarray(epochs, dtype=np.float32), features)  # (E, C, T, F)
    levels = np.median(images, axis=(0, 2)).astype(np.float64)  # (C, F)
    freqs = np.arange(features.n_bins) * features.sfreq / features.n_fft
    band = (freqs >= LEVEL_BAND_HZ[0]) & (freqs <= LEVEL_BAND_HZ[1])
    return levels - levels[:, band].mean(axis=1, keepdims=True)


@dataclass(frozen=True)
class SpectralReference:
    """Mean and spread (C, F) of the spectral shapes of a model's training nights."""

    mean: npt.NDArray[np.float64]
    std: npt.NDArray[np.float64]
    nights: int

    @classmethod
    def fit(cls, shapes: Sequence[npt.NDArray[np.float64]]) -> SpectralReference:
        """From the shapes (C, F) of at least two training nights."""
        if len(shapes) < 2:
            raise ConfigError("a spectral reference needs the shapes of at least two nights")
        stacked = np.stack([np.asarray(s, dtype=np.float64) for s in shapes])  # (N, C, F)
        return cls(stacked.mean(axis=0), stacked.std(axis=0, ddof=1), len(shapes))

    def distance(self, shape: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Per channel, the RMS over the bins above 0 Hz of the shape's z-score."""
        if np.shape(shape) != self.mean.shape:
            raise ConfigError(
                f"spectral shape {np.shape(shape)} does not match the reference {self.mean.shape}"
            )
        z = (np.asarray(shape) - self.mean) / np.maximum(self.std, MIN_STD_DB)
        return np.asarray(np.sqrt(np.mean(z[:, 1:] ** 2, axis=1)))

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON and checkpoint ready)."""
        return {"mean": self.mean.tolist(), "std": self.std.tolist(), "nights": self.nights}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> SpectralReference:
        """Inverse of :meth:`to_dict`, with validation.

        Raises
        ------
        ConfigError
            Missing parts, arrays of different shapes, or values that are not finite.
        """
        try:
            mean = np.asarray(values["mean"], dtype=np.float64)
            std = np.asarray(values["std"], dtype=np.float64)
            nights = int(values["nights"])
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigError(f"spectral reference is not usable: {error}") from None
        if mean.ndim != 2 or mean.shape != std.shape or nights < 2:
            raise ConfigError(
                f"spectral reference needs (C, F) mean and std of >= 2 nights; got "
                f"{mean.shape}, {std.shape}, {nights} nights"
            )
        if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std >= 0).all()):
            raise ConfigError("spectral reference holds values that are not finite")
        return cls(mean, std, nights)
