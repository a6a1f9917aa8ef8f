"""Building blocks of synthetic PSG: coloured noise, graphoelements and artefacts.

Every function returns ``float32`` arrays in microvolts (or unit RMS where
stated). Noise is shaped in the frequency domain, so a whole night costs a
few inverse FFTs; transient waveforms (spindles, K-complexes, eye movements,
twitches, electrode pops) are short templates added at event times.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.fft

__all__ = [
    "add_events",
    "band_mask",
    "blink",
    "ecg_spikes",
    "electrode_pop",
    "k_complex",
    "peak_mask",
    "poisson_onsets",
    "rapid_eye_movement_burst",
    "sawtooth_burst",
    "shaped_noise",
    "spindle",
    "twitch",
    "vertex_wave",
    "white_spectrum",
]

FloatArray = npt.NDArray[np.float32]


def white_spectrum(n: int, rng: np.random.Generator) -> npt.NDArray[np.complex64]:
    """Complex Gaussian spectrum of white noise with ``n`` time samples.

    Returns
    -------
    numpy.ndarray of complex64, shape (n // 2 + 1,)
    """
    m = n // 2 + 1
    parts = rng.standard_normal((2, m), dtype=np.float32)
    return (parts[0] + 1j * parts[1]).astype(np.complex64)


def band_mask(
    n: int, fs: float, low: float, high: float, *, exponent: float = 0.0, taper: float = 0.25
) -> npt.NDArray[np.float32]:
    """Amplitude response of a smooth band with a ``1/f**(exponent/2)`` amplitude slope.

    Parameters
    ----------
    n : int
        Number of time samples (the mask has ``n // 2 + 1`` bins).
    fs : float
        Sampling rate in Hz.
    low, high : float
        Band edges in Hz; the response falls off with raised-cosine skirts of
        width ``taper * (edge frequency)`` (at least 0.05 Hz).
    exponent : float
        Power-spectrum exponent: power ~ ``1/f**exponent`` inside the band.

    Returns
    -------
    numpy.ndarray of float32, shape (n // 2 + 1,)
    """
    freqs = np.fft.rfftfreq(n, 1.0 / fs).astype(np.float32)
    lo_w = max(low * taper, 0.05)
    hi_w = max(high * taper, 0.05)
    rise = np.clip((freqs - (low - lo_w)) / lo_w, 0.0, 1.0)
    fall = np.clip(((high + hi_w) - freqs) / hi_w, 0.0, 1.0)
    mask = (0.5 - 0.5 * np.cos(np.pi * rise)) * (0.5 - 0.5 * np.cos(np.pi * fall))
    if exponent:
        safe = np.maximum(freqs, max(low, 0.05))
        mask = mask * safe ** (-exponent / 2.0)
    return mask.astype(np.float32)


def peak_mask(n: int, fs: float, centre: float, width: float) -> npt.NDArray[np.float32]:
    """Gaussian amplitude response around ``centre`` Hz (standard deviation ``width`` Hz).

    Returns
    -------
    numpy.ndarray of float32, shape (n // 2 + 1,)
    """
    freqs = np.fft.rfftfreq(n, 1.0 / fs)
    return np.exp(-0.5 * ((freqs - centre) / width) ** 2).astype(np.float32)


def shaped_noise(
    spectrum: npt.NDArray[np.complex64], mask: npt.NDArray[np.float32], n: int
) -> FloatArray:
    """Inverse FFT of ``spectrum * mask`` scaled to unit root-mean-square.

    Bands of one white spectrum that do not overlap give independent signals.

    Returns
    -------
    numpy.ndarray of float32, shape (n,)
        Zero-mean noise with RMS 1.
    """
    shaped = spectrum * mask
    shaped[0] = 0.0  # zero mean
    # Parseval: the RMS of the time signal follows from the one-sided spectrum.
    power = np.abs(shaped) ** 2
    total = 2.0 * float(power.sum(dtype=np.float64)) - float(power[0])
    if n % 2 == 0:
        total -= float(power[-1])
    x = scipy.fft.irfft(shaped, n=n, workers=1).astype(np.float32, copy=False)
    rms = np.sqrt(total) / n
    if rms > 0:
        x *= np.float32(1.0 / rms)
    return x


def poisson_onsets(
    rate_per_segment: npt.NDArray[np.float64],
    segment_samples: int,
    rng: np.random.Generator,
) -> npt.NDArray[np.int64]:
    """Event onsets (sample indices) of a Poisson process with a per-segment rate.

    Parameters
    ----------
    rate_per_segment : numpy.ndarray, shape (S,)
        Expected number of events in each segment.
    segment_samples : int
        Samples per segment.

    Returns
    -------
    numpy.ndarray of int64, shape (K,)
        Sorted onsets; each lies uniformly inside its segment.
    """
    counts = rng.poisson(np.clip(rate_per_segment, 0.0, None))
    seg = np.repeat(np.arange(counts.size), counts)
    offsets = rng.integers(0, segment_samples, size=seg.size)
    return np.sort(seg * segment_samples + offsets)


def add_events(
    signal: FloatArray,
    onsets: npt.NDArray[np.int64] | Sequence[int],
    templates: Sequence[npt.NDArray[np.floating]],
    gains: npt.NDArray[np.floating] | Sequence[float] | None = None,
) -> None:
    """Add templates to ``signal`` in place, starting at each onset (clipped at the ends)."""
    n = signal.size
    for i, (start, template) in enumerate(zip(onsets, templates, strict=True)):
        gain = 1.0 if gains is None else float(gains[i])
        start = int(start)
        stop = min(n, start + template.size)
        if start >= n or stop <= 0:
            continue
        lo = max(0, -start)
        signal[max(start, 0) : stop] += gain * template[lo : stop - start]


def _time(fs: float, duration: float) -> npt.NDArray[np.float64]:
    return np.arange(max(round(duration * fs), 1)) / fs


def spindle(
    fs: float, duration: float, frequency: float, amplitude: float, rng: np.random.Generator
) -> FloatArray:
    """Sleep spindle: waxing-waning sinusoid (``duration`` s, ``amplitude`` uV peak)."""
    t = _time(fs, duration)
    envelope = np.sin(np.pi * t / duration) ** 2
    chirp = frequency + rng.normal(0.0, 0.3) * (t / duration - 0.5)
    phase = 2 * np.pi * np.cumsum(chirp) / fs + rng.uniform(0, 2 * np.pi)
    return (amplitude * envelope * np.sin(phase)).astype(np.float32)


def k_complex(fs: float, amplitude: float, rng: np.random.Generator) -> FloatArray:
    """K-complex: sharp negative wave then a slower positive one (about 1 s).

    ``amplitude`` is the peak-to-peak size in uV; EEG polarity convention is
    negative up, so the sharp component is written as a negative deflection.
    """
    width = rng.uniform(0.85, 1.25)
    t = _time(fs, 1.6 * width)
    neg = -np.exp(-0.5 * ((t - 0.28 * width) / (0.09 * width)) ** 2)
    pos = 0.65 * np.exp(-0.5 * ((t - 0.72 * width) / (0.2 * width)) ** 2)
    wave = neg + pos
    return (amplitude * wave / np.ptp(wave)).astype(np.float32)


def vertex_wave(fs: float, amplitude: float, rng: np.random.Generator) -> FloatArray:
    """Vertex sharp wave: a brief (< 0.5 s) sharply contoured negative transient."""
    width = rng.uniform(0.06, 0.1)
    t = _time(fs, 0.5)
    wave = -np.exp(-np.abs(t - 0.2) / width) + 0.3 * np.exp(-0.5 * ((t - 0.35) / 0.06) ** 2)
    return (amplitude * wave).astype(np.float32)


def sawtooth_burst(
    fs: float, duration: float, frequency: float, amplitude: float, rng: np.random.Generator
) -> FloatArray:
    """Train of triangular, serrated sawtooth waves (REM), 2-6 Hz."""
    t = _time(fs, duration)
    phase = (frequency * t + rng.uniform()) % 1.0
    asym = rng.uniform(0.65, 0.85)  # slow rise, fast fall
    tri = np.where(phase < asym, phase / asym, (1.0 - phase) / (1.0 - asym)) * 2.0 - 1.0
    envelope = np.sin(np.pi * t / duration) ** 0.5
    return (amplitude * 0.5 * envelope * tri).astype(np.float32)


def blink(fs: float, amplitude: float, rng: np.random.Generator) -> FloatArray:
    """Eye blink: smooth monophasic hump of about 0.3-0.4 s."""
    width = rng.uniform(0.06, 0.09)
    t = _time(fs, 0.6)
    return (amplitude * np.exp(-0.5 * ((t - 0.25) / width) ** 2)).astype(np.float32)


def rapid_eye_movement_burst(
    fs: float, amplitude: float, rng: np.random.Generator, *, tau: float = 1.5
) -> FloatArray:
    """A burst of conjugate saccades: sharp steps (< 0.1 s) that decay with the EOG high-pass.

    Used for the rapid eye movements of REM and for wake saccades.
    """
    n_moves = int(rng.integers(1, 6))
    duration = 1.0 + 0.6 * n_moves + 3.0 * tau
    t = _time(fs, duration)
    out = np.zeros(t.size)
    position = 0.0
    onset = 0.1
    for _ in range(n_moves):
        target = rng.normal(0.0, 1.0)
        step = target - position
        position = target
        rise = 1.0 / (1.0 + np.exp(-(t - onset) / 0.012))  # ~50 ms saccade
        out += step * rise * np.exp(-np.clip(t - onset, 0.0, None) / tau)
        onset += rng.uniform(0.25, 0.8)
    out -= out[0]
    return (amplitude * out).astype(np.float32)


def twitch(fs: float, amplitude: float, rng: np.random.Generator) -> FloatArray:
    """Phasic muscle twitch: a short (< 0.25 s) burst of broadband EMG."""
    duration = rng.uniform(0.05, 0.25)
    t = _time(fs, duration)
    envelope = np.sin(np.pi * t / duration)
    return (amplitude * envelope * rng.standard_normal(t.size)).astype(np.float32)


def electrode_pop(fs: float, amplitude: float, rng: np.random.Generator) -> FloatArray:
    """Electrode pop: a step that decays exponentially (tau 0.2-1 s)."""
    tau = rng.uniform(0.2, 1.0)
    t = _time(fs, 5 * tau)
    return (amplitude * np.exp(-t / tau)).astype(np.float32)


def ecg_spikes(n: int, fs: float, heart_rate: float, rng: np.random.Generator) -> FloatArray:
    """Unit-amplitude QRS-like spike train at a slowly varying heart rate.

    Returns
    -------
    numpy.ndarray of float32, shape (n,)
        Peaks of about 1 (scale by the spill-over amplitude in uV).
    """
    duration = n / fs
    mean_interval = 60.0 / heart_rate
    count = int(duration / mean_interval * 1.2) + 2
    # Heart-rate variability: a slow random walk plus beat-to-beat jitter.
    slow = np.cumsum(rng.normal(0.0, 0.004, count))
    slow -= np.linspace(0.0, slow[-1], count)
    intervals = mean_interval * (1.0 + np.clip(slow, -0.2, 0.2)) + rng.normal(0.0, 0.02, count)
    beats = np.cumsum(np.clip(intervals, 0.3, 2.0)) - rng.uniform(0.0, mean_interval)
    beats = beats[(beats >= 0) & (beats < duration)]
    t = _time(fs, 0.12)
    qrs = (
        np.exp(-0.5 * ((t - 0.05) / 0.008) ** 2) - 0.3 * np.exp(-0.5 * ((t - 0.07) / 0.01) ** 2)
    ).astype(np.float32)
    out = np.zeros(n, dtype=np.float32)
    starts = (beats * fs).astype(np.int64)
    add_events(out, starts, [qrs] * starts.size)
    return out
