"""The one table of voltage unit spellings: every spelling gives its scale, "MV" is refused."""

from __future__ import annotations

import pytest

from seqsleepnet.errors import SignalError
from seqsleepnet.io.plausibility import header_problems
from seqsleepnet.io.units import (
    MICROVOLTS_PER_UNIT,
    _key,
    microvolts_per_unit,
    mne_microvolts_per_unit,
    unit_problem,
)

SPELLINGS = [
    ("uV", 1.0),
    ("uv", 1.0),
    ("UV", 1.0),
    ("Uv", 1.0),
    ("\u00b5V", 1.0),  # the micro sign (Latin-1 byte 0xB5)
    ("\u00b5v", 1.0),
    ("\u03bcV", 1.0),  # the Greek small letter mu
    ("\x83\xcaV", 1.0),  # the Shift-JIS Greek mu, read byte by byte as Latin-1
    ("microvolt", 1.0),
    ("Microvolts", 1.0),
    ("micro-volt", 1.0),
    ("micro volts", 1.0),
    ("mV", 1e3),
    ("mv", 1e3),
    ("millivolts", 1e3),
    ("V", 1e6),
    ("v", 1e6),
    ("volts", 1e6),
    ("nV", 1e-3),
    ("nv", 1e-3),
    ("NV", 1e-3),
    ("nanovolt", 1e-3),
    (" uV  ", 1.0),  # header fields are space-padded
]


@pytest.mark.parametrize(("unit", "factor"), SPELLINGS, ids=[repr(u) for u, _ in SPELLINGS])
def test_every_spelling_gives_its_scale_and_is_a_voltage(unit: str, factor: float) -> None:
    assert microvolts_per_unit(unit) == factor
    assert unit_problem(unit) is None
    assert header_problems("eeg", 256.0, unit) == []


@pytest.mark.parametrize("unit", ["MV", "Mv"])
def test_an_all_capitals_mv_is_refused_as_ambiguous(unit: str) -> None:
    with pytest.raises(SignalError, match=rf"physical dimension '{unit}' is ambiguous: megavolts"):
        microvolts_per_unit(unit)
    problem = unit_problem(unit)
    assert problem is not None and problem.startswith(f"is in '{unit}', an ambiguous unit")
    assert header_problems("eeg", 256.0, unit) == [problem]


@pytest.mark.parametrize("unit", ["DegC", "%", "mmHg", "uA", "mvolt?"])
def test_a_unit_that_is_no_voltage_is_a_problem_and_read_as_volts(unit: str) -> None:
    assert unit_problem(unit) == f"is in {unit!r}, not a voltage unit"
    assert microvolts_per_unit(unit) == 1e6  # as MNE reads it; the survey does not use it


def test_a_blank_unit_is_read_as_volts_without_a_problem() -> None:
    assert unit_problem("") is None and unit_problem("   ") is None
    assert microvolts_per_unit("") == 1e6


def test_the_table_holds_each_unit_once_per_spelling() -> None:
    assert set(MICROVOLTS_PER_UNIT.values()) == {1e-3, 1.0, 1e3, 1e6}
    assert all(_key(key) == key for key in MICROVOLTS_PER_UNIT)  # each as lookups spell it


@pytest.mark.parametrize(
    ("unit", "factor"), [("uV", 1.0), ("\u00b5V", 1.0), ("mV", 1e3), ("nV", 1e6), ("uv", 1e6)]
)
def test_mnes_reading_is_known_so_that_it_can_be_undone(unit: str, factor: float) -> None:
    assert mne_microvolts_per_unit(unit) == factor
