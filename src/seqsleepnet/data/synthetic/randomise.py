"""Domain randomisation: recording conditions that differ between subjects and nights.

A model trained on one generator style learns that style's quirks. With
randomisation on, each night is rendered under its own
:class:`RecordingConditions`, drawn from :data:`RANGES`:

- gain: per subject (amplifier, electrodes, skull) times per night, overall
  0.3-3x, with a small extra factor per channel;
- spectral tilt (a power-law slope around 10 Hz, above 1 Hz) and a random gain per band
  (delta, theta, alpha, sigma, beta), per channel;
- mains interference at 50 or 60 Hz of random strength, and extra electrode
  pops;
- the recording filters: a high-pass and a low-pass edge per night;
- jittered stage signatures: spindle density, alpha power, delta amplitude
  and the density of rapid eye movements.

Draws come from their own random streams (:func:`conditions_rng`), so a night
rendered without randomisation is unchanged, and the same seed, subject and
night always give the same conditions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.fft

from seqsleepnet.data.synthetic import waves
from seqsleepnet.data.synthetic.profile import PROFILE_RANGES, SubjectProfile

__all__ = ["RANGES", "RecordingConditions", "conditions_rng", "render_conditions"]

RANGES: dict[str, tuple[float, float]] = {
    "subject_gain": (0.4, 2.5),  # log-uniform
    "night_gain": (0.8, 1.25),  # log-uniform
    "gain": (0.3, 3.0),  # the product is clipped to this
    "channel_gain": (0.85, 1.18),  # log-uniform, per channel
    "tilt": (-0.25, 0.25),  # power-law exponent of the amplitude around 10 Hz, per channel
    "band_gain": (0.7, 1.45),  # log-uniform, per band and channel
    "mains_uv": (0.2, 15.0),  # log-uniform, amplitude of the added mains
    "pops_per_hour": (0.0, 6.0),  # extra electrode pops per channel
    "highpass_hz": (0.05, 0.5),  # log-uniform
    "lowpass_hz": (35.0, 100.0),
    "spindle_density": (0.6, 1.5),  # factors on the subject's values, log-uniform
    "alpha_strength": (0.5, 1.8),
    "slow_wave_amplitude": (0.7, 1.35),
    "rem_density": (0.6, 1.6),
}
"""Range of every randomised quantity."""

BANDS: tuple[tuple[float, float], ...] = ((0.5, 4), (4, 8), (8, 12), (12, 16), (16, 30))
"""Delta, theta, alpha, sigma and beta (Hz): the bands whose power is perturbed."""

_FILTER_ORDER = 2  # Butterworth order of the recording filters (magnitude applied twice)


def conditions_rng(seed: int, subject: int, night: int | None = None) -> np.random.Generator:
    """Random stream of the conditions of a subject (``night=None``) or of one night."""
    key = [int(seed), int(subject), 0xD0A] if night is None else [seed, subject, night, 0xD0B]
    return np.random.default_rng([int(k) for k in key])


def _log_uniform(rng: np.random.Generator, name: str, size: int | None = None) -> npt.NDArray:
    low, high = RANGES[name]
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


@dataclass(frozen=True)
class RecordingConditions:
    """How one night was recorded (and how its sleeper differed that night).

    Attributes
    ----------
    gain : float
        Overall amplitude factor (subject x night), in ``RANGES["gain"]``.
    channel_gain, tilt : dict of str to float
        Extra amplitude factor and spectral tilt exponent per channel.
    band_gain : dict of str to tuple of float
        Amplitude factor of each of :data:`BANDS` per channel.
    mains_hz, mains_uv : float
        Frequency (50 or 60 Hz) and amplitude (microvolts) of added mains.
    pops_per_hour : float
        Extra electrode pops per hour and channel.
    highpass_hz, lowpass_hz : float
        Edges of the recording filters.
    spindle_density, alpha_strength, slow_wave_amplitude, rem_density : float
        Factors on the sleeper's stage signatures this night.
    """

    gain: float
    channel_gain: dict[str, float]
    tilt: dict[str, float]
    band_gain: dict[str, tuple[float, ...]]
    mains_hz: float
    mains_uv: float
    pops_per_hour: float
    highpass_hz: float
    lowpass_hz: float
    spindle_density: float
    alpha_strength: float
    slow_wave_amplitude: float
    rem_density: float

    @classmethod
    def draw(
        cls, channels: tuple[str, ...], *, seed: int, subject: int, night: int
    ) -> RecordingConditions:
        """The conditions of one night of one subject (reproducible from the three numbers)."""
        subject_gain = float(_log_uniform(conditions_rng(seed, subject), "subject_gain"))
        rng = conditions_rng(seed, subject, night)
        gain = float(np.clip(subject_gain * _log_uniform(rng, "night_gain"), *RANGES["gain"]))
        return cls(
            gain=gain,
            channel_gain={c: float(_log_uniform(rng, "channel_gain")) for c in channels},
            tilt={c: float(rng.uniform(*RANGES["tilt"])) for c in channels},
            band_gain={
                c: tuple(float(g) for g in _log_uniform(rng, "band_gain", len(BANDS)))
                for c in channels
            },
            mains_hz=float(rng.choice([50.0, 60.0])),
            mains_uv=float(_log_uniform(rng, "mains_uv")),
            pops_per_hour=float(rng.uniform(*RANGES["pops_per_hour"])),
            highpass_hz=float(_log_uniform(rng, "highpass_hz")),
            lowpass_hz=float(rng.uniform(*RANGES["lowpass_hz"])),
            spindle_density=float(_log_uniform(rng, "spindle_density")),
            alpha_strength=float(_log_uniform(rng, "alpha_strength")),
            slow_wave_amplitude=float(_log_uniform(rng, "slow_wave_amplitude")),
            rem_density=float(_log_uniform(rng, "rem_density")),
        )

    def jitter(self, profile: SubjectProfile) -> SubjectProfile:
        """The sleeper with this night's stage signatures (kept inside the profile's ranges)."""
        names = ("spindle_density", "alpha_strength", "slow_wave_amplitude")
        changed = {
            n: float(np.clip(getattr(profile, n) * getattr(self, n), *PROFILE_RANGES[n]))
            for n in names
        }
        return dataclasses.replace(profile, **changed)

    def to_dict(self) -> dict[str, object]:
        """Plain values (JSON-friendly)."""
        return dataclasses.asdict(self)


def _response(
    n: int, fs: float, conditions: RecordingConditions, channel: str
) -> npt.NDArray[np.float32]:
    """Amplitude response (n // 2 + 1,) of tilt, band gains and recording filters."""
    freqs = np.fft.rfftfreq(n, 1.0 / fs)
    safe = np.maximum(freqs, 1e-3)
    response = (np.maximum(freqs, 1.0) / 10.0) ** conditions.tilt[channel]  # flat below 1 Hz
    for (low, high), g in zip(BANDS, conditions.band_gain[channel], strict=True):
        response *= np.where((freqs >= low) & (freqs < high), g, 1.0)
    response *= 1.0 / np.sqrt(1.0 + (conditions.highpass_hz / safe) ** (2 * _FILTER_ORDER))
    if channel != "emg":  # the chin EMG keeps its own (wider) band
        response *= 1.0 / np.sqrt(1.0 + (freqs / conditions.lowpass_hz) ** (2 * _FILTER_ORDER))
    response[0] = 0.0
    return (response * conditions.gain * conditions.channel_gain[channel]).astype(np.float32)


def render_conditions(
    signals: dict[str, npt.NDArray[np.float32]],
    fs: float,
    conditions: RecordingConditions,
    rng: np.random.Generator,
) -> None:
    """Record ``signals`` (microvolts, whole night) under ``conditions``, in place.

    Each channel is filtered once in the frequency domain (tilt, band gains,
    filters and gain), then mains interference and electrode pops are added.
    """
    seconds = np.arange(next(iter(signals.values())).size) / fs
    mains = np.sin(2 * np.pi * conditions.mains_hz * seconds + rng.uniform(0, 2 * np.pi))
    for channel, x in signals.items():
        spectrum = scipy.fft.rfft(x.astype(np.float64))
        spectrum *= _response(x.size, fs, conditions, channel)
        y = scipy.fft.irfft(spectrum, n=x.size)
        y += conditions.mains_uv * rng.uniform(0.5, 1.5) * mains
        rate = np.full(int(np.ceil(x.size / fs)), conditions.pops_per_hour / 3600.0)
        pops = waves.poisson_onsets(rate, int(fs), rng)
        amplitudes = rng.choice([-1, 1], pops.size) * rng.uniform(80, 250, pops.size)
        waves.add_events(y, pops, [waves.electrode_pop(fs, a, rng) for a in amplitudes])
        x[:] = y.astype(np.float32)
