"""Quality flags of a staged night: where the stages should not be trusted as they are.

Every staged night is checked against :data:`THRESHOLDS`, the one table of
limits:

- ``distribution``: the night's input is far from the model's training data.
  Per channel, the normalised input (z-scored with the training-set
  normaliser stored in the checkpoint) should have a mean near 0 and a
  standard deviation near 1 in every frequency bin; ``shift`` is the
  root-mean-square over bins of the night's mean, ``spread`` the mean over
  bins of ``|ln std|``. A model that centres each bin on the night's median
  (the bundled ones) makes both small whatever the recording, so its
  checkpoint also holds the spectral shapes of its training nights, and
  ``spectral_shape`` is the distance of the night's shape from them
  (:mod:`seqsleepnet.features.spectral_shape`).
- ``degenerate``: one stage over 90% of a night longer than 2 h, no sleep, or
  no stage transition.
- ``confidence``: a low mean top-stage probability.
- ``channels``: a channel not used for its role (dropped or substituted), or
  an implausible channel used because it was named.
- ``signal``: what reading and conditioning found in a channel used for its
  role: at least ``clipped_share`` of its samples at the rails of the file
  (partly clipped; :data:`seqsleepnet.io.edf.CLIP_WARN_FRACTION` says what
  that share means), or a conditioned amplitude outside its role's range.
  Also, per epoch (:mod:`seqsleepnet.features.epoch_signal`): spans of a
  channel, together at least ``epoch_signal_minutes`` long, whose spectrum is
  flat where its role's falls steeply (``epoch_tilt_eeg``: an electrode off,
  noise instead of EEG) or whose level departs from the rest of the night by
  more than sleep stages move it (``epoch_level_<role>``: a gain change, a
  lost or loose electrode). Such epochs stay staged; the flag names the
  channel and the spans (clock time when the recording has a start time) and
  says that the stages there are unreliable.
- ``recording``: the recording as a whole, e.g. the gaps of a discontinuous
  (EDF+D) file, whose epochs are left unscored, a recording with fewer
  epochs than one sequence of the model (``seq_len``), or, for a model that
  centres each bin on the recording's median, less than
  ``centred_min_hours`` of signal to centre on.

The ``signal`` and ``recording`` flags come from the recording's notes
(:class:`~seqsleepnet.io.notes.SignalNote`, ``Recording.notes``): whatever the
reading steps find reaches the night's quality, never only a warning.

:func:`assess_night` measures a night; :class:`QualityReport` goes into
``<name>.stats.json`` (``quality``), the console and the HTML report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.features.epoch_signal import EpochSignal
from seqsleepnet.features.normalize import bin_moments
from seqsleepnet.hypnogram import clock_after
from seqsleepnet.io.edf import CLIP_WARN_FRACTION
from seqsleepnet.io.notes import SignalNote
from seqsleepnet.stages import STAGE_NAMES

__all__ = ["THRESHOLDS", "QualityFlag", "QualityReport", "assess_night"]

THRESHOLDS: dict[str, float] = {
    "distribution_shift": 1.5,  # RMS over bins of the night's mean z, per channel
    "distribution_spread": 0.5,  # mean over bins of |ln std z|, per channel
    "dominant_stage_share": 0.9,  # one stage over this share of the night ...
    "degenerate_min_hours": 2.0,  # ... of a night at least this long
    "centred_min_hours": 1.5,  # signal a recording-centred model's median is taken over
    "mean_confidence": 0.86,  # mean top-stage probability below this
    "spectral_shape": 2.35,  # RMS z of the night's spectral shape, per channel
    "clipped_share": CLIP_WARN_FRACTION,  # share of a channel's samples at its rails
    "epoch_tilt_eeg": 1.0,  # dB, 1-8 Hz over 20-35 Hz: an EEG epoch flatter is not EEG
    "epoch_level_eeg": 5.0,  # dB, an epoch's level off the night's typical one, per role
    "epoch_level_eog": 10.0,
    "epoch_level_emg": 20.0,
    "epoch_signal_minutes": 10.0,  # flagged epochs of one channel that make a flag
}
"""Limits of every quality flag.

``spectral_shape`` and ``mean_confidence`` are the two measures a night of
the models' own training distribution can cross, so they share a false-alarm
budget of 5%: each was set at 2.5% of 92 held-out synthetic 2-h nights of the
bundled models' training distribution (randomised, in the four layouts;
``benchmarks/quality_calibration.py --seed 1000``): the 97.5th percentile of
the distance (2.34) and the 2.5th of the confidence (0.862), rounded outwards.
The false-alarm rate is measured on 92 other such nights (``--seed 2000``,
BENCHMARKS.md). A low mean confidence is what a sleeper unlike the training
ones shows first (weak slow waves, a flat high-frequency spectrum: 0.82-0.84,
staged at 53-60%; ``tests/test_unseen_nights.py``); a spectrum of another
shape (3.6 and more) or swapped EEG and EMG labels (4.2 and more) lie far
above the distance limit. With the bundled models the largest shift on those
nights was 0.07 and the largest spread 0.22; the shift and spread limits stay
those set for models without recording centering (held-out nights of the
training style reached a shift of 0.95 and a spread of 0.16; a gain of 10
shifts their input by about 3.4). The limits are the bundled models': a model
of your own may be less confident on every night, which this flag then says.

``centred_min_hours`` is where the bundled models stop holding their
agreement as recordings get shorter (``benchmarks/short_recordings.py``,
BENCHMARKS.md): on held-out randomised crops of subjects 00-02, 18 per
length, mean agreement was 85-87% for crops of 1.5, 2 and 3 h and 52-58%
for crops of 20-30 min, 81% for 1 h, where 2 of 18 were below 70% without
any other flag. A short recording's median follows its few stages, not a
night's mix, so its stages shift (N3 read as N2 in an N3-rich crop).

The per-epoch limits (``epoch_*``, :mod:`seqsleepnet.features.epoch_signal`,
smoothed over 5 epochs) do not depend on the model. A night is flagged when
one channel has at least ``epoch_signal_minutes`` (10 min, 20 epochs) beyond
them, so each limit was compared with the 20th most extreme epoch of every
in-distribution night (``benchmarks/epoch_signal_calibration.py``): on the
92 randomised 2-h nights of ``quality_calibration.py --seed 2000`` (four
layouts) the worst such values were EEG level 2.4 dB, EEG tilt 3.3 dB, EOG
level 4.1 dB, EMG level 11.8 dB; on 12 whole randomised nights (5.6-10.6 h,
104 h, subjects 03-08, seeds 3001-3012, not used to choose the measures)
3.1, 2.2, 6.4 and 14.2 dB. The limits keep a margin over these (an EMG limit
of 14 dB flagged one of the 12 long nights; stages move a chin EMG by up to
about 17 dB); 0 of the 104 nights (288 h) is flagged. Detection
(``results/epoch_signal_calibration.json``), 22 of 22 EEG corruptions of
2.7-5-h nights: EEG replaced by hum plus 10 uV noise, by 3-30 uV white
noise, or flat, over 15-75 min anywhere in the night (span medians of tilt
-1.6 to 0.0 dB); EEG gain x5 or x0.2 over 30-150 min (level 13.2-14.3 dB
off), x3 over 90 min (9.1-9.8 dB), the audit's
``electrode_off_last_quarter`` and ``gain_change_midnight`` included. Missed,
0 of 6: an EOG replaced by 10 uV of noise (+9.5 dB, its own level), a chin
EMG replaced by 1 uV of noise or at x5 gain for half the night: the EOG and
EMG checks catch only a level change of about x3 (EOG) or x10 (EMG).
"""


@dataclass(frozen=True)
class QualityFlag:
    """One reason to doubt a staged night."""

    kind: str  # "distribution", "degenerate", "confidence", "channels", "signal", "recording"
    message: str
    value: float | None = None
    threshold: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "kind": self.kind,
            "message": self.message,
            "value": self.value,
            "threshold": self.threshold,
        }


@dataclass(frozen=True)
class QualityReport:
    """The quality flags of one night and everything measured for them."""

    flags: tuple[QualityFlag, ...]
    measures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing was flagged."""
        return not self.flags

    def lines(self) -> list[str]:
        """One human-readable line per flag."""
        return [f"{flag.kind}: {flag.message}" for flag in self.flags]

    def flagged_spans(self) -> list[tuple[float, float, str]]:
        """Seconds from the recording start and role of each span of a flagged channel.

        The spans behind ``signal`` flags of channels unlike their role
        (``measures["epochs"]``), in time order; spans of a channel whose
        spans together stayed under ``epoch_signal_minutes`` are not flagged
        and not listed.
        """
        spans = [
            (float(span["start_s"]), float(span["end_s"]), role)
            for role, found in self.measures.get("epochs", {}).items()
            if found.get("flagged")
            for span in found["spans"]
        ]
        return sorted(spans)

    def to_dict(self) -> dict[str, Any]:
        """The ``quality`` section of ``stats.json``: flags, measures and thresholds."""
        return {
            "ok": self.ok,
            "flags": [flag.to_dict() for flag in self.flags],
            "measures": self.measures,
            "thresholds": dict(THRESHOLDS),
        }


def _distribution(
    inputs: npt.NDArray[np.float32], roles: Sequence[str]
) -> tuple[list[QualityFlag], dict[str, Any]]:
    """Flags of channels whose normalised input (E, C, T, F) is far from mean 0, std 1."""
    chunks = (inputs[i : i + 256] for i in range(0, inputs.shape[0], 256))  # no float64 copy
    mean, var = bin_moments(chunks)  # (C, F) each
    std = np.sqrt(var)
    shift = np.sqrt(np.mean(mean**2, axis=1))  # (C,)
    spread = np.mean(np.abs(np.log(np.maximum(std, 1e-6))), axis=1)
    flags = []
    measures: dict[str, Any] = {}
    for c, role in enumerate(roles):
        measures[role] = {"shift": round(float(shift[c]), 4), "spread": round(float(spread[c]), 4)}
        for name, value in (("shift", shift[c]), ("spread", spread[c])):
            limit = THRESHOLDS[f"distribution_{name}"]
            if value > limit:
                flags.append(
                    QualityFlag(
                        "distribution",
                        f"{role.upper()} input is far from the model's training data "
                        f"({name} {value:.2f} > {limit:g} in training-set standard deviations): "
                        "other equipment, gain, units or montage than the model knows",
                        round(float(value), 4),
                        limit,
                    )
                )
    return flags, measures


def _degenerate(
    stages: npt.NDArray[np.int8], epoch_length: float
) -> tuple[list[QualityFlag], dict[str, Any]]:
    """Flags of a hypnogram that no real night of this length would have."""
    hours = stages.size * epoch_length / 3600.0
    counts = np.bincount(stages[stages >= 0].astype(np.int64), minlength=len(STAGE_NAMES))
    share = counts / max(int(counts.sum()), 1)
    top = int(np.argmax(share))
    transitions = int(np.count_nonzero(np.diff(stages) != 0))
    measures = {
        "hours": round(hours, 3),
        "dominant_stage": STAGE_NAMES[top],
        "dominant_share": round(float(share[top]), 4),
        "sleep_epochs": int(counts[1:].sum()),
        "transitions": transitions,
    }
    if hours < THRESHOLDS["degenerate_min_hours"]:
        return [], measures
    flags = []
    limit = THRESHOLDS["dominant_stage_share"]
    if share[top] > limit:
        flags.append(
            QualityFlag(
                "degenerate",
                f"{STAGE_NAMES[top]} covers {share[top]:.0%} of a {hours:.1f}-h night (more "
                f"than {limit:.0%}): the model probably cannot read this recording",
                round(float(share[top]), 4),
                limit,
            )
        )
    if counts[1:].sum() == 0:
        flags.append(QualityFlag("degenerate", f"no sleep staged in a {hours:.1f}-h night", 0.0))
    if transitions == 0:
        flags.append(
            QualityFlag("degenerate", f"no stage transition in a {hours:.1f}-h night", 0.0)
        )
    return flags, measures


def _shorter_than_a_sequence(
    n_epochs: int, seq_len: int | None, epoch_length: float
) -> list[QualityFlag]:
    """The flag of a recording with fewer epochs than one sequence of the model.

    The model learnt to stage sequences of ``seq_len`` epochs; a shorter
    recording gives it one shorter (or padded) sequence, and a model that
    centres each frequency bin on the recording's median (the bundled ones)
    centres it on a few minutes of one or two stages instead of a night's mix,
    which removes what tells those stages apart.
    """
    if seq_len is None or n_epochs == 0 or n_epochs >= seq_len:
        return []
    minutes = n_epochs * epoch_length / 60.0
    return [
        QualityFlag(
            "recording",
            f"the recording has {n_epochs} epochs ({minutes:g} min), fewer than the {seq_len} "
            f"({seq_len * epoch_length / 60.0:g} min) of one sequence of the model: it is staged "
            "without the context the model learnt from (and, with bins centred on the "
            "recording's median, on a few minutes of one or two stages instead of a night's "
            "mix); these stages are unreliable: stage a longer recording of the night",
            float(n_epochs),
            float(seq_len),
        )
    ]


def _little_to_centre_on(
    centred_hours: float | None, n_epochs: int, seq_len: int | None
) -> list[QualityFlag]:
    """The flag of a recording-centred model given less than ``centred_min_hours`` of signal.

    ``centred_hours``: hours of recorded signal whose median each bin was
    centred on (None for a model without recording centering). A recording
    shorter than one sequence has its own flag, which says this too.
    """
    limit = THRESHOLDS["centred_min_hours"]
    if centred_hours is None or n_epochs == 0 or centred_hours >= limit:
        return []
    if seq_len is not None and n_epochs < seq_len:
        return []
    return [
        QualityFlag(
            "recording",
            f"each frequency bin was centred on its median over {centred_hours:.2g} h of "
            f"signal, less than {limit:g} h: the median of a short recording follows its few "
            "stages instead of a night's mix, so its stages may be shifted (on synthetic crops "
            "of 20-60 min, agreement fell to 52-81%, against 85-87% from 1.5 h): stage a "
            "longer recording of the night, or use a model without recording centering",
            round(centred_hours, 3),
            limit,
        )
    ]


_EPOCH_CAUSE = {
    "tilt": "a flat spectrum is noise, not {role} (an electrode off?)",
    "level": "a level far from the rest of the night is a gain change or a loose electrode",
}


def _clock(seconds: float, start_time: datetime | None) -> str:
    """A time of the night: wall clock with a start time, else hours:minutes from the start."""
    if start_time is not None:
        return clock_after(start_time, seconds).strftime("%H:%M")
    minutes = round(seconds / 60.0)
    return f"+{minutes // 60}:{minutes % 60:02d}"


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Epochs ``[first, stop)`` of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _epoch_signal(
    found: EpochSignal, epoch_length: float, start_time: datetime | None
) -> tuple[list[QualityFlag], dict[str, Any]]:
    """Flags of channels with spans, together at least ``epoch_signal_minutes``, that are
    not the signal of their role or depart from the rest of the night."""
    min_minutes = THRESHOLDS["epoch_signal_minutes"]
    flags = []
    measures: dict[str, Any] = {}
    for c, (role, channel) in enumerate(zip(found.roles, found.channels, strict=True)):
        level, tilt = found.level[:, c], found.tilt[:, c]
        level_limit = THRESHOLDS.get(f"epoch_level_{role}")
        tilt_limit = THRESHOLDS.get(f"epoch_tilt_{role}")
        checks = {
            "level": np.abs(level) > level_limit if level_limit is not None else None,
            "tilt": tilt < tilt_limit if tilt_limit is not None else None,
        }
        bad = np.zeros(level.shape, dtype=bool)
        for hit in checks.values():
            if hit is not None:
                bad |= hit
        bad &= found.recorded
        minutes = float(bad.sum()) * epoch_length / 60.0
        spans = []
        for first, stop in _runs(bad):
            span: dict[str, Any] = {
                "start_s": first * epoch_length,
                "end_s": stop * epoch_length,
                "start": _clock(first * epoch_length, start_time),
                "end": _clock(stop * epoch_length, start_time),
                "epochs": stop - first,
                "level_db": round(float(np.median(level[first:stop])), 2),
                "tilt_db": round(float(np.median(tilt[first:stop])), 2),
                "checks": [
                    k for k, hit in checks.items() if hit is not None and hit[first:stop].any()
                ],
            }
            spans.append(span)
        recorded = found.recorded
        measures[role] = {
            "channel": channel,
            "largest_level_db": round(float(np.abs(level[recorded]).max(initial=0.0)), 2),
            "smallest_tilt_db": round(float(tilt[recorded].min(initial=np.inf)), 2)
            if recorded.any()
            else None,
            "flagged_epochs": int(bad.sum()),
            "flagged_minutes": round(minutes, 1),
            "flagged": minutes >= min_minutes,
            "spans": spans,
        }
        if minutes < min_minutes:
            continue
        shown = sorted(sorted(spans, key=lambda s: -s["epochs"])[:3], key=lambda s: s["start_s"])
        where = ", ".join(
            f"{s['start']}-{s['end']} ("
            + ", ".join(
                f"level {s['level_db']:+.1f} dB, beyond +-{level_limit:g}"
                if k == "level"
                else f"tilt {s['tilt_db']:.1f} dB < {tilt_limit:g}"
                for k in s["checks"]
            )
            + ")"
            for s in shown
        )
        more = f" and {len(spans) - len(shown)} shorter span(s)" if len(spans) > len(shown) else ""
        causes = sorted({k for s in spans for k in s["checks"]}, reverse=True)
        flags.append(
            QualityFlag(
                "signal",
                f"{role.upper()} channel {channel!r}: {minutes:.0f} min ({int(bad.sum())} epochs) "
                f"in {len(spans)} span(s) unlike {role.upper()} or the rest of the night: "
                f"{where}{more}; "
                + "; ".join(_EPOCH_CAUSE[k].format(role=role.upper()) for k in causes)
                + "; the stages there are unreliable",
                round(minutes, 1),
                min_minutes,
            )
        )
    return flags, measures


def assess_night(
    stages: npt.NDArray[np.int8],
    probabilities: npt.NDArray[np.float32],
    *,
    epoch_length: float,
    roles: Sequence[str],
    inputs: npt.NDArray[np.float32] | None = None,
    channel_notes: Mapping[str, str] | None = None,
    spectral_distance: Mapping[str, float] | None = None,
    signal_notes: Sequence[SignalNote] = (),
    epoch_signal: EpochSignal | None = None,
    start_time: datetime | None = None,
    seq_len: int | None = None,
    centred_hours: float | None = None,
) -> QualityReport:
    """Measure one staged night and flag what is implausible.

    Parameters
    ----------
    stages : ndarray of int8, shape (E,)
        Predicted stages.
    probabilities : ndarray of float32, shape (E, 5)
        Per-epoch stage probabilities.
    epoch_length : float
        Seconds per epoch.
    roles : sequence of str
        Role of each input channel.
    inputs : ndarray of float32, shape (E, C, T, F), optional
        The normalised time-frequency input the model read; without it (a
        model of raw signals) the distribution is not measured.
    channel_notes : mapping of str to str, optional
        Role -> why a channel was not used for it, or was used although
        implausible (:attr:`seqsleepnet.io.survey.ChannelSurvey.notes`).
    spectral_distance : mapping of str to float, optional
        Role -> distance of the night's spectral shape from the training
        nights' (:meth:`seqsleepnet.features.spectral_shape.SpectralReference.distance`),
        for models whose checkpoint holds the reference.
    signal_notes : sequence of SignalNote
        What reading and conditioning found (``Recording.notes``): each is a
        flag of its own kind (``signal`` or ``recording``) with its measured
        value and threshold, listed in ``measures["signal"]``.
    epoch_signal : EpochSignal, optional
        Each channel's level and spectral tilt per epoch.
    start_time : datetime, optional
        The recording's start, to name flagged spans by clock time.
    seq_len : int, optional
        Epochs per sequence of the model: a recording with fewer is flagged.
    centred_hours : float, optional
        Hours of recorded signal whose median each bin was centred on, for a
        model that centres on the recording: under ``centred_min_hours`` is
        flagged.

    Returns
    -------
    QualityReport
    """
    flags: list[QualityFlag] = [
        QualityFlag("channels", note) for note in (channel_notes or {}).values()
    ]
    measures: dict[str, Any] = {}
    if signal_notes:
        flags.extend(
            QualityFlag(note.kind, note.message, note.value, note.threshold)
            for note in signal_notes
        )
        measures["signal"] = [note.to_dict() for note in signal_notes]
    if epoch_signal is not None and epoch_signal.level.shape[0]:
        spans, measures["epochs"] = _epoch_signal(epoch_signal, epoch_length, start_time)
        flags.extend(spans)
    if inputs is not None and inputs.ndim == 4 and inputs.shape[0]:
        found, measures["distribution"] = _distribution(inputs, roles)
        flags.extend(found)
    if spectral_distance:
        limit = THRESHOLDS["spectral_shape"]
        measures["spectral_shape"] = {r: round(float(d), 4) for r, d in spectral_distance.items()}
        flags.extend(
            QualityFlag(
                "distribution",
                f"{role.upper()} spectrum has another shape than the training nights' (distance "
                f"{distance:.2f} > {limit:g} in their standard deviations): another montage, "
                "sleeper or equipment than the model knows",
                round(float(distance), 4),
                limit,
            )
            for role, distance in spectral_distance.items()
            if distance > limit
        )
    found, measures["hypnogram"] = _degenerate(stages, epoch_length)
    flags.extend(found)
    flags.extend(_shorter_than_a_sequence(int(stages.size), seq_len, epoch_length))
    flags.extend(_little_to_centre_on(centred_hours, int(stages.size), seq_len))
    confidence = float(probabilities.max(axis=1).mean()) if probabilities.size else 1.0
    measures["mean_confidence"] = round(confidence, 4)
    if confidence < THRESHOLDS["mean_confidence"]:
        flags.append(
            QualityFlag(
                "confidence",
                f"mean confidence {confidence:.2f} is below {THRESHOLDS['mean_confidence']:g}: "
                "review the stages before using them",
                round(confidence, 4),
                THRESHOLDS["mean_confidence"],
            )
        )
    return QualityReport(tuple(flags), measures)
