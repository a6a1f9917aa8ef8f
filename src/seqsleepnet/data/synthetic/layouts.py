"""Write synthetic nights as EDF files in the layouts of public sleep datasets.

Each :class:`Layout` fixes channel labels, per-channel sampling rates, physical
ranges and units, the data-record duration and the file names of a dataset:

- ``sleep-edf``: Sleep-EDF Expanded sleep cassette, ``SC4ssNE0-PSG.edf`` and
  ``SC4ssNEC-Hypnogram.edf`` (EDF+ ``Sleep stage X``), 100 Hz EEG/EOG and
  1 Hz auxiliary channels (the chin EMG as a 1-s RMS envelope), 30-s records.
- ``mass``: MASS SS3 style, ``01-03-00ss PSG.edf`` and ``01-03-00ss Base.edf``,
  256 Hz, EEG referred to the computed linked ears (``CLE``).
- ``shhs``: Sleep Heart Health Study, ``shhsN-2000ss.edf`` and
  ``shhsN-2000ss-nsrr.xml`` (NSRR XML), EEG/EMG at 125 Hz, EOG at 50 Hz.
- ``aasm``: a generic AASM montage at the generator's base rate, ``NAME.edf``
  and ``NAME.tsv``.

Signals are written with a physical range of +-500 uV (EEG) or +-1000 uV (EOG,
EMG); larger excursions (rare movement artefacts) are clipped to that range,
as an amplifier with the same EDF header would store them in the 16-bit
digital range.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import edfio
import numpy as np
import numpy.typing as npt
import scipy.signal

from seqsleepnet.data.synthetic.night import SyntheticNight
from seqsleepnet.errors import ConfigError, check_option
from seqsleepnet.io.atomic import atomic_path

__all__ = ["LAYOUTS", "ChannelSpec", "Layout", "file_stem", "night_to_edf", "write_psg"]

_EEG_RANGE = (-500.0, 500.0)
_WIDE_RANGE = (-1000.0, 1000.0)


@dataclass(frozen=True)
class ChannelSpec:
    """One EDF signal of a layout.

    Attributes
    ----------
    label : str
        EDF signal label, as in the dataset.
    source : str
        Synthetic channel key (see :data:`~seqsleepnet.data.synthetic.CHANNELS`)
        or a derived signal: ``emg_envelope``, ``chin1``, ``chin2``,
        ``respiration``, ``temperature``, ``marker``.
    fs : float or None
        Sampling rate in Hz; ``None`` means the generator's base rate.
    physical_range : tuple of float
        Physical minimum and maximum written to the header.
    dimension : str
        Physical dimension (unit).
    transducer : str
        Transducer type header field.
    """

    label: str
    source: str
    fs: float | None
    physical_range: tuple[float, float] = _EEG_RANGE
    dimension: str = "uV"
    transducer: str = "AgAgCl electrode"


@dataclass(frozen=True)
class Layout:
    """Channels, record duration and file naming of one dataset."""

    name: str
    channels: tuple[ChannelSpec, ...]
    record_duration: float
    equipment: str

    def names(self, subject: int, night: int, name: str | None = None) -> tuple[str, str]:
        """File names of the PSG and the hypnogram of one night."""
        stem = file_stem(self.name, subject, night, name)
        if self.name == "sleep-edf":
            return f"{stem}0-PSG.edf", f"{stem}C-Hypnogram.edf"
        if self.name == "mass":
            return f"{stem} PSG.edf", f"{stem} Base.edf"
        if self.name == "shhs":
            return f"{stem}.edf", f"{stem}-nsrr.xml"
        return f"{stem}.edf", f"{stem}.tsv"


def _spec(
    label: str,
    source: str,
    fs: float | None,
    physical_range: tuple[float, float] = _EEG_RANGE,
    dimension: str = "uV",
    transducer: str = "AgAgCl electrode",
) -> ChannelSpec:
    return ChannelSpec(label, source, fs, physical_range, dimension, transducer)


LAYOUTS: dict[str, Layout] = {
    "sleep-edf": Layout(
        "sleep-edf",
        (
            _spec("EEG Fpz-Cz", "eeg_frontal", 100.0),
            _spec("EEG Pz-Oz", "eeg_occipital", 100.0),
            _spec("EOG horizontal", "eog_horizontal", 100.0, _WIDE_RANGE),
            _spec("Resp oro-nasal", "respiration", 1.0, (-2048.0, 2047.0), "", "Thermistor"),
            _spec("EMG submental", "emg_envelope", 1.0, (0.0, 1000.0), "uV", "RMS envelope"),
            _spec("Temp rectal", "temperature", 1.0, (30.0, 42.0), "DegC", "Rectal thermistor"),
            _spec("Event marker", "marker", 1.0, (-1.0, 1.0), "", "Marker button"),
        ),
        30.0,
        "seqsleepnet-synth_sleep-edf",
    ),
    "mass": Layout(
        "mass",
        (
            _spec("EEG F4-CLE", "eeg_frontal", 256.0),
            _spec("EEG C4-CLE", "eeg_central", 256.0),
            _spec("EEG O2-CLE", "eeg_occipital", 256.0),
            _spec("EOG Right Horiz", "eog_right", 256.0, _WIDE_RANGE),
            _spec("EOG Left Horiz", "eog_left", 256.0, _WIDE_RANGE),
            _spec("EMG Chin1", "chin1", 256.0, _WIDE_RANGE),
            _spec("EMG Chin2", "chin2", 256.0, _WIDE_RANGE),
        ),
        1.0,
        "seqsleepnet-synth_mass",
    ),
    "shhs": Layout(
        "shhs",
        (
            _spec("EEG(sec)", "eeg_frontal", 125.0),
            _spec("EEG", "eeg_central", 125.0),
            _spec("EOG(L)", "eog_left", 50.0, _WIDE_RANGE),
            _spec("EOG(R)", "eog_right", 50.0, _WIDE_RANGE),
            _spec("EMG", "emg", 125.0, _WIDE_RANGE),
        ),
        1.0,
        "seqsleepnet-synth_shhs",
    ),
    "aasm": Layout(
        "aasm",
        (
            _spec("C4-M1", "eeg_central", None),
            _spec("F4-M1", "eeg_frontal", None),
            _spec("O2-M1", "eeg_occipital", None),
            _spec("E1-M2", "eog_left", None, _WIDE_RANGE),
            _spec("E2-M1", "eog_right", None, _WIDE_RANGE),
            _spec("Chin1-Chin2", "emg", None, _WIDE_RANGE),
        ),
        1.0,
        "seqsleepnet-synth_aasm",
    ),
}


def _layout(name: str) -> Layout:
    check_option("layout", name, sorted(LAYOUTS))
    return LAYOUTS[name]


def file_stem(layout: str, subject: int, night: int, name: str | None = None) -> str:
    """Dataset-style record name of a subject's night (without suffixes).

    Raises
    ------
    ConfigError
        If the layout is unknown or ``subject``/``night`` do not fit its scheme.
    """
    _layout(layout)
    if not 0 <= subject <= 99 or not 1 <= night <= 9:
        raise ConfigError(
            f"subject={subject} night={night} do not fit dataset file names; "
            "use subject 0..99 and night 1..9"
        )
    if layout == "sleep-edf":
        return f"SC4{subject:02d}{night}E"
    if layout == "mass":
        suffix = "" if night == 1 else f"-{night}"
        return f"01-03-00{subject:02d}{suffix}"
    if layout == "shhs":
        return f"shhs{night}-2000{subject:02d}"
    return name if name else f"synth-{subject:02d}-night{night}"


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
    spec = _layout(layout)
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
