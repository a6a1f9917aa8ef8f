"""A whole synthetic night of EEG, EOG and chin EMG from a stage array.

:func:`generate_night` renders a hypnogram as signals in microvolts at a base
rate (256 Hz by default). Rhythms (delta, theta, alpha, beta, 1/f
background, slow eye movements, EMG) are noise shaped in the frequency
domain and modulated by smooth per-segment envelopes; graphoelements
(spindles, K-complexes, vertex waves, sawtooth waves, rapid eye movements,
blinks, twitches) are templates placed by Poisson processes whose rates
follow the content of each 2-s segment (see :mod:`.content`). Artefacts:
movement bursts, 50 Hz line noise, slow drifts, electrode pops and ECG
spill-over. The same stages, profile and seed give identical arrays.

With ``randomise=True`` each night is also recorded under its own
:class:`~seqsleepnet.data.synthetic.randomise.RecordingConditions` (gain,
spectral tilt and band powers, mains, electrode pops, filters, jittered stage
signatures), so that a model trained on such nights learns no single style.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.signal

from seqsleepnet.data.synthetic import waves
from seqsleepnet.data.synthetic.content import (
    SEGMENT_SECONDS,
    STAGE_TABLE,
    SegmentPlan,
    plan_segments,
)
from seqsleepnet.data.synthetic.profile import SubjectProfile, night_rng, subject_rng
from seqsleepnet.data.synthetic.randomise import (
    RecordingConditions,
    conditions_rng,
    render_conditions,
)
from seqsleepnet.errors import ConfigError, HypnogramError
from seqsleepnet.stages import EPOCH_SECONDS

__all__ = ["CHANNELS", "SyntheticNight", "generate_night"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]

#: Signals of a synthetic night: three EEG derivations (frontal, central,
#: occipital; referred to the mastoid), E1-M2 and E2-M1 EOG, and chin EMG.
CHANNELS: tuple[str, ...] = (
    "eeg_frontal",
    "eeg_central",
    "eeg_occipital",
    "eog_left",
    "eog_right",
    "emg",
)
_EEG = CHANNELS[:3]

# Weight of each EEG component at the frontal, central and occipital derivation.
_SPATIAL: dict[str, tuple[float, float, float]] = {
    "delta": (1.25, 1.0, 0.7),
    "theta": (0.9, 1.0, 0.8),
    "alpha": (0.45, 0.8, 1.9),
    "beta": (1.1, 1.0, 0.8),
    "spindle": (0.75, 1.0, 0.55),
    "k_complex": (1.3, 1.0, 0.55),
    "vertex": (0.8, 1.25, 0.4),
    "sawtooth": (0.8, 1.2, 0.5),
}


@dataclass(frozen=True)
class SyntheticNight:
    """Signals of one synthetic night and what generated them.

    Attributes
    ----------
    signals : dict of str to numpy.ndarray of float32, each shape (N,)
        Keys :data:`CHANNELS`; microvolts; ``N = E * 30 * fs``.
    fs : float
        Sampling rate in Hz.
    stages : numpy.ndarray of int8, shape (E,)
        The stage per 30-s epoch that drove the generator (-1 = unscored).
    profile : SubjectProfile
        The sleeper's parameters.
    content : numpy.ndarray of float64, shape (E, 5)
        Fraction of each epoch showing W, N1, N2, N3, REM content.
    conditions : RecordingConditions or None
        How the night was recorded, when randomised.
    """

    signals: dict[str, FloatArray]
    fs: float
    stages: npt.NDArray[np.int8]
    profile: SubjectProfile
    content: npt.NDArray[np.float64]
    conditions: RecordingConditions | None = None

    @property
    def n_epochs(self) -> int:
        """Number of 30-s epochs."""
        return int(self.stages.size)

    @property
    def duration(self) -> float:
        """Length of the night in seconds."""
        return self.n_epochs * EPOCH_SECONDS

    def epochs(self, channel: str) -> FloatArray:
        """One channel cut into epochs, shape (E, 30 * fs) (a view, no copy)."""
        if channel not in self.signals:
            raise ConfigError(
                f"channel {channel!r} not in the synthetic night; available: {list(self.signals)}"
            )
        return self.signals[channel].reshape(self.n_epochs, -1)


def _check_stages(stages: npt.ArrayLike) -> npt.NDArray[np.int8]:
    array = np.asarray(stages)
    if array.ndim != 1 or array.size == 0:
        raise HypnogramError(
            f"stages must be a non-empty 1-D array of stage indices, got shape {array.shape}; "
            "pass one value per 30-s epoch"
        )
    integral = np.issubdtype(array.dtype, np.integer) or (
        np.issubdtype(array.dtype, np.floating) and bool(np.all(array == np.round(array)))
    )
    if not integral:
        raise HypnogramError(
            f"stages must be integers 0..4 (W..REM) or -1 (unscored), got dtype "
            f"{array.dtype}; convert labels with seqsleepnet.stages.parse_stages"
        )
    bad = sorted({int(v) for v in np.unique(array) if not -1 <= v <= 4})
    if bad:
        raise HypnogramError(
            f"stages contain values {bad}; allowed are 0..4 (W, N1, N2, N3, REM) and -1 (unscored)"
        )
    return array.astype(np.int8)


def _check_fs(fs: float) -> float:
    fs = float(fs)
    if not 128.0 <= fs <= 1024.0 or fs != round(fs):
        raise ConfigError(
            f"fs={fs!r} Hz is not allowed; use a whole-number base rate between 128 and "
            "1024 Hz, e.g. 256 or 200"
        )
    return fs


class _Renderer:
    """Turns a segment plan into signals; holds the shared sizes and helpers."""

    def __init__(
        self,
        plan: SegmentPlan,
        profile: SubjectProfile,
        fs: float,
        rng: np.random.Generator,
        rem_density: float = 1.0,
    ) -> None:
        self.plan = plan
        self.rem_density = rem_density
        self.profile = profile
        self.fs = fs
        self.rng = rng
        self.seg_n = round(SEGMENT_SECONDS * fs)
        self.n = plan.state.size * self.seg_n
        self._centres = (np.arange(plan.state.size) + 0.5) * self.seg_n
        self._x = np.arange(self.n, dtype=np.float64)
        self.mains: FloatArray = np.zeros(0, dtype=np.float32)

    def table(self, name: str) -> npt.NDArray[np.float64]:
        """Per-segment value of a stage-table entry."""
        return STAGE_TABLE[name][self.plan.state]

    def envelope(self, per_segment: npt.NDArray[np.float64]) -> FloatArray:
        """Per-sample envelope interpolated between segment centres."""
        return np.interp(self._x, self._centres, per_segment).astype(np.float32)

    def onsets(self, per_minute: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        return waves.poisson_onsets(per_minute * SEGMENT_SECONDS / 60.0, self.seg_n, self.rng)

    def state_at(self, onsets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return self.plan.state[np.minimum(onsets // self.seg_n, self.plan.state.size - 1)]

    def ou_drift(self, sd: float, tau: float) -> FloatArray:
        """Slow Ornstein-Uhlenbeck drift (sd in uV, time constant tau in s)."""
        steps = self.n // int(self.fs) + 2
        rho = np.exp(-1.0 / tau)
        drive = self.rng.standard_normal(steps) * sd * np.sqrt(1 - rho**2)
        slow = scipy.signal.lfilter([1.0], [1.0, -rho], drive)
        return np.interp(self._x / self.fs, np.arange(steps), slow).astype(np.float32)

    def line_noise(self) -> FloatArray:
        """50 Hz mains interference of unit amplitude with a slow amplitude wobble."""
        period = round(EPOCH_SECONDS * self.fs)  # 30 s hold whole 50 Hz cycles
        t = np.arange(period) / self.fs
        cycle = np.sin(2 * np.pi * 50.0 * t + self.rng.uniform(0, 2 * np.pi))
        line = np.tile(cycle.astype(np.float32), self.n // period)
        seconds = np.arange(self.n // int(self.fs) + 2)
        wobble = 1.0 + 0.3 * np.sin(2 * np.pi * seconds / self.rng.uniform(600, 3600))
        line *= np.interp(self._x / self.fs, seconds, wobble).astype(np.float32)
        return line


def _eeg(r: _Renderer, ecg: FloatArray) -> dict[str, FloatArray]:
    p, plan, fs, n, rng = r.profile, r.plan, r.fs, r.n, r.rng
    f = plan.factors
    shared = waves.white_spectrum(n, rng)
    alpha_boost = np.where(plan.eyes_open, 0.25, 1.0)
    rhythms = {
        "delta": (
            waves.band_mask(n, fs, 0.5, 2.0, taper=0.2),
            r.table("delta") * p.slow_wave_amplitude * f["delta"],
        ),
        "theta": (waves.band_mask(n, fs, 4.0, 7.5, taper=0.2), r.table("theta") * f["theta"]),
        "alpha": (
            waves.peak_mask(n, fs, p.alpha_frequency, 0.6),
            r.table("alpha") * p.alpha_strength * alpha_boost * f["alpha"],
        ),
        "beta": (
            waves.band_mask(n, fs, 16.0, 30.0, taper=0.15),
            r.table("beta") * np.where(plan.eyes_open, 1.4, 1.0) * f["beta"],
        ),
    }
    parts = {
        name: r.envelope(amp) * waves.shaped_noise(shared, mask, n)
        for name, (mask, amp) in rhythms.items()
    }
    del shared
    parts.update(_graphoelements(r))

    steep = r.table("steep_share")
    background_amp = r.table("background") * f["background"]
    out: dict[str, FloatArray] = {}
    for d, name in enumerate(_EEG):
        spectrum = waves.white_spectrum(n, rng)
        flat = waves.shaped_noise(
            spectrum, waves.band_mask(n, fs, 0.3, 45.0, exponent=1.0 + p.aperiodic_slope), n
        )
        flat *= r.envelope(background_amp * np.sqrt(1.0 - steep))
        flat += r.envelope(background_amp * np.sqrt(steep)) * waves.shaped_noise(
            spectrum, waves.band_mask(n, fs, 0.3, 45.0, exponent=2.3 + p.aperiodic_slope), n
        )
        del spectrum
        signal = flat
        for part, x in parts.items():
            signal += _SPATIAL[part][d] * x
        signal *= p.amplitude
        out[name] = signal
    # Frontal clean EEG is what spills over onto the EOG; artefacts come after.
    frontal_clean = out["eeg_frontal"].copy()
    ecg_gain = rng.uniform(0.5, 3.0)
    line = rng.lognormal(np.log(1.0), 0.8)
    for name in _EEG:
        x = out[name]
        x += p.noise_level * rng.standard_normal(n, dtype=np.float32)
        x += ecg_gain * rng.uniform(0.5, 1.5) * ecg
        x += (line * rng.uniform(0.5, 1.5)) * r.mains
        x += r.ou_drift(rng.uniform(3.0, 15.0), rng.uniform(20.0, 120.0))
        _pops(r, x)
    out["_frontal_clean"] = frontal_clean
    return out


def _graphoelements(r: _Renderer) -> dict[str, FloatArray]:
    """Spindles, K-complexes, vertex waves and sawtooth bursts (central amplitude, uV)."""
    p, fs, n, rng, f = r.profile, r.fs, r.n, r.rng, r.plan.factors
    out = {
        name: np.zeros(n, dtype=np.float32)
        for name in ("spindle", "k_complex", "vertex", "sawtooth")
    }

    kc = r.onsets(r.table("k_complex_rate") * np.clip(f["delta"], 0.5, 2.0) ** 0.5)
    kc_amp = rng.uniform(75.0, 170.0, kc.size) * np.sqrt(p.slow_wave_amplitude)
    waves.add_events(out["k_complex"], kc, [waves.k_complex(fs, a, rng) for a in kc_amp])

    sp = r.onsets(r.table("spindle_rate") * p.spindle_density * f["spindle"])
    # About 40% of K-complexes are followed by a spindle.
    follow = kc[rng.random(kc.size) < 0.4] + int(0.9 * fs)
    sp = np.concatenate([sp, follow])
    templates = [
        waves.spindle(
            fs,
            rng.uniform(0.5, 2.0),
            p.spindle_frequency + rng.normal(0.0, 0.5),
            rng.uniform(12.0, 40.0),
            rng,
        )
        for _ in range(sp.size)
    ]
    waves.add_events(out["spindle"], sp, templates)

    vx = r.onsets(r.table("vertex_rate"))
    waves.add_events(
        out["vertex"], vx, [waves.vertex_wave(fs, rng.uniform(30.0, 75.0), rng) for _ in vx]
    )

    st = r.onsets(r.table("sawtooth_rate"))
    waves.add_events(
        out["sawtooth"],
        st,
        [
            waves.sawtooth_burst(
                fs, rng.uniform(2.0, 6.0), rng.uniform(2.0, 5.0), rng.uniform(20.0, 50.0), rng
            )
            for _ in st
        ],
    )
    return out


def _pops(r: _Renderer, x: FloatArray) -> None:
    """Electrode pops: about one per hour per derivation."""
    pops = waves.poisson_onsets(
        np.full(r.plan.state.size, SEGMENT_SECONDS / 3600.0), r.seg_n, r.rng
    )
    waves.add_events(
        x,
        pops,
        [
            waves.electrode_pop(r.fs, r.rng.choice([-1, 1]) * r.rng.uniform(80, 250), r.rng)
            for _ in pops
        ],
    )


def _eog(r: _Renderer, frontal: FloatArray) -> dict[str, FloatArray]:
    p, plan, fs, n, rng, f = r.profile, r.plan, r.fs, r.n, r.rng, r.plan.factors
    wake = plan.state == 0
    open_ = plan.eyes_open
    eye_level = p.eye_movement_level * f["eye"]
    slow_amp = r.table("slow_eye") * np.where(open_, 0.4, 1.0) * eye_level
    slow = waves.shaped_noise(
        waves.white_spectrum(n, rng), waves.band_mask(n, fs, 0.1, 0.45, taper=0.2), n
    )
    horizontal = r.envelope(slow_amp) * slow

    rem_rate = r.table("rem_rate") * np.where(open_, 4.0, np.where(wake, 0.4, 1.0)) * f["eye"]
    rem_rate = rem_rate * np.where(plan.state == 4, r.rem_density, 1.0)
    moves = r.onsets(rem_rate)
    move_state = r.state_at(moves)
    amps = (
        np.where(
            move_state == 4, rng.uniform(40, 120, moves.size), rng.uniform(50, 150, moves.size)
        )
        * p.eye_movement_level
    )
    waves.add_events(horizontal, moves, [waves.rapid_eye_movement_burst(fs, a, rng) for a in amps])

    vertical = np.zeros(n, dtype=np.float32)
    blink_rate = r.table("blink_rate") * np.where(open_, 3.5, 0.5)
    blinks = r.onsets(blink_rate)
    waves.add_events(vertical, blinks, [waves.blink(fs, rng.uniform(80, 220), rng) for _ in blinks])

    spill = p.eog_spillover
    out = {}
    for name, h_gain, v_gain in (("eog_left", 1.0, -0.45), ("eog_right", -1.0, 0.9)):
        x = horizontal * h_gain + vertical * v_gain
        x += spill * rng.uniform(0.8, 1.2) * frontal
        x += 0.8 * p.noise_level * rng.standard_normal(n, dtype=np.float32)
        x += r.ou_drift(rng.uniform(5.0, 20.0), rng.uniform(20.0, 120.0))
        out[name] = x.astype(np.float32, copy=False)
    return out


def _emg(r: _Renderer, ecg: FloatArray) -> FloatArray:
    p, plan, fs, n, rng = r.profile, r.plan, r.fs, r.n, r.rng
    tonic = r.table("emg") * p.emg_level * plan.factors["emg"] * np.where(plan.eyes_open, 1.25, 1.0)
    noise = waves.shaped_noise(
        waves.white_spectrum(n, rng),
        waves.band_mask(n, fs, 12.0, min(100.0, 0.42 * fs), taper=0.3),
        n,
    )
    x = r.envelope(tonic) * noise
    tw = r.onsets(r.table("twitch_rate"))
    base = STAGE_TABLE["emg"][4] * p.emg_level
    waves.add_events(x, tw, [waves.twitch(fs, base * rng.uniform(4.0, 12.0), rng) for _ in tw])
    x += rng.uniform(2.0, 10.0) * ecg
    x += rng.lognormal(np.log(2.0), 0.8) * r.mains
    x += 0.5 * p.noise_level * rng.standard_normal(n, dtype=np.float32)
    return x


def _movements(r: _Renderer, signals: dict[str, FloatArray]) -> None:
    """Movement artefacts: large broadband bursts on every channel (mostly wake)."""
    rate = r.table("movement_rate") * np.where(r.plan.movement, 20.0, 1.0)
    onsets = r.onsets(rate)
    for start in onsets:
        length = int(r.rng.uniform(1.0, 5.0) * r.fs)
        env = np.sin(np.pi * np.arange(length) / length).astype(np.float32)
        for name, x in signals.items():
            scale = 3.0 if name == "emg" else 1.0
            burst = r.rng.standard_normal(length).astype(np.float32)
            wander = np.cumsum(r.rng.standard_normal(length)).astype(np.float32)
            wander *= 8.0 / max(float(np.std(wander)), 1e-6)
            amp = r.rng.uniform(40.0, 120.0) * scale
            waves.add_events(x, [int(start)], [env * (amp * burst + 4.0 * wander)])


def generate_night(
    stages: npt.ArrayLike,
    *,
    profile: SubjectProfile | None = None,
    seed: int = 0,
    subject: int = 0,
    night: int = 1,
    fs: float = 256.0,
    randomise: bool = False,
) -> SyntheticNight:
    """Generate EEG, EOG and chin EMG for a night scored as ``stages``.

    Parameters
    ----------
    stages : array-like of int, shape (E,)
        Stage per 30-s epoch: 0..4 for W, N1, N2, N3, REM; -1 for unscored or
        movement time (rendered as wake content with movement artefacts).
    profile : SubjectProfile, optional
        The sleeper; drawn from ``(seed, subject)`` when omitted, so all nights
        of a subject share it.
    seed : int
        Base seed; with ``subject`` and ``night`` it fixes every random draw.
    subject, night : int
        Identity of the subject and the night (different nights differ).
    fs : float
        Base sampling rate in Hz (a whole number from 128 to 1024; 256 or 200
        are typical).
    randomise : bool
        Record the night under randomised conditions drawn from ``(seed,
        subject, night)`` (:mod:`~seqsleepnet.data.synthetic.randomise`); off,
        the signals are exactly those of earlier versions.

    Returns
    -------
    SyntheticNight
        Signals of shape (E * 30 * fs,) in microvolts, keys :data:`CHANNELS`.

    Raises
    ------
    HypnogramError
        If ``stages`` is empty, not 1-D or holds values other than -1..4.
    ConfigError
        If ``fs`` is not an allowed rate.
    """
    stage_array = _check_stages(stages)
    fs = _check_fs(fs)
    if profile is None:
        profile = SubjectProfile.draw(subject_rng(seed, subject))
    conditions = None
    if randomise:
        conditions = RecordingConditions.draw(CHANNELS, seed=seed, subject=subject, night=night)
        profile = conditions.jitter(profile)
    rng = night_rng(seed, subject, night)
    plan = plan_segments(stage_array, rng)
    r = _Renderer(plan, profile, fs, rng, conditions.rem_density if conditions else 1.0)
    ecg = waves.ecg_spikes(r.n, fs, profile.heart_rate, rng)
    r.mains = r.line_noise()
    eeg = _eeg(r, ecg)
    frontal = eeg.pop("_frontal_clean")
    signals: dict[str, FloatArray] = {**eeg, **_eog(r, frontal)}
    del frontal
    signals["emg"] = _emg(r, ecg)
    _movements(r, signals)
    if conditions is not None:
        render_conditions(signals, fs, conditions, conditions_rng(seed, subject, night + 1000))
    logger.info(
        "generated %d epochs at %g Hz (subject %d, night %d)", stage_array.size, fs, subject, night
    )
    return SyntheticNight(
        signals={name: signals[name] for name in CHANNELS},
        fs=fs,
        stages=stage_array,
        profile=profile,
        content=plan.content(),
        conditions=conditions,
    )
