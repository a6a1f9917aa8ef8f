"""Synthetic test nights for the bundled-model studies: held out, in other styles, corrupted.

The bundled models (``scripts/train_default_model.py``) never saw subject 00
of the packaged Sleep-EDF hypnograms; subjects 01 and 02 chose their best
checkpoint (validation). Nights are generated from those hypnograms:

- ``randomised``: the training distribution (domain randomisation on), with
  seeds the training did not use: in-distribution held-out nights;
- ``plain``: the generator without randomisation (what ``seqsleepnet synth``
  writes by default);
- ``other sleeper``: a :class:`SubjectProfile` far outside what the generator
  draws (as in ``tests/test_unseen_nights.py``);
- ``other spectrum``: a plain night recorded through a fixed spectral shape
  outside every range of :data:`~seqsleepnet.data.synthetic.randomise.RANGES`
  (steeper tilt, theta/sigma/beta boosted, delta/alpha cut, narrow filters,
  strong 60-Hz mains): band powers the generator never produces;
- corruptions of an in-distribution night: gain x10, volts written under a
  microvolt label, the EEG and chin-EMG labels swapped, every EEG flat.

Every night is written once into a work folder with a ``night.json`` beside
it (its true stages and how it was made), so that an interrupted study
resumes without generating it again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from _common import write_json

HELD_OUT_SUBJECTS = (0,)
VALIDATION_SUBJECTS = (1, 2)
LAYOUTS = ("aasm", "mass", "shhs", "sleep-edf")
SEED = 1000  # the training cohort used seeds 7-10
FS = 256.0
OTHER_SLEEPER = {  # outside what SubjectProfile.draw gives a sleeper
    "amplitude": 0.5,
    "alpha_strength": 2.5,
    "aperiodic_slope": 0.6,
    "noise_level": 10.0,
    "emg_level": 0.3,
    "spindle_density": 1.0,
    "slow_wave_amplitude": 0.4,
}
OTHER_SPECTRUM = {  # outside every range of randomise.RANGES
    "tilt": -0.6,
    "band_gain": (0.45, 2.0, 0.35, 2.2, 2.5),  # delta, theta, alpha, sigma, beta
    "highpass_hz": 1.0,
    "lowpass_hz": 25.0,
    "mains_hz": 60.0,
    "mains_uv": 30.0,
}
STYLES = ("randomised", "plain", "other sleeper", "other spectrum")
CORRUPTIONS = ("gain x10", "volts", "EEG/EMG swapped", "flat EEG")
_AASM = (  # label, generator channel, physical range (uV)
    ("C4-M1", "eeg_central", 500.0),
    ("F4-M1", "eeg_frontal", 500.0),
    ("E1-M2", "eog_left", 1000.0),
    ("E2-M1", "eog_right", 1000.0),
    ("Chin1-Chin2", "emg", 1000.0),
)


@dataclass(frozen=True)
class Night:
    """One written test night."""

    psg: Path
    stages: npt.NDArray[np.int8]  # true stage per 30-s epoch
    info: dict[str, Any]  # hypnogram, subject, crop, layout, style or corruption


def hypnograms(subjects: tuple[int, ...]) -> list[Path]:
    """The packaged Sleep-EDF hypnograms of these subjects, sorted."""
    from seqsleepnet.data.synthetic.cohort import packaged_hypnograms, sleep_edf_identity

    files = sorted(packaged_hypnograms().glob("SC4*-Hypnogram.edf"))
    return [f for f in files if sleep_edf_identity(f)[0] in subjects]


def in_bed_stages(path: Path, hours: float | None = None) -> list[npt.NDArray[np.int8]]:
    """The in-bed stages of a hypnogram: whole, or cut into consecutive crops of ``hours``."""
    from seqsleepnet.io.hypnogram import read_hypnogram

    stages = read_hypnogram(path).in_bed().stages.astype(np.int8)
    if hours is None:
        return [stages]
    n = round(hours * 120)
    return [stages[i : i + n] for i in range(0, stages.size - n + 1, n)]


def _cached(folder: Path, make: Callable[[Path], Path], stages: npt.NDArray, info: dict) -> Night:
    record = folder / "night.json"
    if record.is_file():
        saved = json.loads(record.read_text())
        return Night(Path(saved["psg"]), np.asarray(saved["stages"], np.int8), saved["info"])
    folder.mkdir(parents=True, exist_ok=True)
    psg = make(folder)
    write_json(record, {"psg": str(psg), "stages": stages.tolist(), "info": info})
    return Night(psg, stages, info)


def _signals(stages: npt.NDArray, style: str, seed: int, subject: int, night: int) -> Any:
    """The :class:`SyntheticNight` of ``stages`` in one of :data:`STYLES`."""
    from seqsleepnet.data.synthetic import SubjectProfile, generate_night
    from seqsleepnet.data.synthetic.randomise import (
        BANDS,
        RecordingConditions,
        conditions_rng,
        render_conditions,
    )

    kwargs = {"seed": seed, "subject": subject, "night": night, "fs": FS}
    if style == "randomised":
        return generate_night(stages, randomise=True, **kwargs)
    if style == "other sleeper":
        return generate_night(stages, profile=SubjectProfile(**OTHER_SLEEPER), **kwargs)
    synthetic = generate_night(stages, **kwargs)
    if style == "other spectrum":
        channels = tuple(synthetic.signals)
        conditions = RecordingConditions(
            gain=1.0,
            channel_gain=dict.fromkeys(channels, 1.0),
            tilt=dict.fromkeys(channels, OTHER_SPECTRUM["tilt"]),
            band_gain=dict.fromkeys(channels, OTHER_SPECTRUM["band_gain"][: len(BANDS)]),
            mains_hz=OTHER_SPECTRUM["mains_hz"],
            mains_uv=OTHER_SPECTRUM["mains_uv"],
            pops_per_hour=0.0,
            highpass_hz=OTHER_SPECTRUM["highpass_hz"],
            lowpass_hz=OTHER_SPECTRUM["lowpass_hz"],
            spindle_density=1.0,
            alpha_strength=1.0,
            slow_wave_amplitude=1.0,
            rem_density=1.0,
        )
        rng = conditions_rng(seed, subject, night + 2000)
        render_conditions(synthetic.signals, FS, conditions, rng)
    elif style != "plain":
        raise ValueError(f"style={style!r}; allowed: {STYLES}")
    return synthetic


def layout_night(
    folder: Path,
    stages: npt.NDArray[np.int8],
    *,
    layout: str,
    style: str,
    subject: int,
    night: int,
    seed: int = SEED,
    info: dict[str, Any] | None = None,
) -> Night:
    """A night of ``stages`` in a layout and one of :data:`STYLES`, cached in ``folder``."""

    def make(target: Path) -> Path:
        from seqsleepnet.data.synthetic.edf_writer import night_to_edf, write_psg
        from seqsleepnet.data.synthetic.layouts import LAYOUTS as SPECS

        synthetic = _signals(stages, style, seed, subject, night)
        start = night_start(night)
        edf = night_to_edf(
            synthetic, layout, start=start, subject=subject, night_index=night, seed=seed
        )
        return write_psg(edf, target / SPECS[layout].names(subject, night)[0])

    details = {"layout": layout, "style": style, "subject": subject, "night": night, "seed": seed}
    return _cached(folder, make, stages, {**(info or {}), **details})


def night_start(night: int) -> dt.datetime:
    """Recording start of a layout night: 22:00 on 1 Jan 2000 plus ``night - 1`` days."""
    return dt.datetime(2000, 1, 1, 22, 0, 0) + dt.timedelta(days=night - 1)


def write_true_hypnogram(night: Night) -> Path:
    """The true stages of a layout night as a TSV hypnogram beside its EDF (for ``prepare``)."""
    from seqsleepnet.hypnogram import Hypnogram
    from seqsleepnet.io.hypnogram import write_hypnogram

    target = night.psg.parent / "true.tsv"
    if not target.is_file():
        start = night_start(int(night.info["night"]))
        write_hypnogram(Hypnogram(night.stages, 30.0, 0.0, start, str(target)), target)
    return target


def _write_aasm(
    path: Path,
    signals: dict[str, npt.NDArray[np.float32]],
    *,
    scale: float = 1.0,
    unit_range: float = 1.0,
    labels: dict[str, str] | None = None,
) -> Path:
    """An AASM-montage EDF; ``labels`` maps a label to the channel written under it."""
    import edfio

    from seqsleepnet.data.synthetic.edf_writer import write_psg

    out = []
    for label, channel, limit in _AASM:
        source = (labels or {}).get(label, channel)
        physical = limit * unit_range
        data = np.clip(signals[source] * scale, -physical, physical)
        out.append(
            edfio.EdfSignal(
                data, FS, label=label, physical_dimension="uV", physical_range=(-physical, physical)
            )
        )
    return write_psg(edfio.Edf(out), path)


def corrupted_nights(
    folder: Path, stages: npt.NDArray[np.int8], *, subject: int, night: int, info: dict[str, Any]
) -> dict[str, Night]:
    """The :data:`CORRUPTIONS` of one in-distribution (randomised) night, AASM montage."""
    missing = [c for c in CORRUPTIONS if not (folder / slug(c) / "night.json").is_file()]
    signals = _signals(stages, "randomised", SEED, subject, night).signals if missing else {}
    swapped = {"C4-M1": "emg", "Chin1-Chin2": "eeg_central"}
    flat = {**signals, **{k: v * 0 for k, v in signals.items() if k.startswith("eeg")}}
    writers: dict[str, Callable[[Path], Path]] = {
        "gain x10": lambda f: _write_aasm(f / "gain.edf", signals, scale=10.0, unit_range=10.0),
        "volts": lambda f: _write_aasm(f / "volts.edf", signals, scale=1e-6, unit_range=1e-6),
        "EEG/EMG swapped": lambda f: _write_aasm(f / "swapped.edf", signals, labels=swapped),
        "flat EEG": lambda f: _write_aasm(f / "flat.edf", flat),
    }
    return {
        name: _cached(
            folder / slug(name),
            writers[name],
            stages,
            {**info, "layout": "aasm", "corruption": name, "subject": subject, "night": night},
        )
        for name in CORRUPTIONS
    }


def slug(*parts: object) -> str:
    """A folder name for a night's parts (layout, style, hypnogram, crop)."""
    return "_".join("".join(c if c.isalnum() else "-" for c in str(p).lower()) for p in parts)
