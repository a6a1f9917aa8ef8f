"""Render a synthetic night as an EDF file in a dataset layout (:mod:`.layouts`).

Each channel of the layout is derived from the generated signals at its own
rate (resampled, or an envelope, respiration, temperature or marker signal)
and clipped to its physical range.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import edfio
import numpy as np
import numpy.typing as npt
import scipy.signal

from seqsleepnet.data.synthetic.layouts import get_layout
from seqsleepnet.data.synthetic.night import SyntheticNight
from seqsleepnet.errors import ConfigError
from seqsleepnet.io.atomic import atomic_path

__all__ = ["night_to_edf", "write_psg"]


def _resample(x: npt.NDArray[np.float32], fs_in: float, fs_out: float) -> npt.NDArray[np.float64]:
    if fs_in == fs_out:
        return x.astype(np.float64)
    ratio = Fraction(fs_out / fs_in).limit_denominator(1000)
    return scipy.signal.resample_poly(x.astype(np.float64), ratio.numerator, ratio.denominator)


def _derived(
    night: SyntheticNight, source: str, fs: float, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Signal for one channel spec at rate ``fs``."""
    s, base = night.signals, night.fs
    seconds = round(night.duration)
    if source in s:
        return _resample(s[source], base, fs)
    if source == "eog_horizontal":
        return _resample(s["eog_left"] - s["eog_right"], base, fs)
    if source in ("chin1", "chin2"):
        common = rng.standard_normal(s["emg"].size).astype(np.float32)
        half = 0.5 * s["emg"] if source == "chin1" else -0.5 * s["emg"]
        return _resample((half + common).astype(np.float32), base, fs)
    if source == "emg_envelope":
        per_second = s["emg"].reshape(seconds, -1).astype(np.float64)
        rms = np.sqrt(np.mean(per_second**2, axis=1))
        return np.repeat(rms, int(fs))
    t = np.arange(round(seconds * fs)) / fs
    if source == "respiration":
        rate = 0.25 + 0.02 * np.cumsum(rng.normal(0, 0.05, t.size)) / np.sqrt(t.size)
        phase = 2 * np.pi * np.cumsum(rate) / fs
        return 300.0 * np.sin(phase) + rng.normal(0.0, 30.0, t.size)
    if source == "temperature":
        return 37.1 - 0.4 * np.sin(np.pi * t / max(seconds, 1)) + rng.normal(0, 0.01, t.size)
    if source == "marker":
        return np.zeros(t.size)
    raise ConfigError(f"channel source {source!r} is not known")


def night_to_edf(
    night: SyntheticNight,
    layout: str = "sleep-edf",
    *,
    start: dt.datetime | None = None,
    subject: int = 0,
    night_index: int = 1,
    seed: int = 0,
) -> edfio.Edf:
    """Build the EDF (signals and header) of a synthetic night in a dataset layout.

    Parameters
    ----------
    night : SyntheticNight
        Generated signals (microvolts at the base rate).
    layout : {"sleep-edf", "mass", "shhs", "aasm"}
    start : datetime, optional
        Recording start written to the header; default 22:00 on 1 Jan 2000 plus
        ``night_index - 1`` days.
    subject, night_index, seed : int
        Identify the recording (patient code) and seed the auxiliary channels.

    Returns
    -------
    edfio.Edf
        Values outside each channel's physical range are clipped to it.
    """
    spec = get_layout(layout)
    if start is None:
        start = dt.datetime(2000, 1, 1, 22, 0, 0) + dt.timedelta(days=night_index - 1)
    rng = np.random.default_rng([int(seed), int(subject), int(night_index), 0xED7])
    signals = []
    for channel in spec.channels:
        fs = night.fs if channel.fs is None else channel.fs
        data = np.clip(_derived(night, channel.source, fs, rng), *channel.physical_range)
        signals.append(
            edfio.EdfSignal(
                data,
                fs,
                label=channel.label,
                transducer_type=channel.transducer,
                physical_dimension=channel.dimension,
                physical_range=channel.physical_range,
                prefiltering=f"HP:0.1Hz LP:{0.5 * fs:g}Hz" if fs >= 50 else "",
            )
        )
    patient = edfio.Patient(
        code=f"SYN{subject:02d}", sex="X", name="X", additional=[f"age_{int(night.profile.age)}yr"]
    )
    recording = edfio.Recording(
        startdate=start.date(),
        hospital_administration_code=f"night{night_index}",
        investigator_technician_code="X",
        equipment_code=spec.equipment.replace(" ", "_"),
    )
    return edfio.Edf(
        signals,
        patient=patient,
        recording=recording,
        starttime=start.time().replace(microsecond=0),
        data_record_duration=spec.record_duration,
    )


def write_psg(edf: edfio.Edf, path: str | Path) -> Path:
    """Write an EDF atomically (a failed write leaves no partial file)."""
    target = Path(path)
    with atomic_path(target) as temporary:
        edf.write(temporary)
    return target
