"""The catalogue of bad inputs: each case writes one damaged file and names the error it must raise.

A case belongs to one entry point (``kind``):

* ``psg``: an EDF/BDF recording, read with ``read_recording`` and by the CLI
  commands ``info`` (header-level problems only), ``features`` and ``stage``;
* ``raw``: an in-memory ``mne.io.Raw`` (NaN and inf cannot be stored in the
  integer samples of an EDF/BDF file, so these cases have no CLI path);
* ``hypnogram``: a hypnogram file, read with ``read_hypnogram`` and by the CLI
  commands ``hypnogram`` and ``stage --true``;
* ``alignment``: a readable hypnogram that does not fit the recording, through
  ``read_hypnogram`` + ``Hypnogram.align_to`` and ``stage --true`` (which aligns with
  :func:`~seqsleepnet.alignment.align_hypnograms`; the match gives both messages);
* ``checkpoint``: a model file, through ``SleepStager.from_checkpoint`` and
  ``stage --model``.

Builders write into a folder and return :class:`Inputs`; inputs a case does not
damage (the recording of a checkpoint case, the checkpoint of a PSG case) come
from :func:`write_good_psg` and :func:`write_good_checkpoint`.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import edfio
import mne
import numpy as np
import numpy.typing as npt
import torch
from scipy.signal import lfilter

from seqsleepnet.errors import (
    AlignmentError,
    ChannelError,
    CheckpointError,
    FileFormatError,
    HypnogramError,
    SeqSleepNetError,
    SignalError,
    UnknownStageError,
)
from seqsleepnet.features.model_input import ModelInput
from seqsleepnet.features.normalize import Normalizer
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.models.checkpoint import _checksum, save_checkpoint, save_trained
from seqsleepnet.models.registry import build_model

__all__ = [
    "CASES",
    "GOOD_EPOCHS",
    "GOOD_START",
    "ROLE_NAMES",
    "Case",
    "Inputs",
    "signal_like",
    "write_bdf",
    "write_good_checkpoint",
    "write_good_psg",
    "write_psg",
]

GOOD_SECONDS = 600.0  # 20 epochs: short enough to stage in a fraction of a second
GOOD_EPOCHS = 20
GOOD_START = datetime(2020, 3, 1, 22, 30, 0)
SFREQ = 100.0
ROLE_NAMES = ("C4-M1", "E1-M2", "Chin1-Chin2")
NS = 3  # signals in the standard PSG the header cases patch

# Per-signal header fields: (offset of the field block / number of signals, width)
_FIELDS = {
    "label": (0, 16),
    "physical_dimension": (96, 8),
    "physical_min": (104, 8),
    "physical_max": (112, 8),
    "digital_min": (120, 8),
    "digital_max": (128, 8),
    "samples_per_record": (216, 8),
}


@dataclass
class Inputs:
    """Files (or a Raw) a case provides; None means: use the good one."""

    psg: Path | None = None
    hypnogram: Path | None = None
    checkpoint: Path | None = None
    raw: mne.io.BaseRaw | None = None
    marker: Path | None = None  # a file that must never appear (code in a pickle)


Builder = Callable[[Path], Inputs]


@dataclass(frozen=True)
class Case:
    """One bad input: how to build it and what must happen."""

    id: str
    kind: str  # "psg", "raw", "hypnogram", "alignment" or "checkpoint"
    build: Builder
    error: type[SeqSleepNetError]
    match: str  # regular expression searched in the message
    header_level: bool = False  # PSG problem visible in the header: `info` must fail too
    names_file: bool = True  # the message names the damaged file


# ---------------------------------------------------------------------- writers


def signal_like(seconds: float, sfreq: float, seed: int, scale: float = 20.0) -> npt.NDArray[Any]:
    """AR(1) noise (more power at low frequencies) with a 10-Hz rhythm, in microvolts."""
    rng = np.random.default_rng(seed)
    n = round(seconds * sfreq)
    noise = lfilter([1.0], [1.0, -0.9], rng.normal(size=n))
    t = np.arange(n) / sfreq
    return np.asarray(scale * (noise / noise.std() + np.sin(2 * np.pi * 10 * t)))


def write_psg(
    path: Path,
    channels: dict[str, npt.NDArray[Any]] | list[tuple[str, npt.NDArray[Any]]],
    *,
    sfreq: float = SFREQ,
    record_duration: float = 30.0,
    physical_range: tuple[float, float] = (-1000.0, 1000.0),
    start: datetime | None = GOOD_START,
) -> Path:
    """Write microvolt signals of one rate to an EDF file (duplicate names allowed)."""
    items = list(channels.items()) if isinstance(channels, dict) else channels
    signals = [
        edfio.EdfSignal(
            data,
            sampling_frequency=sfreq,
            label=name,
            physical_dimension="uV",
            physical_range=physical_range,
        )
        for name, data in items
    ]
    edf = edfio.Edf(
        signals,
        data_record_duration=record_duration,
        starttime=start.time() if start else None,
        recording=edfio.Recording(startdate=start.date()) if start else None,
    )
    edf.write(path)
    return path


def write_good_psg(path: Path, seconds: float = GOOD_SECONDS) -> Path:
    """A readable 3-channel recording (AASM names, 100 Hz) starting at :data:`GOOD_START`."""
    return write_psg(
        path, {name: signal_like(seconds, SFREQ, i) for i, name in enumerate(ROLE_NAMES)}
    )


def write_bdf(
    path: Path,
    channels: dict[str, npt.NDArray[Any]],
    *,
    sfreq: float = SFREQ,
    record_duration: float = 1.0,
    physical_range: tuple[float, float] = (-1000.0, 1000.0),
    onsets: list[float] | None = None,
    continuous: bool = False,
) -> Path:
    """A BioSemi BDF file (24-bit samples) with the same header layout as EDF.

    With ``onsets`` (one per record, in seconds) it is a discontinuous BDF+
    file (BDF+D) whose "BDF Annotations" signal time-stamps each record; with
    ``continuous`` too, a BDF+C file.
    """
    names = list(channels)
    per_record = round(sfreq * record_duration)
    n_records = min(x.size for x in channels.values()) // per_record
    dmin, dmax = -8388608, 8388607
    pmin, pmax = physical_range
    per_signal_samples = [per_record] * len(names)
    if onsets is not None:
        assert len(onsets) == n_records
        names.append("BDF Annotations")
        per_signal_samples.append(12)  # 36 bytes per record for its time stamp
    ns = len(names)

    def field(text: object, width: int) -> bytes:
        return f"{text}".ljust(width)[:width].encode("ascii")

    header = b"\xffBIOSEMI" + field("X X X X", 80) + field("Startdate X", 80)
    header += field("01.03.20", 8) + field("22.30.00", 8) + field(256 * (ns + 1), 8)
    plus = "BDF+C" if continuous else "BDF+D"
    header += field("24BIT" if onsets is None else plus, 44)
    header += field(n_records, 8) + field(f"{record_duration:g}", 8) + field(ns, 4)
    per_signal: list[tuple[str, int, list[Any]]] = [
        ("label", 16, names),
        ("transducer", 80, [""] * ns),
        ("dimension", 8, ["uV"] * ns),
        ("pmin", 8, [f"{pmin:g}"] * ns),
        ("pmax", 8, [f"{pmax:g}"] * ns),
        ("dmin", 8, [dmin] * ns),
        ("dmax", 8, [dmax] * ns),
        ("prefilter", 80, [""] * ns),
        ("samples", 8, per_signal_samples),
        ("reserved", 32, [""] * ns),
    ]
    for _, width, values in per_signal:
        header += b"".join(field(v, width) for v in values)
    scale = (dmax - dmin) / (pmax - pmin)
    digital = [
        np.clip(np.round((x[: n_records * per_record] - pmin) * scale + dmin), dmin, dmax)
        .astype(np.int32)
        .reshape(n_records, per_record)
        for x in channels.values()
    ]
    records = np.stack(digital, axis=1).reshape(n_records, -1)  # record-major, then signal
    raw = records.astype("<i4").view(np.uint8).reshape(n_records, -1, 4)[:, :, :3]  # 24 bit
    body = raw.reshape(n_records, -1)
    if onsets is not None:
        stamps = [f"+{onset:g}\x14\x14\x00".encode().ljust(36, b"\x00") for onset in onsets]
        tal = np.frombuffer(b"".join(stamps), dtype=np.uint8).reshape(n_records, 36)
        body = np.concatenate((body, tal), axis=1)
    path.write_bytes(header + body.tobytes())
    return path


def write_good_checkpoint(
    path: Path, *, channels: int = 3, roles: tuple[str, ...] = ("eeg", "eog", "emg")
) -> Path:
    """A small untrained SeqSleepNet checkpoint with everything staging needs."""
    prep = Preprocessing(roles=roles)
    model = build_model("seqsleepnet", preprocessing=prep, seed=0)
    normalizer = Normalizer(
        np.zeros((channels, 129), np.float32), np.full((channels, 129), 20.0, np.float32)
    )
    return save_trained(path, model, ModelInput(prep, "tf", normalizer), seq_len=20)


# ---------------------------------------------------------------------- PSG builders


def _patch(path: Path, offset: int, text: str) -> Path:
    raw = bytearray(path.read_bytes())
    raw[offset : offset + len(text)] = text.encode("latin-1")
    path.write_bytes(bytes(raw))
    return path


def _patch_signal(path: Path, name: str, index: int, text: str) -> Path:
    block, width = _FIELDS[name]
    return _patch(path, 256 + block * NS + index * width, text.ljust(width)[:width])


def _psg(folder: Path) -> Path:
    return write_good_psg(folder / "night.edf")


def _patched(offset: int, text: str) -> Builder:
    return lambda folder: Inputs(psg=_patch(_psg(folder), offset, text))


def _signal_patched(name: str, index: int, text: str) -> Builder:
    return lambda folder: Inputs(psg=_patch_signal(_psg(folder), name, index, text))


def _bytes(name: str, data: bytes, kind: str = "psg") -> Builder:
    def build(folder: Path) -> Inputs:
        path = folder / name
        path.write_bytes(data)
        return Inputs(**{kind: path})

    return build


def _cut(keep: Callable[[int], int]) -> Builder:
    def build(folder: Path) -> Inputs:
        path = _psg(folder)
        data = path.read_bytes()
        path.write_bytes(data[: keep(len(data))])
        return Inputs(psg=path)

    return build


def _signals(*items: tuple[str, npt.NDArray[Any]], **kwargs: Any) -> Builder:
    return lambda folder: Inputs(psg=write_psg(folder / "night.edf", list(items), **kwargs))


def _good(i: int, seconds: float = GOOD_SECONDS) -> npt.NDArray[Any]:
    return signal_like(seconds, SFREQ, i)


def _clipped(fraction_free: float) -> npt.NDArray[Any]:
    """A signal pushed into +-100 uV rails so that about 1 - fraction_free sits at them."""
    x = _good(0) * 20.0
    limit = float(np.quantile(np.abs(x), fraction_free))
    return np.clip(x * 100.0 / limit, -100.0, 100.0)


def _bdf(folder: Path) -> Path:
    return write_bdf(folder / "night.bdf", {n: _good(i) for i, n in enumerate(ROLE_NAMES)})


def _bdf_cut(folder: Path) -> Inputs:
    path = _bdf(folder)
    path.write_bytes(path.read_bytes()[:-5000])
    return Inputs(psg=path)


def _bdf_zero_digital(folder: Path) -> Inputs:
    path = _bdf(folder)
    return Inputs(psg=_patch_signal(path, "digital_max", 0, "-8388608"))


def _hypnogram_as_psg(folder: Path) -> Inputs:
    path = folder / "night.edf"
    edfio.Edf([], annotations=[edfio.EdfAnnotation(0, 30, "Sleep stage W")]).write(path)
    return Inputs(psg=path)


def _raw(value: float) -> Builder:
    def build(folder: Path) -> Inputs:
        data = np.stack([_good(i) for i in range(3)]) * 1e-6
        data[0, 1000:1010] = value
        info = mne.create_info(list(ROLE_NAMES), SFREQ, "eeg")
        return Inputs(raw=mne.io.RawArray(data, info, verbose="error"))

    return build


def _rng_bytes(n: int, seed: int = 0) -> bytes:
    return np.random.default_rng(seed).bytes(n)


_PSG_CASES: list[tuple[str, Builder, type[SeqSleepNetError], str, bool]] = [
    # (name, builder, error, message, header_level)
    (
        "random-bytes",
        _bytes("night.edf", _rng_bytes(4096)),
        FileFormatError,
        "not an EDF or BDF file",
        True,
    ),
    ("empty-file", _bytes("night.edf", b""), FileFormatError, "truncated header", True),
    (
        "text-file-named-edf",
        _bytes("night.edf", b"onset,duration,stage\n0,30,W\n" * 20),
        FileFormatError,
        "not an EDF or BDF file",
        True,
    ),
    (
        "truncated-fixed-header",
        _cut(lambda n: 200),
        FileFormatError,
        r"truncated header \(200 bytes",
        True,
    ),
    (
        "truncated-signal-headers",
        _cut(lambda n: 700),
        FileFormatError,
        "truncated header: 3 signals need 1024 header bytes",
        True,
    ),
    (
        "truncated-data-records",
        _cut(lambda n: n - 1000),
        FileFormatError,
        "truncated data section: the header promises 20 records",
        True,
    ),
    (
        "record-count-enormous",
        _patched(236, "99999999"),
        FileFormatError,
        "promises 99999999 records",
        True,
    ),
    (
        "record-count-negative",
        _patched(236, "-5      "),
        FileFormatError,
        "header says -5 data records",
        True,
    ),
    (
        "record-count-zero",
        _patched(236, "0       "),
        FileFormatError,
        "header says 0 data records: the file holds no samples",
        True,
    ),
    (
        "record-duration-zero",
        _patched(244, "0       "),
        FileFormatError,
        "record duration is 0 s but signal 'C4-M1' holds samples",
        True,
    ),
    (
        "record-duration-negative",
        _patched(244, "-30     "),
        FileFormatError,
        r"record duration -30.0 s is outside 0..86400 s",
        True,
    ),
    (
        "record-duration-not-a-number",
        _patched(244, "thirty  "),
        FileFormatError,
        "'record duration' is 'thirty', not a number",
        True,
    ),
    (
        "signal-count-zero",
        _patched(252, "0   "),
        FileFormatError,
        r"header says 0 signals \(allowed 1..1024\)",
        True,
    ),
    (
        "signal-count-enormous",
        _patched(252, "9999"),
        FileFormatError,
        r"header says 9999 signals \(allowed 1..1024\)",
        True,
    ),
    (
        "header-size-lies",
        _patched(184, "9999    "),
        FileFormatError,
        "header sizes do not add up",
        True,
    ),
    (
        "samples-per-record-zero",
        _signal_patched("samples_per_record", 0, "0"),
        FileFormatError,
        "'C4-M1' has 0 samples per record",
        True,
    ),
    (
        "samples-per-record-negative",
        _signal_patched("samples_per_record", 1, "-3000"),
        FileFormatError,
        "'E1-M2' has -3000 samples per record",
        True,
    ),
    (
        "samples-per-record-enormous",
        _signal_patched("samples_per_record", 0, "99999999"),
        FileFormatError,
        r"99999999 samples per record \(allowed 1..10000000\)",
        True,
    ),
    (
        "samples-per-record-lie",
        _signal_patched("samples_per_record", 2, "3001"),
        FileFormatError,
        "truncated data section",
        True,
    ),
    (
        "digital-range-zero-width",
        _signal_patched("digital_max", 0, "-32768"),
        FileFormatError,
        "digital range of zero or negative width",
        True,
    ),
    (
        "digital-range-inverted",
        _signal_patched("digital_min", 1, "32767"),
        FileFormatError,
        "digital range of zero or negative width",
        True,
    ),
    (
        "digital-range-beyond-16-bit",
        _signal_patched("digital_min", 0, "-9999999"),
        FileFormatError,
        "outside what 16-bit EDF samples can hold",
        True,
    ),
    (
        "physical-range-zero-width",
        _signal_patched("physical_max", 0, "-1000"),
        FileFormatError,
        "physical range of zero width",
        True,
    ),
    (
        "physical-range-infinite",
        _signal_patched("physical_max", 0, "inf"),
        FileFormatError,
        "is 'inf', not a finite number",
        True,
    ),
    (
        "physical-range-nan",
        _signal_patched("physical_min", 2, "nan"),
        FileFormatError,
        "is 'nan', not a finite number",
        True,
    ),
    (
        "non-ascii-label",
        _signal_patched("label", 0, "C4-M1\xe9\xe8"),
        FileFormatError,
        "header field 'label' holds non-ASCII bytes",
        True,
    ),
    (
        "non-ascii-patient",
        _patched(8, "J\xf6rg M\xfcller"),
        FileFormatError,
        "header field 'patient' holds non-ASCII bytes",
        True,
    ),
    ("bdf-truncated-data", _bdf_cut, FileFormatError, "truncated data section", True),
    (
        "bdf-digital-range-zero-width",
        _bdf_zero_digital,
        FileFormatError,
        "digital range of zero or negative width",
        True,
    ),
    (
        "duplicate-channel-names",
        _signals(
            ("C4-M1", _good(0)), ("C4-M1", _good(1)), ("E1-M2", _good(2)), ("Chin1-Chin2", _good(3))
        ),
        ChannelError,
        "2 channels are named 'C4-M1'",
        False,
    ),
    (
        "no-eeg-channel",
        _signals(("Foo", _good(0)), ("E1-M2", _good(1)), ("Chin1-Chin2", _good(2))),
        ChannelError,
        r"no EEG channel found among \['Foo', 'E1-M2', 'Chin1-Chin2'\]",
        False,
    ),
    (
        "hypnogram-given-as-psg",
        _hypnogram_as_psg,
        ChannelError,
        r"no EEG channel found among \[\]",
        False,
    ),
    (
        "flat-eeg",
        _signals(("C4-M1", np.full(60000, 12.5)), ("E1-M2", _good(1)), ("Chin1-Chin2", _good(2))),
        SignalError,
        "channel 'C4-M1' is flat",
        False,
    ),
    (
        "mostly-clipped-eog",
        _signals(
            ("C4-M1", _good(0) / 4),
            ("E1-M2", _clipped(0.2)),
            ("Chin1-Chin2", _good(2) / 4),
            physical_range=(-100.0, 100.0),
        ),
        SignalError,
        r"channel 'E1-M2' is clipped: 8\d% of its samples sit at the rails",
        False,
    ),
    (
        "ten-second-recording",
        _signals(*[(n, _good(i, 10.0)) for i, n in enumerate(ROLE_NAMES)], record_duration=10.0),
        SignalError,
        r"only 10.0 s of signal; at least one 30-s epoch is needed",
        False,
    ),
    (
        "eeg-sampled-too-slowly",
        _signals(
            *[(n, signal_like(GOOD_SECONDS, 50.0, i)) for i, n in enumerate(ROLE_NAMES)], sfreq=50.0
        ),
        SignalError,
        "EEG channel 'C4-M1' is sampled at 50 Hz; at least 100 Hz is needed",
        False,
    ),
]

_RAW_CASES: list[tuple[str, Builder, type[SeqSleepNetError], str]] = [
    (
        "raw-nan-samples",
        _raw(np.nan),
        SignalError,
        "channel 'C4-M1' has 10 NaN/inf samples \\(first at sample 1000\\)",
    ),
    ("raw-inf-samples", _raw(np.inf), SignalError, "channel 'C4-M1' has 10 NaN/inf samples"),
]


# ---------------------------------------------------------------------- hypnogram builders


def _text(name: str, text: str) -> Builder:
    return _bytes(name, text.encode("utf-8"), "hypnogram")


def _edf_hypnogram(
    name: str, events: list[tuple[float, float | None, str]], start: datetime | None = GOOD_START
) -> Builder:
    def build(folder: Path) -> Inputs:
        path = folder / name
        edfio.Edf(
            [],
            annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in events],
            starttime=start.time() if start else None,
            recording=edfio.Recording(startdate=start.date()) if start else None,
        ).write(path)
        return Inputs(hypnogram=path)

    return build


def _truncated_edf_hypnogram(folder: Path) -> Inputs:
    inputs = _edf_hypnogram("night.edf", [(30.0 * i, 30.0, "Sleep stage 2") for i in range(20)])(
        folder
    )
    assert inputs.hypnogram is not None
    data = inputs.hypnogram.read_bytes()
    inputs.hypnogram.write_bytes(data[: len(data) - 200])
    return inputs


def _psg_as_hypnogram(folder: Path) -> Inputs:
    return Inputs(hypnogram=write_good_psg(folder / "expert.edf", seconds=60.0))


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_XML_EVENTS = (
    "<ScoredEvents><ScoredEvent><EventType>Stages|Stages</EventType>"
    "<EventConcept>Wake|0</EventConcept><Start>{start}</Start><Duration>30</Duration>"
    "</ScoredEvent></ScoredEvents>"
)
_HYP = "night.tsv"
_TSV = "onset\tduration\tstage\n"

_HYPNOGRAM_CASES: list[tuple[str, Builder, type[SeqSleepNetError], str]] = [
    (
        "hyp-unknown-labels",
        _text(_HYP, "stage\nW\nN2\nbanana\nStage X\nN2\n"),
        UnknownStageError,
        r"unknown stage label\(s\) \['Stage X', 'banana'\]",
    ),
    (
        "hyp-unknown-edf-annotations",
        _edf_hypnogram("night.edf", [(0, 30, "Sleep stage W"), (30, 30, "Sleep stage Z")]),
        UnknownStageError,
        r"unknown stage label\(s\) \['Sleep stage Z'\]",
    ),
    (
        "hyp-unknown-xml-concept",
        _text(
            "night.xml",
            _XML_HEAD
            + "<PSGAnnotation>"
            + _XML_EVENTS.format(start=0).replace("Wake|0", "Stage 7 sleep|7")
            + "</PSGAnnotation>",
        ),
        UnknownStageError,
        r"unknown stage label\(s\) \['Stage 7 sleep\|7'\]",
    ),
    (
        "hyp-unknown-yasa-codes",
        _text("night.txt", "0\n1\n2\n7\n"),
        UnknownStageError,
        r"unknown stage label\(s\) \['7'\]",
    ),
    (
        "hyp-overlapping-events",
        _edf_hypnogram("night.edf", [(0, 60, "Sleep stage W"), (30, 30, "Sleep stage 1")]),
        HypnogramError,
        "event at onset 30 s overlaps the previous event, which ends at 60 s",
    ),
    (
        "hyp-gap-between-events",
        _text(_HYP, _TSV + "0\t30\tW\n90\t30\tN1\n"),
        HypnogramError,
        "gap of 60 s before the event at onset 90 s",
    ),
    (
        "hyp-negative-onset",
        _text(_HYP, _TSV + "-30\t30\tW\n0\t30\tN1\n"),
        HypnogramError,
        "event at onset -30 s has a negative onset",
    ),
    (
        "hyp-duration-off-grid",
        _text(_HYP, _TSV + "0\t30\tW\n30\t45\tN1\n"),
        HypnogramError,
        "event at onset 30 s lasts 45 s, not a positive multiple of the 30-s epoch",
    ),
    (
        "hyp-enormous-duration",
        _text(_HYP, _TSV + "0\t3e10\tW\n"),
        HypnogramError,
        r"would hold 1000000000 epochs of 30 s .* more than the limit of 20160 epochs \(7 days\)",
    ),
    (
        "hyp-nan-duration",
        _text(_HYP, _TSV + "0\tnan\tW\n"),
        FileFormatError,
        "column 'duration' row 1: 'nan' is not a number",
    ),
    (
        "hyp-random-bytes-edf",
        _bytes("night.edf", _rng_bytes(3000, 1), "hypnogram"),
        FileFormatError,
        "not an EDF file",
    ),
    (
        "hyp-truncated-edf",
        _truncated_edf_hypnogram,
        FileFormatError,
        r"truncated data section: the header promises 1 records",
    ),
    (
        "hyp-psg-given-as-hypnogram",
        _psg_as_hypnogram,
        FileFormatError,
        "EDF file holds no annotations",
    ),
    (
        "hyp-xml-external-entity",
        _text(
            "night.xml",
            _XML_HEAD + "<!DOCTYPE PSGAnnotation [<!ENTITY secret SYSTEM "
            '"file:///etc/passwd">]>\n<PSGAnnotation><SoftwareVersion>&secret;</SoftwareVersion>'
            + _XML_EVENTS.format(start=0)
            + "</PSGAnnotation>",
        ),
        FileFormatError,
        "unsafe XML refused: it declares a DTD or entities",
    ),
    (
        "hyp-xml-billion-laughs",
        _text(
            "night.xml",
            _XML_HEAD + '<!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            "<PSGAnnotation><SoftwareVersion>&lol2;</SoftwareVersion></PSGAnnotation>",
        ),
        FileFormatError,
        "unsafe XML refused",
    ),
    (
        "hyp-xml-not-well-formed",
        _text("night.xml", _XML_HEAD + "<PSGAnnotation><ScoredEvents>"),
        FileFormatError,
        "not well-formed XML",
    ),
    (
        "hyp-xml-wrong-root",
        _text("night.xml", _XML_HEAD + "<html><body/></html>"),
        FileFormatError,
        "root element is <html>, not <PSGAnnotation>",
    ),
    (
        "hyp-xml-start-not-a-number",
        _text(
            "night.xml",
            _XML_HEAD + "<PSGAnnotation>" + _XML_EVENTS.format(start="soon") + "</PSGAnnotation>",
        ),
        FileFormatError,
        "ScoredEvent with Start 'soon': not a number",
    ),
    ("hyp-empty-file", _text(_HYP, ""), FileFormatError, "file is empty"),
    (
        "hyp-header-without-epochs",
        _text(_HYP, _TSV),
        HypnogramError,
        "the table has a header but no epochs",
    ),
    (
        "hyp-not-utf8",
        _bytes("night.csv", "stage\nW\n\xe9veil\n".encode("latin-1"), "hypnogram"),
        FileFormatError,
        "not a readable CSV file",
    ),
    (
        "hyp-yasa-two-values-per-line",
        _text("night.txt", "0\n1 2\n"),
        FileFormatError,
        r"line 2 holds 2 values \('1 2'\)",
    ),
    (
        "hyp-unknown-extension",
        _text("night.doc", "W\nN1\n"),
        FileFormatError,
        r"unknown hypnogram extension '.doc'",
    ),
    (
        "hyp-missing-file",
        lambda folder: Inputs(hypnogram=folder / "absent.tsv"),
        FileFormatError,
        "absent.tsv: file not found",
    ),
]

_ALIGNMENT_CASES: list[tuple[str, Builder, type[SeqSleepNetError], str]] = [
    (
        "align-wrong-epoch-length",
        _edf_hypnogram("night.edf", [(20.0 * i, 20.0, "Sleep stage 2") for i in range(30)]),
        AlignmentError,
        # align_to (prepare) | align_hypnograms (stage --true, evaluate)
        r"hypnogram epochs are 20 s, the recording is cut into 30-s epochs"
        r"|has 30-s epochs and night.edf 20-s epochs",
    ),
    (
        "align-longer-than-recording",
        _text(_HYP, "stage\n" + "N2\n" * (GOOD_EPOCHS + 40)),
        AlignmentError,
        r"hypnogram scores 40 epochs past the end of the recording"
        r"|gives no recording start time.*\(\d+ epochs\) cannot be placed by clock time",
    ),
    (
        "align-onset-off-the-epoch-grid",
        _text(_HYP, _TSV + "15\t30\tW\n45\t30\tN1\n"),
        AlignmentError,
        r"hypnogram starts 15 s after the recording start, not a non-negative"
        r"|at onset 15 s: -15 s apart, not a multiple of the 30-s epoch",
    ),
    (
        "align-starts-before-recording",
        _edf_hypnogram("night.edf", [(0, 600, "Sleep stage W")], start=datetime(2020, 3, 1, 21, 0)),
        AlignmentError,
        r"hypnogram starts -5400 s after the recording start"
        r"|\(2020-03-01 21:00:00 to 2020-03-01 21:10:00\) share no epoch",
    ),
]


# ---------------------------------------------------------------------- checkpoint builders


class CodeInPickle:
    """Unpickling this object would create its marker file: a stand-in for hostile code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def _checkpoint(folder: Path, name: str = "model.pt") -> Path:
    return write_good_checkpoint(folder / name)


def _payload(folder: Path) -> dict[str, Any]:
    payload: dict[str, Any] = torch.load(_checkpoint(folder, "source.pt"), weights_only=True)
    (folder / "source.pt").unlink()
    return payload


def _saved_payload(change: Callable[[dict[str, Any]], dict[str, Any]], rehash: bool) -> Builder:
    def build(folder: Path) -> Inputs:
        payload = change(_payload(folder))
        if rehash:
            payload["checksum"] = _checksum(payload)
        torch.save(payload, folder / "model.pt")
        return Inputs(checkpoint=folder / "model.pt")

    return build


def _ckpt_cut(folder: Path) -> Inputs:
    path = _checkpoint(folder)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return Inputs(checkpoint=path)


def _ckpt_code(container: str) -> Builder:
    def build(folder: Path) -> Inputs:
        marker = folder / "pwned.txt"
        payload = {"format": "seqsleepnet-checkpoint", "extra": CodeInPickle(marker)}
        path = folder / "model.pt"
        if container == "torch":
            torch.save(payload, path)
        else:
            path.write_bytes(pickle.dumps(payload))
        return Inputs(checkpoint=path, marker=marker)

    return build


def _foreign_state_dict(folder: Path) -> Inputs:
    path = folder / "model.pt"
    torch.save(torch.nn.Linear(4, 2).state_dict(), path)
    return Inputs(checkpoint=path)


def _other_model_weights(payload: dict[str, Any]) -> dict[str, Any]:
    other = build_model("arnn", seed=0, channels=3)
    return {**payload, "state_dict": {k: v.clone() for k, v in other.state_dict().items()}}


def _tampered(payload: dict[str, Any]) -> dict[str, Any]:
    state = {k: v.clone() for k, v in payload["state_dict"].items()}
    key = next(iter(state))
    state[key] += 1.0
    return {**payload, "state_dict": state}


def _without_normalizer(folder: Path) -> Inputs:
    path = save_checkpoint(folder / "model.pt", build_model("seqsleepnet", seed=0), extra={})
    return Inputs(checkpoint=path)


def _one_channel_model(folder: Path) -> Inputs:
    model = build_model("seqsleepnet", seed=0, channels=1)
    three = Preprocessing()
    normalizer = Normalizer(np.zeros((3, 129), np.float32), np.ones((3, 129), np.float32))
    extra = {"model_input": ModelInput(three, "tf", normalizer).to_dict(), "seq_len": 20}
    return Inputs(checkpoint=save_checkpoint(folder / "model.pt", model, extra=extra))


def _edit_model_input(change: Callable[[dict[str, Any]], None]) -> Builder:
    """A good checkpoint whose stored model input ``change`` edits in place (re-hashed)."""

    def edit(payload: dict[str, Any]) -> dict[str, Any]:
        extra = dict(payload["extra"])
        model_input = copy.deepcopy(extra["model_input"])
        change(model_input)
        extra["model_input"] = model_input
        return {**payload, "extra": extra}

    return _saved_payload(edit, rehash=True)


def _nan_normalizer(model_input: dict[str, Any]) -> None:
    stats = dict(model_input["normalizer"])
    stats["mean"] = {"__numpy_array__": torch.full((3, 129), float("nan"))}
    model_input["normalizer"] = stats


_CHECKPOINT_CASES: list[tuple[str, Builder, type[SeqSleepNetError], str]] = [
    (
        "ckpt-missing-file",
        lambda folder: Inputs(checkpoint=folder / "absent.pt"),
        CheckpointError,
        "absent.pt: checkpoint file not found",
    ),
    (
        "ckpt-empty-file",
        _bytes("model.pt", b"", "checkpoint"),
        CheckpointError,
        "not a readable checkpoint",
    ),
    (
        "ckpt-random-bytes",
        _bytes("model.pt", _rng_bytes(5000, 2), "checkpoint"),
        CheckpointError,
        "not a readable checkpoint",
    ),
    (
        "ckpt-truncated",
        _ckpt_cut,
        CheckpointError,
        r"not a readable checkpoint \(truncated, corrupt",
    ),
    (
        "ckpt-code-in-torch-pickle",
        _ckpt_code("torch"),
        CheckpointError,
        "refused to load: the file contains code",
    ),
    (
        "ckpt-code-in-plain-pickle",
        _ckpt_code("pickle"),
        CheckpointError,
        "not a readable checkpoint",
    ),
    (
        "ckpt-foreign-state-dict",
        _foreign_state_dict,
        CheckpointError,
        "not a seqsleepnet checkpoint",
    ),
    (
        "ckpt-weights-of-another-model",
        _saved_payload(_other_model_weights, rehash=True),
        CheckpointError,
        "stored config or weights do not fit",
    ),
    (
        "ckpt-checksum-mismatch",
        _saved_payload(_tampered, rehash=False),
        CheckpointError,
        "checksum mismatch",
    ),
    (
        "ckpt-future-format-version",
        _saved_payload(lambda p: {**p, "format_version": 99}, rehash=True),
        CheckpointError,
        "format version 99 is not supported",
    ),
    (
        "ckpt-unknown-model",
        _saved_payload(lambda p: {**p, "model": "usleep"}, rehash=True),
        CheckpointError,
        "unknown model 'usleep'",
    ),
    (
        "ckpt-without-normalizer",
        _without_normalizer,
        CheckpointError,
        "does not record the model's preprocessing and normaliser",
    ),
    (
        "ckpt-one-channel-model-three-roles",
        _one_channel_model,
        CheckpointError,
        r"inconsistent checkpoint: the seqsleepnet model reads 'tf' input of shape \(1, 29",
    ),
    (
        "ckpt-format-1-before-preprocessing",
        _saved_payload(lambda p: {**p, "format_version": 1}, rehash=True),
        CheckpointError,
        r"older seqsleepnet \(format 1\), which did not record the preprocessing",
    ),
    (
        "ckpt-preprocessing-missing-stft",
        _edit_model_input(lambda m: m["preprocessing"].pop("features")),
        CheckpointError,
        r"stored model input is not usable: preprocessing: missing section\(s\) \['features'\]",
    ),
    (
        "ckpt-preprocessing-missing-setting",
        _edit_model_input(lambda m: m["preprocessing"]["features"].pop("window_seconds")),
        CheckpointError,
        r"preprocessing.features: missing setting\(s\) \['window_seconds'\]",
    ),
    (
        "ckpt-preprocessing-unknown-setting",
        _edit_model_input(lambda m: m["preprocessing"]["conditioning"].update(notch=1)),
        CheckpointError,
        r"preprocessing.conditioning: unknown setting\(s\) \['notch'\]",
    ),
    (
        "ckpt-preprocessing-wrong-type",
        _edit_model_input(lambda m: m["preprocessing"]["features"].update(n_fft="256")),
        CheckpointError,
        "preprocessing.features.n_fft must be a whole number",
    ),
    (
        "ckpt-nan-normalizer",
        _edit_model_input(_nan_normalizer),
        CheckpointError,
        "normaliser statistics must be finite",
    ),
]


def _table() -> list[Case]:
    rows: list[tuple[str, str, Builder, type[SeqSleepNetError], str, bool]] = [
        (name, "psg", build, error, match, header)
        for name, build, error, match, header in _PSG_CASES
    ]
    for kind, table in (
        ("raw", _RAW_CASES),
        ("hypnogram", _HYPNOGRAM_CASES),
        ("alignment", _ALIGNMENT_CASES),
        ("checkpoint", _CHECKPOINT_CASES),
    ):
        rows += [(name, kind, build, error, match, False) for name, build, error, match in table]
    cases = []
    for number, (name, kind, build, error, match, header) in enumerate(rows, start=1):
        cases.append(
            Case(
                id=f"case-{number:02d}-{name}",
                kind=kind,
                build=build,
                error=error,
                match=match,
                header_level=header,
                # a Raw has no file; the model-input check names the model, not its file
                names_file=kind != "raw",
            )
        )
    return cases


CASES: list[Case] = _table()
"""Every bad input, numbered in the order above."""
