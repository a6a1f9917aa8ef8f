"""NSRR XML variants across cohorts: each read right or refused clearly.

The basic file, unsafe XML and bad files are in test_hypnogram_formats.py;
Profusion XML in test_hypnogram_profusion.py.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from seqsleepnet.errors import AlignmentError, FileFormatError, HypnogramError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram

U = -1


def stage(concept: str, start: float, duration: float, kind: str = "Stages|Stages") -> str:
    return (
        f"<ScoredEvent><EventType>{kind}</EventType><EventConcept>{concept}</EventConcept>"
        f"<Start>{start}</Start><Duration>{duration}</Duration></ScoredEvent>\n"
    )


def clock(text: str, start: str = "0") -> str:
    return (
        "<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept>"
        f"<Start>{start}</Start><Duration>32400.0</Duration><ClockTime>{text}</ClockTime>"
        "</ScoredEvent>\n"
    )


def nsrr(tmp_path: Path, *events: str, epoch_length: str = "30") -> Path:
    path = tmp_path / "shhs1-200001-nsrr.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<PSGAnnotation>\n'
        f"<SoftwareVersion>Compumedics</SoftwareVersion>\n<EpochLength>{epoch_length}"
        f"</EpochLength>\n<ScoredEvents>\n{''.join(events)}</ScoredEvents>\n</PSGAnnotation>\n"
    )
    return path


CONCEPTS = [
    ("Wake|0", 0),
    ("Stage 1 sleep|1", 1),
    ("Stage 2 sleep|2", 2),
    ("Stage 3 sleep|3", 3),
    ("Stage 4 sleep|4", 3),
    ("REM sleep|5", 4),
    ("Movement|6", U),
    ("Unscored|9", U),
    ("Artifact|10", U),
]


def test_every_stage_concept(tmp_path: Path) -> None:
    path = nsrr(tmp_path, *(stage(c, 30 * i, 30) for i, (c, _) in enumerate(CONCEPTS)))
    assert read_hypnogram(path).stages.tolist() == [index for _, index in CONCEPTS]


def test_an_epoch_length_other_than_30(tmp_path: Path) -> None:
    path = nsrr(tmp_path, stage("Wake|0", 0, 40), stage("REM sleep|5", 40, 20), epoch_length="20")
    hyp = read_hypnogram(path)
    assert (hyp.stages.tolist(), hyp.epoch_length) == ([0, 0, 4], 20.0)


def test_events_off_the_declared_epoch_are_refused(tmp_path: Path) -> None:
    path = nsrr(tmp_path, stage("Wake|0", 0, 20), stage("REM sleep|5", 20, 20))
    with pytest.raises(HypnogramError, match="lasts 20 s, not a positive multiple of the 30-s"):
        read_hypnogram(path)


def test_a_start_off_the_epoch_grid_keeps_its_onset_and_is_refused_at_alignment(
    tmp_path: Path,
) -> None:
    path = nsrr(tmp_path, stage("Wake|0", 15, 30), stage("REM sleep|5", 45, 30))
    hyp = read_hypnogram(path)
    assert (hyp.onset, hyp.stages.tolist()) == (15.0, [0, 4])
    with pytest.raises(AlignmentError, match="starts 15 s after the recording start"):
        hyp.align_to(4)


def test_events_out_of_order_are_sorted(tmp_path: Path) -> None:
    path = nsrr(tmp_path, stage("REM sleep|5", 60, 30), stage("Wake|0", 0, 60))
    assert read_hypnogram(path).stages.tolist() == [0, 0, 4]


@pytest.mark.parametrize(
    "events",
    [
        [stage("Wake|0", 0, 60), stage("REM sleep|5", 30, 30)],
        [stage("Wake|0", 0, 30), stage("Wake|0", 0, 30)],  # the same event twice
    ],
)
def test_overlapping_events_are_refused(tmp_path: Path, events: list[str]) -> None:
    with pytest.raises(HypnogramError, match="overlaps the previous event"):
        read_hypnogram(nsrr(tmp_path, *events))


def test_stages_that_start_after_the_recording_start(tmp_path: Path) -> None:
    """Scoring that begins 5 min in: the first 10 recording epochs are unscored, not shifted."""
    path = nsrr(tmp_path, clock("01.02.99 22.00.00"), stage("Wake|0", 300, 30))
    hyp = read_hypnogram(path)
    assert (hyp.onset, hyp.start_time) == (300.0, datetime(1999, 2, 1, 22, 0))
    aligned = hyp.align_to(12, datetime(1999, 2, 1, 22, 0))
    assert aligned.stages.tolist() == [U] * 10 + [0, U]


def test_a_gap_between_stage_events_is_refused(tmp_path: Path) -> None:
    path = nsrr(tmp_path, stage("Wake|0", 0, 30), stage("REM sleep|5", 90, 30))
    with pytest.raises(HypnogramError, match="gap of 60 s before the event at onset 90 s"):
        read_hypnogram(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01.02.99 22.55.57", datetime(1999, 2, 1, 22, 55, 57)),
        ("01.02.03 01.05.00", datetime(2003, 2, 1, 1, 5, 0)),
        ("01.02.80 22.55.57", datetime(2080, 2, 1, 22, 55, 57)),  # EDF's rule, as the EDF reader
        ("01.02.99 22:55:57", datetime(1999, 2, 1, 22, 55, 57)),  # colons, as the EDF reader
        ("00.00.00 22.55.57", None),  # NSRR's anonymised date: start unknown
        ("01.02.1999 22.55.57", None),  # not EDF's dd.mm.yy
        ("", None),
    ],
)
def test_recording_start_time(tmp_path: Path, text: str, expected: datetime | None) -> None:
    hyp = read_hypnogram(nsrr(tmp_path, clock(text), stage("Wake|0", 0, 30)))
    assert hyp.start_time == expected


def test_without_a_recording_start_time_the_start_is_unknown(tmp_path: Path) -> None:
    hyp = read_hypnogram(nsrr(tmp_path, stage("Wake|0", 0, 30)))
    assert (hyp.onset, hyp.start_time) == (0.0, None)


def test_a_recording_start_time_event_not_at_0_is_refused(tmp_path: Path) -> None:
    path = nsrr(tmp_path, clock("01.02.99 22.55.57", start="300"), stage("Wake|0", 0, 30))
    with pytest.raises(FileFormatError, match=r"'Recording Start Time' event starts at '300' s"):
        read_hypnogram(path)


def test_recording_start_times_that_disagree_are_refused(tmp_path: Path) -> None:
    path = nsrr(
        tmp_path,
        clock("01.02.99 22.55.57"),
        clock("02.02.99 22.55.57"),
        stage("Wake|0", 0, 30),
    )
    with pytest.raises(FileFormatError, match=r"2 'Recording Start Time' events give different"):
        read_hypnogram(path)
    same = nsrr(
        tmp_path, clock("01.02.99 22.55.57"), clock("01.02.99 22.55.57"), stage("Wake|0", 0, 30)
    )
    assert read_hypnogram(same).start_time == datetime(1999, 2, 1, 22, 55, 57)


@pytest.mark.parametrize("year", [1985, 2000, 2069, 2084])
def test_start_years_round_trip(tmp_path: Path, year: int) -> None:
    hyp = Hypnogram([0, 2], start_time=datetime(year, 3, 4, 22, 0))
    assert read_hypnogram(write_hypnogram(hyp, tmp_path / "h.xml")) == hyp


@pytest.mark.parametrize("year", [1950, 1984, 2085])
def test_a_start_year_a_two_digit_year_cannot_hold_is_refused(tmp_path: Path, year: int) -> None:
    """Written as yy it would read back a century off."""
    hyp = Hypnogram([0, 2], start_time=datetime(year, 3, 4, 22, 0))
    with pytest.raises(HypnogramError, match=r"years stand for 1985-2084; write TSV or CSV"):
        write_hypnogram(hyp, tmp_path / "h.xml")
    assert not (tmp_path / "h.xml").exists()


def test_stage_concepts_without_the_stage_event_type_are_named(tmp_path: Path) -> None:
    path = nsrr(tmp_path, stage("Wake|0", 0, 30, kind=""), stage("REM sleep|5", 30, 30, kind=""))
    with pytest.raises(FileFormatError, match=r"no event has EventType 'Stages\|Stages', but 2"):
        read_hypnogram(path)
