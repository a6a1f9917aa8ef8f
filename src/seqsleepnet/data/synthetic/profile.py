"""Per-subject parameters of a synthetic sleeper.

A :class:`SubjectProfile` holds what differs between people and stays stable
across their nights: electrode/skull amplitude, individual alpha peak and
strength, spindle density and frequency, slow-wave amplitude (which falls with
age), the aperiodic 1/f slope, recording noise and chin EMG level.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from seqsleepnet.errors import ConfigError

__all__ = ["PROFILE_RANGES", "SubjectProfile", "night_rng", "subject_rng"]


def subject_rng(seed: int, subject: int) -> np.random.Generator:
    """Random generator of one subject's identity (shared by all their nights)."""
    return np.random.default_rng([int(seed), int(subject), 0x5EB])


def night_rng(seed: int, subject: int, night: int) -> np.random.Generator:
    """Random generator of the content of one night of one subject."""
    return np.random.default_rng([int(seed), int(subject), int(night), 0x91C])


# Allowed range of each field (inclusive); used by validation and by the night jitter.
PROFILE_RANGES: dict[str, tuple[float, float]] = {
    "amplitude": (0.2, 5.0),
    "alpha_frequency": (7.0, 13.0),
    "alpha_strength": (0.0, 3.0),
    "spindle_density": (0.0, 15.0),
    "spindle_frequency": (10.5, 16.0),
    "slow_wave_amplitude": (0.1, 3.0),
    "aperiodic_slope": (-1.0, 1.0),
    "noise_level": (0.0, 50.0),
    "emg_level": (0.05, 10.0),
    "eye_movement_level": (0.05, 5.0),
    "eog_spillover": (0.0, 1.5),
    "heart_rate": (35.0, 120.0),
    "age": (5.0, 100.0),
}


@dataclass(frozen=True)
class SubjectProfile:
    """What makes one synthetic sleeper different from another.

    Attributes
    ----------
    amplitude : float
        Overall EEG scale factor (1 = typical adult; about a factor 2 across people).
    alpha_frequency : float
        Individual alpha peak frequency in Hz (8-12).
    alpha_strength : float
        Relative alpha amplitude in relaxed wake (some people show little alpha).
    spindle_density : float
        Spindles per minute of stable N2 (typically 2-7).
    spindle_frequency : float
        Individual spindle peak frequency in Hz (12-14 typical).
    slow_wave_amplitude : float
        Relative slow-wave (delta) amplitude; falls with age.
    aperiodic_slope : float
        Offset of the 1/f spectral exponent from the population mean (positive = steeper).
    noise_level : float
        Root-mean-square amplifier/environment noise in microvolts.
    emg_level : float
        Chin EMG scale factor (electrode placement, muscle tone).
    eye_movement_level : float
        EOG eye-movement scale factor.
    eog_spillover : float
        Fraction of frontal EEG that appears (in phase) on both EOG derivations.
    heart_rate : float
        Mean heart rate in beats per minute (ECG spill-over).
    age : float
        Age in years (drives ``slow_wave_amplitude`` when drawn).
    """

    amplitude: float = 1.0
    alpha_frequency: float = 10.0
    alpha_strength: float = 1.0
    spindle_density: float = 4.0
    spindle_frequency: float = 13.0
    slow_wave_amplitude: float = 1.0
    aperiodic_slope: float = 0.0
    noise_level: float = 2.0
    emg_level: float = 1.0
    eye_movement_level: float = 1.0
    eog_spillover: float = 0.4
    heart_rate: float = 62.0
    age: float = 35.0

    def __post_init__(self) -> None:
        for name, (low, high) in PROFILE_RANGES.items():
            value = float(getattr(self, name))
            if not np.isfinite(value) or not low <= value <= high:
                raise ConfigError(
                    f"SubjectProfile.{name}={value!r} is outside the allowed range "
                    f"[{low}, {high}]; pass a value inside it"
                )

    @classmethod
    def draw(cls, rng: np.random.Generator) -> SubjectProfile:
        """Draw a plausible adult sleeper.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness; the same generator state gives the same profile.

        Returns
        -------
        SubjectProfile
        """
        age = float(rng.uniform(22.0, 78.0))
        # Slow-wave amplitude roughly halves from the 20s to the 60s.
        slow = float(
            np.clip(1.35 * 2.0 ** (-(age - 22.0) / 40.0) * rng.lognormal(0.0, 0.15), 0.3, 2.5)
        )
        alpha_strength = float(np.clip(rng.lognormal(-0.1, 0.55), 0.05, 2.8))
        return cls(
            amplitude=float(np.clip(rng.lognormal(0.0, 0.25), 0.5, 2.0)),
            alpha_frequency=float(rng.uniform(8.2, 11.8)),
            alpha_strength=alpha_strength,
            spindle_density=float(np.clip(rng.normal(4.2, 1.4), 1.0, 8.0)),
            spindle_frequency=float(np.clip(rng.normal(13.0, 0.6), 11.5, 14.8)),
            slow_wave_amplitude=slow,
            aperiodic_slope=float(rng.normal(0.0, 0.15)),
            noise_level=float(rng.uniform(1.0, 4.0)),
            emg_level=float(np.clip(rng.lognormal(0.0, 0.45), 0.3, 4.0)),
            eye_movement_level=float(np.clip(rng.lognormal(0.0, 0.3), 0.4, 2.5)),
            eog_spillover=float(rng.uniform(0.2, 0.6)),
            heart_rate=float(rng.uniform(50.0, 78.0)),
            age=age,
        )

    def to_dict(self) -> dict[str, float]:
        """Field values as a plain dictionary (JSON-friendly)."""
        return {k: float(v) for k, v in asdict(self).items()}
