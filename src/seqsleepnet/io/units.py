"""Physical dimensions of EDF/BDF signals: the one table of voltage unit spellings.

A signal's physical dimension says what its physical values are in. Files
spell the same unit many ways: microvolts as ``uV`` (the EDF+ standard),
``µV`` (the micro sign, one Latin-1 byte 0xB5), ``μV`` (the Greek small
letter mu), ``\\x83\\xcaV`` (the Greek mu in Shift-JIS, as Japanese systems
write it, read byte by byte as Latin-1 like MNE does), and in upper or lower
case (``UV``, ``uv``) or spelled out (``microvolts``, ``micro-volt``).
:data:`MICROVOLTS_PER_UNIT` is the table of every spelling accepted (case
aside) with its factor to microvolts; :func:`microvolts_per_unit` reads the
samples with it and :func:`unit_problem` tells the channel survey which
dimensions are not a voltage.

Case is ignored, with one exception: an all-capitals ``MV`` (or ``Mv``) is
refused. By SI it is megavolts, which no PSG amplifier records; a writer
that spells every unit in capitals may mean millivolts, but nothing in the
file says which, and reading it either way could scale the signal by 10^9.
The message asks for the header to be fixed (``mV`` or ``uV``). Every other
capitalised spelling is unambiguous: SI has no prefix ``U`` or ``N``, so
``UV`` and ``NV`` can only mean micro- and nanovolts.

This module reads nothing and imports nothing heavy.
"""

from __future__ import annotations

import re

from seqsleepnet.errors import SignalError

__all__ = [
    "AMBIGUOUS_UNITS",
    "MICROVOLTS_PER_UNIT",
    "is_known_spelling",
    "microvolts_per_unit",
    "mne_microvolts_per_unit",
    "unit_problem",
]

MICROVOLTS_PER_UNIT: dict[str, float] = {
    # microvolts: ASCII u, the micro sign (U+00B5, Latin-1 0xB5), the Greek mu (U+03BC),
    # the Greek mu of Shift-JIS (bytes 0x83 0xCA read as Latin-1), spelled out
    "uv": 1.0,
    "\u00b5v": 1.0,
    "\u03bcv": 1.0,
    "\x83\xcav": 1.0,
    "microvolt": 1.0,
    # millivolts
    "mv": 1e3,
    "millivolt": 1e3,
    # volts
    "v": 1e6,
    "volt": 1e6,
    # nanovolts
    "nv": 1e-3,
    "nanovolt": 1e-3,
}
"""Factor to microvolts of each voltage spelling, as :func:`_key` normalises it (ASCII letters
in lower case, no spaces, hyphens or underscores, no plural "s")."""

AMBIGUOUS_UNITS: dict[str, str] = {
    "MV": "megavolts by SI (which no PSG records) or millivolts from an all-capitals writer",
    "Mv": "megavolts by SI (which no PSG records) or millivolts",
}
"""Spellings refused as ambiguous (case-sensitive), with why."""

_MNE_MICROVOLTS = ("\u03bcV", "\u00b5V", "\x83\xcaV", "uV")  # mne.io.read_raw_edf's spellings


def _key(unit: str) -> str:
    """A spelling as the table holds it: ASCII letters in lower case (the Latin-1 bytes of
    the Shift-JIS mu stay as they are), without separators or a plural ``s``."""
    key = "".join(c.lower() if c.isascii() else c for c in re.sub(r"[\s_-]", "", unit))
    return key[:-1] if len(key) > 2 and key.endswith("s") else key


def unit_problem(unit: str) -> str | None:
    """Why a physical dimension cannot be read as a voltage (None: it can).

    Each problem reads after the channel's name: "... is in 'degC', not a voltage unit".
    A blank dimension is no problem here (MNE reads it as volts, and the
    amplitude checks judge the result).
    """
    text = unit.strip()
    if text in AMBIGUOUS_UNITS:
        return (
            f"is in {text!r}, an ambiguous unit ({AMBIGUOUS_UNITS[text]}); fix the header's "
            "physical dimension to 'mV' or 'uV'"
        )
    if text and _key(text) not in MICROVOLTS_PER_UNIT:
        return f"is in {text!r}, not a voltage unit"
    return None


def is_known_spelling(unit: str) -> bool:
    """True when a physical dimension is a spelling of the table, ambiguous ones included."""
    text = unit.strip()
    return text in AMBIGUOUS_UNITS or _key(text) in MICROVOLTS_PER_UNIT


def microvolts_per_unit(physical_dimension: str) -> float:
    """Factor from a signal's physical dimension to microvolts.

    Parameters
    ----------
    physical_dimension : str
        As the header spells it: any spelling of :data:`MICROVOLTS_PER_UNIT`,
        in any case. A blank or non-voltage dimension is read as volts, as
        MNE reads it (the channel survey does not use such a channel for a
        role unless it is named).

    Raises
    ------
    SignalError
        For an ambiguous spelling (:data:`AMBIGUOUS_UNITS`, e.g. ``MV``).
    """
    text = physical_dimension.strip()
    if text in AMBIGUOUS_UNITS:
        raise SignalError(
            f"physical dimension {text!r} is ambiguous: {AMBIGUOUS_UNITS[text]}; fix the "
            "header's physical dimension to 'mV' or 'uV' (e.g. with edfio or EDFbrowser's "
            "header editor)"
        )
    return MICROVOLTS_PER_UNIT.get(_key(text), 1e6)


def mne_microvolts_per_unit(physical_dimension: str) -> float:
    """Factor to microvolts that :func:`mne.io.read_raw_edf` applies (to undo it).

    MNE reads only its four microvolt spellings and ``mV`` exactly as written,
    and every other dimension as volts.
    """
    text = physical_dimension.strip()
    return 1.0 if text in _MNE_MICROVOLTS else 1e3 if text == "mV" else 1e6
