"""What each stretch of a night contains: per-segment stage content and stage tables.

A night is cut into 2-s segments (15 per 30-s epoch). Each segment shows the
content of one stage. An epoch's label is the stage of the majority of its
segments, as in visual scoring, but a minority of segments may carry a
neighbouring stage: content drifting toward the previous or next stage near a
stage change, intrusions (micro-arousals, brief N1 in REM, slow-wave bursts
in N2), and, in wake, eyes-open and eyes-closed periods. Slowly varying
latent factors (depth, tone) and per-epoch jitter make amplitudes overlap
between neighbouring stages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.signal

__all__ = ["SEGMENTS_PER_EPOCH", "SEGMENT_SECONDS", "STAGE_TABLE", "SegmentPlan", "plan_segments"]

SEGMENT_SECONDS = 2.0
SEGMENTS_PER_EPOCH = 15

# Per-stage values (columns W, N1, N2, N3, REM). Amplitudes are RMS microvolts
# at a central derivation for a profile with amplitude 1; rates are events per
# minute of that stage's content.
STAGE_TABLE: dict[str, npt.NDArray[np.float64]] = {
    name: np.asarray(values, dtype=np.float64)
    for name, values in {
        "background": [9.0, 10.0, 11.5, 12.5, 9.5],
        "steep_share": [0.25, 0.5, 0.55, 0.62, 0.68],
        "delta": [4.0, 7.0, 13.0, 30.0, 6.0],
        "theta": [3.5, 7.5, 6.5, 6.0, 6.5],
        "alpha": [9.0, 3.5, 1.5, 1.0, 2.5],
        "beta": [3.2, 1.9, 1.4, 1.1, 2.0],
        "spindle_rate": [0.0, 0.35, 1.0, 0.5, 0.05],  # x profile spindle density
        "k_complex_rate": [0.0, 0.2, 1.4, 0.9, 0.03],
        "vertex_rate": [0.1, 1.6, 0.35, 0.0, 0.25],
        "sawtooth_rate": [0.0, 0.2, 0.0, 0.0, 1.4],
        "slow_eye": [10.0, 30.0, 8.0, 2.0, 9.0],
        "rem_rate": [3.0, 0.5, 0.05, 0.0, 3.0],
        "blink_rate": [4.0, 0.6, 0.0, 0.0, 0.0],
        "emg": [14.0, 9.0, 6.5, 5.5, 2.6],
        "twitch_rate": [0.2, 0.6, 0.3, 0.1, 6.0],
        "movement_rate": [0.35, 0.08, 0.02, 0.01, 0.02],
    }.items()
}

# Probability that an epoch of each stage holds an intrusion, and which stage intrudes.
_INTRUSION_PROB = np.array([0.35, 0.75, 0.45, 0.55, 0.45])
_INTRUDER = np.array(
    [
        [0.00, 0.70, 0.15, 0.00, 0.15],  # W: drowsy N1, brief N2, REM-like
        [0.45, 0.00, 0.30, 0.00, 0.25],  # N1
        [0.15, 0.30, 0.00, 0.45, 0.10],  # N2
        [0.10, 0.00, 0.90, 0.00, 0.00],  # N3
        [0.30, 0.50, 0.20, 0.00, 0.00],  # REM
    ]
)


@dataclass(frozen=True)
class SegmentPlan:
    """Content of every 2-s segment of a night.

    Attributes
    ----------
    state : numpy.ndarray of int64, shape (S,)
        Stage whose content the segment shows (0..4); ``S = 15 * E``.
    eyes_open : numpy.ndarray of bool, shape (S,)
        Eyes open (alpha blocked, blinks and saccades) in wake segments.
    movement : numpy.ndarray of bool, shape (S,)
        Movement-time segments (from unscored epochs): large artefacts.
    factors : dict of str to numpy.ndarray, each shape (S,)
        Multiplicative amplitude factors per segment (latent depth, tone,
        slow-wave homeostasis, per-epoch and per-segment jitter).
    """

    state: npt.NDArray[np.int64]
    eyes_open: npt.NDArray[np.bool_]
    movement: npt.NDArray[np.bool_]
    factors: dict[str, npt.NDArray[np.float64]]

    def content(self) -> npt.NDArray[np.float64]:
        """Fraction of each epoch's segments showing each stage, shape (E, 5)."""
        per_epoch = self.state.reshape(-1, SEGMENTS_PER_EPOCH)
        return np.stack([(per_epoch == k).mean(axis=1) for k in range(5)], axis=1)


def _ar1(n: int, rho: float, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Unit-variance first-order autoregressive sequence of length ``n``."""
    innovations = rng.standard_normal(n) * np.sqrt(1.0 - rho**2)
    innovations[0] = rng.standard_normal()
    out: npt.NDArray[np.float64] = scipy.signal.lfilter([1.0], [1.0, -rho], innovations)
    return out


def _place_block(row: npt.NDArray[np.int64], stage: int, length: int, start: int) -> None:
    row[start : start + length] = stage


def plan_segments(stages: npt.NDArray[np.int8], rng: np.random.Generator) -> SegmentPlan:
    """Decide the content of every segment of a night from its epoch stages.

    Parameters
    ----------
    stages : numpy.ndarray of int, shape (E,)
        Stage per epoch, 0..4, or -1 for unscored/movement (rendered as wake
        content with movement artefacts).
    rng : numpy.random.Generator

    Returns
    -------
    SegmentPlan
    """
    n_epochs = stages.size
    k = SEGMENTS_PER_EPOCH
    unscored = stages < 0
    base = np.where(unscored, 0, stages).astype(np.int64)
    state = np.repeat(base, k).reshape(n_epochs, k)

    prev = np.concatenate([[base[0]], base[:-1]])
    nxt = np.concatenate([base[1:], [base[-1]]])
    # Content drifts toward the neighbouring stage near a stage change.
    lead = np.where(prev != base, rng.binomial(k, rng.uniform(0.0, 0.42, n_epochs)), 0)
    trail = np.where(nxt != base, rng.binomial(k, rng.uniform(0.0, 0.42, n_epochs)), 0)
    over = np.maximum(lead + trail - 7, 0)
    lead = lead - np.minimum(over, lead)
    trail = np.minimum(trail, 7 - lead)
    # Intrusions: brief content of a stage that neighbours this one in depth,
    # more likely just before a stage change (arousals cluster there).
    change_soon = (nxt != base) | (np.concatenate([base[2:], [base[-1]] * 2]) != base)
    p_intrude = np.clip(_INTRUSION_PROB[base] + 0.2 * change_soon, 0.0, 0.95)
    intrudes = rng.random(n_epochs) < p_intrude
    cum = np.cumsum(_INTRUDER[base], axis=1)
    intruder = (rng.random((n_epochs, 1)) > cum).sum(axis=1)
    length = rng.integers(1, 8, n_epochs)
    for e in np.flatnonzero(intrudes & ~unscored):
        free = k - lead[e] - trail[e]
        size = min(int(length[e]), free - (k // 2 + 1))  # keep the label the majority
        if size <= 0:
            continue
        start = lead[e] + int(rng.integers(0, free - size + 1))
        _place_block(state[e], int(intruder[e]), size, start)
    for e in np.flatnonzero(lead):
        state[e, : lead[e]] = prev[e]
    for e in np.flatnonzero(trail):
        state[e, k - trail[e] :] = nxt[e]
    state_flat = state.ravel()

    # Eyes open/closed in wake: a two-state Markov chain over segments.
    switches = rng.random(state_flat.size) < 0.08
    eyes_open = ((np.cumsum(switches) + int(rng.integers(0, 2))) % 2).astype(bool)
    eyes_open &= state_flat == 0

    movement = np.repeat(unscored, k)

    # Latent factors: slowly varying depth and tone, homeostatic slow-wave decline,
    # and independent per-epoch and per-segment jitter.
    depth = np.repeat(_ar1(n_epochs, 0.93, rng), k)
    tone = np.repeat(_ar1(n_epochs, 0.95, rng), k)
    asleep = np.flatnonzero((base > 0) & ~unscored)
    onset = int(asleep[0]) if asleep.size else n_epochs
    hours = np.clip((np.arange(n_epochs) - onset) * 30.0 / 3600.0, 0.0, None)
    homeostasis = np.repeat(0.65 + 0.7 * np.exp(-hours / 2.5), k)

    def jitter(epoch_sd: float, segment_sd: float) -> npt.NDArray[np.float64]:
        per_epoch = np.repeat(rng.lognormal(0.0, epoch_sd, n_epochs), k)
        return per_epoch * rng.lognormal(0.0, segment_sd, state_flat.size)

    factors = {
        "delta": homeostasis * np.exp(0.22 * depth) * jitter(0.22, 0.3),
        "spindle": np.exp(-0.2 * depth) * jitter(0.35, 0.0),
        "theta": jitter(0.2, 0.25),
        "alpha": np.exp(0.2 * tone) * jitter(0.3, 0.3),
        "beta": np.exp(0.15 * tone) * jitter(0.2, 0.25),
        "background": jitter(0.12, 0.12),
        "emg": np.exp(0.3 * tone) * jitter(0.3, 0.2),
        "eye": jitter(0.5, 0.3),
    }
    return SegmentPlan(state=state_flat, eyes_open=eyes_open, movement=movement, factors=factors)
