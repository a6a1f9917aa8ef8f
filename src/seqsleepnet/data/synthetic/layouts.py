"""The layouts of public sleep datasets that synthetic nights are written in.

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

:mod:`.edf_writer` renders a night in a layout. This table imports nothing heavy,
so the command line lists the layouts without loading SciPy. Signals are
written with a physical range of +-500 uV (EEG) or +-1000 uV (EOG,
EMG); larger excursions (rare movement artefacts) are clipped to that range,
as an amplifier with the same EDF header would store them in the 16-bit
digital range.
"""

from __future__ import annotations

from dataclasses import dataclass

from seqsleepnet.errors import ConfigError, check_option

__all__ = ["LAYOUTS", "ChannelSpec", "Layout", "file_stem", "get_layout"]

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


def get_layout(name: str) -> Layout:
    """The layout called ``name``.

    Raises
    ------
    ConfigError
        If no layout has that name.
    """
    check_option("layout", name, sorted(LAYOUTS))
    return LAYOUTS[name]


def file_stem(layout: str, subject: int, night: int, name: str | None = None) -> str:
    """Dataset-style record name of a subject's night (without suffixes).

    Raises
    ------
    ConfigError
        If the layout is unknown or ``subject``/``night`` do not fit its scheme.
    """
    get_layout(layout)
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
