"""The settings of the paper's preprocessing: features (epochs, STFT) and signal conditioning.

Settings only, no signal processing, so that reading or printing them loads nothing heavy;
:mod:`seqsleepnet.features.conditioning` and :mod:`seqsleepnet.features.stft` apply them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from seqsleepnet.errors import ConfigError
from seqsleepnet.stages import EPOCH_SECONDS

__all__ = ["ConditioningConfig", "FeatureConfig"]


@dataclass(frozen=True)
class FeatureConfig:
    """How a 30-s epoch becomes a time-frequency image.

    Defaults are the paper's: 100 Hz, 30-s epochs, 2-s symmetric Hamming
    window, 50% overlap, 256-point FFT -> 29 frames x 129 bins, 20*log10|X|.

    ``recording_center=True`` (off in the paper) subtracts from each channel
    and frequency bin its median over the recording (all frames of its
    recorded epochs), as cepstral mean normalisation does in speech
    recognition. Any fixed linear response of the recording chain (amplifier
    gain, units, electrode impedance, the recording filters, a montage's
    spectral tilt) multiplies the spectrum, so it adds a constant to each bin
    of the log magnitude and is removed; what is left is how the night's
    spectrum changes over time. The bundled models use it.
    """

    sfreq: float = 100.0
    epoch_seconds: float = EPOCH_SECONDS  # the AASM and R&K scoring epoch
    window_seconds: float = 2.0
    overlap: float = 0.5
    n_fft: int = 256
    floor: float = 1e-6  # magnitude floor before the log (uV), avoids log(0)
    recording_center: bool = False  # subtract each bin's median over the recording

    def __post_init__(self) -> None:
        for name in ("sfreq", "epoch_seconds", "window_seconds", "floor"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ConfigError(f"features.{name} must be a positive number; got {value!r}")
        if self.window_length < 2 or self.n_fft < 2:
            raise ConfigError(
                f"the STFT needs a window and an FFT of at least 2 samples; got "
                f"{self.window_length} and {self.n_fft}"
            )
        if self.window_length > self.epoch_length or self.window_length > self.n_fft:
            raise ConfigError(
                f"window of {self.window_length} samples must fit in the epoch "
                f"({self.epoch_length}) and the FFT ({self.n_fft})"
            )
        if not 0 <= self.overlap < 1 or self.hop < 1:
            raise ConfigError(
                f"overlap must be in [0, 1) and leave a hop of at least one sample; "
                f"got {self.overlap}"
            )

    @property
    def epoch_length(self) -> int:
        """Samples per epoch (3000)."""
        return round(self.sfreq * self.epoch_seconds)

    @property
    def window_length(self) -> int:
        """Samples per STFT window (200)."""
        return round(self.sfreq * self.window_seconds)

    @property
    def hop(self) -> int:
        """Samples between window starts (100)."""
        return round(self.window_length * (1 - self.overlap))

    @property
    def n_frames(self) -> int:
        """Frames per epoch (29)."""
        return 1 + (self.epoch_length - self.window_length) // self.hop

    @property
    def n_bins(self) -> int:
        """Frequency bins (129)."""
        return self.n_fft // 2 + 1


@dataclass(frozen=True)
class ConditioningConfig:
    """Filter settings per channel role (frequencies in Hz).

    ``enabled=False`` skips filtering altogether (resampling still happens).
    """

    enabled: bool = True
    band: tuple[float, float] = (0.3, 40.0)  # EEG and EOG band-pass
    fir_order: int = 100
    strict_highpass: bool = True
    emg_notch: tuple[float, ...] = (50.0, 60.0)
    emg_notch_q: float = 30.0
    emg_highpass: float = 10.0

    def __post_init__(self) -> None:
        low, high = self.band
        if not 0 < low < high:
            raise ConfigError(f"band must satisfy 0 < low < high Hz; got {self.band}")
        if self.fir_order < 2 or self.fir_order % 2:
            raise ConfigError(f"fir_order must be an even number >= 2; got {self.fir_order}")
        if not all(f > 0 for f in self.emg_notch) or not self.emg_notch_q > 0:
            raise ConfigError(
                f"emg_notch frequencies and emg_notch_q must be positive; got "
                f"{self.emg_notch}, {self.emg_notch_q}"
            )
        if not self.emg_highpass > 0:
            raise ConfigError(f"emg_highpass must be positive; got {self.emg_highpass}")
