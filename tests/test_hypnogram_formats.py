"""Tests for seqsleepnet.io.hypnogram: the registry of formats, readers and writers.

EDF+, CSV/TSV, NSRR XML and YASA text; ISRUC-Sleep has tests of its own
(test_hypnogram_isruc.py).
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import edfio
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seqsleepnet
from seqsleepnet.errors import ConfigError, FileFormatError, HypnogramError, UnknownStageError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import (
    HYPNOGRAM_FORMATS,
    HYPNOGRAM_SUFFIXES,
    read_hypnogram,
    write_hypnogram,
)
from seqsleepnet.io.hypnogram_formats import encode_table

U = -1  # unscored


def hypnogram_folder() -> Path:
    """The Sleep-EDF hypnograms: the shared data folder if present, else the packaged copy."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "sleep-edf-hypnograms"
    if (shared / "MANIFEST.tsv").is_file():
        return shared
    return Path(seqsleepnet.__file__).parent / "resources" / "hypnograms"


def write_edf_annotations(
    path: Path, events: list[tuple[float, float | None, str]], start: datetime | None = None
) -> Path:
    """An EDF+ annotations-only file written directly with edfio."""
    edf = edfio.Edf(
        signals=[],
        annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in events],
        starttime=start.time() if start else None,
        recording=edfio.Recording(startdate=start.date()) if start else None,
    )
    edf.write(path)
    return path


# ------------------------------------------------------------------ real Sleep-EDF files


def test_all_sleep_edf_hypnograms_match_manifest() -> None:
    folder = hypnogram_folder()
    manifest = pd.read_csv(folder / "MANIFEST.tsv", sep="\t")
    assert len(manifest) == 39
    for row in manifest.to_dict("records"):
        hyp = read_hypnogram(folder / row["file"])
        expected = {stage: row[stage] for stage in ("W", "N1", "N2", "N3", "REM")}
        expected["UNS"] = row["unknown"] + row["movement"]
        assert hyp.counts() == expected, row["file"]
        assert hyp.n_epochs == row["n_epochs"]
        assert hyp.epoch_length == 30.0
        assert hyp.onset == 0.0
        assert hyp.start_time is not None
        assert hyp.source == str(folder / row["file"])


def test_sleep_edf_start_time_from_header() -> None:
    folder = hypnogram_folder()
    hyp = read_hypnogram(folder / "SC4001EC-Hypnogram.edf")
    header = edfio.read_edf(folder / "SC4001EC-Hypnogram.edf")
    assert hyp.start_time == datetime.combine(header.startdate, header.starttime)


def test_sleep_edf_round_trips_through_every_format(tmp_path: Path) -> None:
    original = read_hypnogram(hypnogram_folder() / "SC4092EC-Hypnogram.edf")
    for suffix in HYPNOGRAM_SUFFIXES:
        back = read_hypnogram(write_hypnogram(original, tmp_path / f"h{suffix}"))
        np.testing.assert_array_equal(back.stages, original.stages, err_msg=suffix)


def test_edf_writer_merges_runs_with_sleep_edf_labels(tmp_path: Path) -> None:
    hyp = Hypnogram([0, 0, 1, 3, 3, 3, 4, U, U], onset=30.0)
    path = write_hypnogram(hyp, tmp_path / "h.edf")
    annotations = edfio.read_edf(path).annotations
    assert [(a.onset, a.duration, a.text) for a in annotations] == [
        (30.0, 60.0, "Sleep stage W"),
        (90.0, 30.0, "Sleep stage 1"),
        (120.0, 90.0, "Sleep stage 3"),
        (210.0, 30.0, "Sleep stage R"),
        (240.0, 60.0, "Sleep stage ?"),
    ]


# ------------------------------------------------------------------ round trips


@settings(max_examples=25, deadline=None)
@given(
    stages=st.lists(st.integers(min_value=-1, max_value=4), min_size=1, max_size=200),
    first_epoch=st.integers(min_value=0, max_value=100),
    suffix=st.sampled_from(HYPNOGRAM_SUFFIXES),
)
def test_round_trip_property(stages: list[int], first_epoch: int, suffix: str) -> None:
    hyp = Hypnogram(stages, onset=30.0 * first_epoch)
    with tempfile.TemporaryDirectory() as folder:
        back = read_hypnogram(write_hypnogram(hyp, Path(folder) / f"h{suffix}"))
    np.testing.assert_array_equal(back.stages, hyp.stages)
    assert back.onset == hyp.onset
    assert back.epoch_length == 30.0


@settings(max_examples=25, deadline=None)
@given(
    stages=st.lists(st.integers(min_value=-1, max_value=4), min_size=1, max_size=100),
    onset=st.floats(min_value=0.0, max_value=1e6, allow_nan=False),
    epoch_length=st.sampled_from([30.0, 20.0, 4.0]),
    with_start=st.booleans(),
)
def test_tables_are_written_as_pandas_writes_the_epoch_frame(
    stages: list[int], onset: float, epoch_length: float, with_start: bool
) -> None:
    start = datetime(2020, 1, 1, 22, 0, 0, 250000) if with_start else None
    hyp = Hypnogram(stages, epoch_length, onset, start)
    for sep in ("\t", ","):
        expected = hyp.to_frame().to_csv(sep=sep, index=False, lineterminator="\n")
        assert encode_table(hyp, sep=sep).decode("utf-8") == expected


WRITABLE = [name for name, spec in HYPNOGRAM_FORMATS.items() if spec.encoder is not None]


@pytest.mark.parametrize("fmt", WRITABLE)
def test_start_time_and_onset_round_trip(tmp_path: Path, fmt: str) -> None:
    hyp = Hypnogram([0, 1, 2, U, 4], onset=90.0, start_time=datetime(1989, 4, 24, 16, 13, 0))
    back = read_hypnogram(write_hypnogram(hyp, tmp_path / f"h.{fmt}"))
    assert back == hyp
    assert back.offset_from(datetime(1989, 4, 24, 16, 0, 0)) == 13 * 60 + 90.0


@pytest.mark.parametrize("fmt", WRITABLE)
def test_a_start_at_a_fraction_of_a_second_keeps_every_epoch_at_its_clock_time(
    tmp_path: Path, fmt: str
) -> None:
    """A night starting at 23:59:50.5 that crosses midnight: each epoch keeps its clock time."""
    start = datetime(2020, 1, 1, 23, 59, 50, 500000)
    hyp = Hypnogram([0, 1, 2, U, 4], onset=60.0, start_time=start)
    back = read_hypnogram(write_hypnogram(hyp, tmp_path / f"h.{fmt}"))
    assert np.array_equal(back.stages, hyp.stages)
    assert back.offset_from(start) == pytest.approx(60.0, abs=1e-6)


@pytest.mark.parametrize("fmt", WRITABLE)
def test_a_night_across_a_daylight_saving_change_keeps_its_clock_times(
    tmp_path: Path, fmt: str
) -> None:
    """Clocks go back at 03:00 in Berlin: the epoch two hours after 01:00+02:00 is 02:00+01:00."""
    start = datetime(2020, 10, 25, 1, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    hyp = Hypnogram([2] * 360, start_time=start)
    clock = hyp.clock_times()
    assert clock is not None and clock[240] == "2020-10-25T02:00:00+01:00"
    back = read_hypnogram(write_hypnogram(hyp, tmp_path / f"h.{fmt}"))
    assert np.array_equal(back.stages, hyp.stages) and back.offset_from(start) == 0.0


@pytest.mark.parametrize("fmt", WRITABLE)
def test_files_without_start_time_read_with_start_unknown(tmp_path: Path, fmt: str) -> None:
    hyp = Hypnogram([0, 1, 2], onset=30.0)
    back = read_hypnogram(write_hypnogram(hyp, tmp_path / f"h.{fmt}"))
    assert back == hyp and back.start_time is None


@pytest.mark.parametrize("fmt", ["edf", "xml"])
def test_a_start_year_edf_cannot_hold_is_refused_when_writing(tmp_path: Path, fmt: str) -> None:
    """EDF+ and NSRR XML write two-digit years (1985-2084); others keep any date."""
    hyp = Hypnogram([0, 2], start_time=datetime(1975, 3, 4, 22, 0), source="night.tsv")
    with pytest.raises(HypnogramError, match=r"night\.tsv: start 1975-03-04T22:00:00 cannot be"):
        write_hypnogram(hyp, tmp_path / f"h.{fmt}")
    assert read_hypnogram(write_hypnogram(hyp, tmp_path / "h.tsv")) == hyp


def test_tables_give_each_epoch_its_clock_time(tmp_path: Path) -> None:
    hyp = Hypnogram([0, 2], onset=60.0, start_time=datetime(2020, 1, 2, 23, 59, 30))
    path = write_hypnogram(hyp, tmp_path / "h.tsv")
    assert path.read_text().splitlines() == [
        "onset\tduration\tstage\tclock_time",
        "60.0\t30.0\tW\t2020-01-03T00:00:30",
        "90.0\t30.0\tN2\t2020-01-03T00:01:00",
    ]


def test_per_epoch_table_with_clock_times_starts_at_the_first_clock_time(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("stage,clock_time\nW,2020-01-02T22:00:00\nN1,2020-01-02T22:00:30\n")
    hyp = read_hypnogram(path)
    assert (hyp.onset, hyp.start_time) == (0.0, datetime(2020, 1, 2, 22, 0, 0))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("0\t30\tW\tyesterday\n", r"row 1: 'yesterday' is not an ISO 8601 date and time"),
        (
            "0\t30\tW\t2020-01-02T22:00:00\n30\t30\tW\t2020-01-02T22:00:45\n",
            r"row 2: '2020-01-02T22:00:45' is 15 s off the clock time of the first row",
        ),
    ],
)
def test_bad_clock_times_are_refused(tmp_path: Path, rows: str, message: str) -> None:
    path = tmp_path / "h.tsv"
    path.write_text("onset\tduration\tstage\tclock_time\n" + rows)
    with pytest.raises(FileFormatError, match=message):
        read_hypnogram(path)


def test_yasa_text_comments_give_start_onset_and_epoch_length(tmp_path: Path) -> None:
    hyp = Hypnogram([0, 2, U], epoch_length=20.0, onset=40.0, start_time=datetime(2020, 1, 2))
    path = write_hypnogram(hyp, tmp_path / "h.txt")
    assert path.read_text().splitlines()[1:] == [
        "# start_time: 2020-01-02T00:00:00",
        "# onset: 40.0",
        "# epoch_length: 20.0",
        "0",
        "2",
        "-2",
    ]
    np.testing.assert_array_equal(np.loadtxt(path), [0, 2, -2])  # how YASA users load it
    assert read_hypnogram(path, epoch_length=40.0).epoch_length == 40.0  # the caller decides


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("# start_time: tonight", r"'# start_time: tonight' is not an ISO 8601 date and time"),
        ("# onset: soon", r"'# onset: soon' is not a number of seconds"),
        ("# epoch_length: x", r"'# epoch_length: x' is not a number of seconds"),
    ],
)
def test_bad_yasa_text_comments_are_refused(tmp_path: Path, comment: str, message: str) -> None:
    path = tmp_path / "h.txt"
    path.write_text(f"{comment}\n0\n")
    with pytest.raises(FileFormatError, match=message):
        read_hypnogram(path)


@pytest.mark.parametrize("fmt", ["edf", "xml", "tsv", "csv"])
def test_twenty_second_epochs_round_trip(tmp_path: Path, fmt: str) -> None:
    hyp = Hypnogram([0, 2, 2, 3, U], epoch_length=20.0, onset=40.0)
    back = read_hypnogram(write_hypnogram(hyp, tmp_path / f"h.{fmt}"))
    assert back == hyp


@pytest.mark.parametrize("fmt", WRITABLE)
@pytest.mark.parametrize("epoch_length", [60.0, 90.0])
def test_epochs_of_a_multiple_of_thirty_seconds_round_trip(
    tmp_path: Path, fmt: str, epoch_length: float
) -> None:
    """60-s epochs (one event per epoch) are not read back as twice as many 30-s epochs."""
    hyp = Hypnogram([0, 2, 2, 3, U], epoch_length=epoch_length, onset=2 * epoch_length)
    back = read_hypnogram(write_hypnogram(hyp, tmp_path / f"h.{fmt}"))
    assert back == hyp


def test_merged_runs_of_equal_length_stay_thirty_second_epochs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Runs of a stage that all last 60 s (no event repeats a stage) are 30-s epochs."""
    path = tmp_path / "h.tsv"
    path.write_text("onset\tduration\tstage\n0\t60\tW\n60\t60\tN1\n120\t60\tN2\n")
    hyp = read_hypnogram(path)
    assert (hyp.epoch_length, hyp.stages.tolist()) == (30.0, [0, 0, 1, 1, 2, 2])
    # as ambiguous as 60-s epochs where no stage repeats: said, with the way to read those
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning.startswith(f"{path}: every stage event lasts 60 s and no stage repeats")
    assert "pass epoch_length=60" in warning
    assert read_hypnogram(path, epoch_length=60.0).stages.tolist() == [0, 1, 2]


def test_sixty_second_epochs_without_a_repeated_stage_read_as_thirty_second_epochs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The limit of the inference: each stage keeps its time, the epoch length is 30 s."""
    hyp = Hypnogram([0, 1, 2, 3, 4], epoch_length=60.0, start_time=datetime(2020, 1, 1, 22))
    back = read_hypnogram(write_hypnogram(hyp, tmp_path / "h.tsv"))
    assert (back.epoch_length, back.stages.tolist()) == (30.0, np.repeat(hyp.stages, 2).tolist())
    assert "pass epoch_length=60" in caplog.text


# ------------------------------------------------------------------ the registry


def test_registry_suffixes_are_unique_and_lower_case() -> None:
    assert len(set(HYPNOGRAM_SUFFIXES)) == len(HYPNOGRAM_SUFFIXES)
    assert all(s.startswith(".") and s == s.lower() for s in HYPNOGRAM_SUFFIXES)
    listed = [s for spec in HYPNOGRAM_FORMATS.values() for s in spec.suffixes]
    assert tuple(listed) == HYPNOGRAM_SUFFIXES
    assert HYPNOGRAM_FORMATS["isruc"].suffixes == ()  # chosen by name only


@pytest.mark.parametrize("name", list(HYPNOGRAM_FORMATS))
def test_every_registered_suffix_round_trips(tmp_path: Path, name: str) -> None:
    spec = HYPNOGRAM_FORMATS[name]
    hyp = Hypnogram([0, 1, 2, 3, 4, U, 2, 2])
    if spec.write is None:
        with pytest.raises(ConfigError, match=f"format '{name}' can be read but not written"):
            write_hypnogram(hyp, tmp_path / "h.out", format=name)
        assert not (tmp_path / "h.out").exists()
        return
    for suffix in spec.suffixes:
        back = read_hypnogram(write_hypnogram(hyp, tmp_path / f"h{suffix.upper()}"))
        np.testing.assert_array_equal(back.stages, hyp.stages, err_msg=suffix)
    by_name = write_hypnogram(hyp, tmp_path / "h.out", format=name)
    np.testing.assert_array_equal(read_hypnogram(by_name, format=name).stages, hyp.stages)


def test_bare_txt_is_yasa_text_not_isruc(tmp_path: Path) -> None:
    path = tmp_path / "1_1.txt"
    path.write_text("0\n4\n")
    assert read_hypnogram(path).stages.tolist() == [0, 4]  # YASA: 4 = REM


def test_format_argument_overrides_extension(tmp_path: Path) -> None:
    hyp = Hypnogram([0, 1, 4])
    path = write_hypnogram(hyp, tmp_path / "stages.dat", format="txt")
    assert path.read_text().splitlines()[-3:] == ["0", "1", "4"]
    assert read_hypnogram(path, format="TXT").stages.tolist() == [0, 1, 4]


def test_write_is_atomic_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "h.tsv"
    target.write_text("old")
    with pytest.raises(ConfigError):
        write_hypnogram(Hypnogram([0]), target, format="bogus")
    assert target.read_text() == "old"


# ------------------------------------------------------------------ text formats


def test_tsv_contract(tmp_path: Path) -> None:
    path = write_hypnogram(Hypnogram([0, 4, U], onset=30.0), tmp_path / "h.tsv")
    assert path.read_text().splitlines() == [
        "onset\tduration\tstage",
        "30.0\t30.0\tW",
        "60.0\t30.0\tREM",
        "90.0\t30.0\tUNS",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Stage\nW\nN1\nSleep stage 4\nR\n?\n",
        "epoch,sleep_stage\n1,W\n2,S1\n3,N3\n4,REM\n5,Movement time\n",
        "W\nN1\nN3\nREM\nUNS\n",
        "label\n0\n1\n3\n4\n-2\n",
    ],
)
def test_csv_one_stage_per_row(tmp_path: Path, text: str) -> None:
    path = tmp_path / "h.csv"
    path.write_text(text)
    assert read_hypnogram(path).stages.tolist() == [0, 1, 3, 4, U]


def test_csv_events_expand_to_epochs(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("onset,duration,description\n60,90,Sleep stage 2\n150,30,Sleep stage R\n")
    hyp = read_hypnogram(path)
    assert hyp.stages.tolist() == [2, 2, 2, 4]
    assert hyp.onset == 60.0


def test_tsv_onset_without_duration_means_one_epoch(tmp_path: Path) -> None:
    path = tmp_path / "h.tsv"
    path.write_text("onset\tstage\n0\tW\n30\tN2\n60\tN2\n")
    assert read_hypnogram(path).stages.tolist() == [0, 2, 2]


@pytest.mark.parametrize(
    ("name", "text", "stages", "epoch_length"),
    [
        ("runs.csv", "stage,duration\nW,60\nN1,30\nN2,90\n", [0, 0, 1, 2, 2, 2], 30.0),
        ("twenty.tsv", "duration\tstage\n20\tW\n20\tN1\n20\tN2\n", [0, 1, 2], 20.0),
        ("numbered.csv", "epoch,stage\n1,W\n2,N1\n3,N2\n", [0, 1, 2], 30.0),
        ("trailing.csv", "W\nN1\nN2\n\n\n", [0, 1, 2], 30.0),
        ("timed-blank.csv", "onset,stage\n0,W\n\n30,N1\n", [0, 1], 30.0),
    ],
)
def test_table_timing_columns_are_read(
    tmp_path: Path, name: str, text: str, stages: list[int], epoch_length: float
) -> None:
    """A duration column without onsets gives runs one after another; blank ends are nothing."""
    path = tmp_path / name
    path.write_text(text)
    hyp = read_hypnogram(path)
    assert hyp.stages.tolist() == stages
    assert hyp.epoch_length == epoch_length and hyp.onset == 0.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("W\nN1\n\nN2\n", "line 3 is empty"),
        ("stage\nW\n \nN2\n", "line 3 is empty"),
        ("Start,Duration,Stage\n0,30,W\n", r"timing column\(s\) \['start'\]"),
        ("onset (s),stage\n0,W\n", r"\['onset \(s\)'\]"),
        ("time,stage\n22:00:00,W\n", r"\['time'\]"),
        ("epoch,stage\n1,W\n2,N1\n4,N2\n", "column 'epoch' does not number the rows"),
        ("epoch,stage\n121,W\n122,N1\n", "column 'epoch' does not number the rows"),
    ],
)
def test_tables_whose_timing_would_be_guessed_are_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    """An empty line, or a timing column the reader does not use, would shift epochs silently."""
    path = tmp_path / "h.csv"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=message):
        read_hypnogram(path)


def test_a_byte_order_mark_and_lights_off_are_not_stages(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_bytes(b"\xef\xbb\xbf0\n2\n4\n")
    assert read_hypnogram(path).stages.tolist() == [0, 2, 4]
    table = tmp_path / "h.csv"
    table.write_text("Lights off\nW\nN2\nLights on\n")
    assert read_hypnogram(table).stages.tolist() == [U, 0, 2, U]


def test_digits_among_stage_names_are_rk_stages(tmp_path: Path) -> None:
    """R&K exports (W 1 2 3 4 R M) number the stages: 4 is stage 4 (N3), not YASA's REM."""
    path = tmp_path / "rk.txt"
    path.write_text("W\n1\n2\n3\n4\nR\nM\n")
    assert read_hypnogram(path).stages.tolist() == [0, 1, 2, 3, 3, 4, U]
    path.write_text("W\n0\n5\nR\n")
    with pytest.raises(UnknownStageError, match=r"\['0', '5'\].*R&K stage numbers 1-4"):
        read_hypnogram(path)
    path.write_text("0\n4\n")  # integers alone stay YASA codes
    assert read_hypnogram(path).stages.tolist() == [0, 4]


def test_yasa_text(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_text("0\n1\n2.0\n3\n4\n-1\n-2\n")
    assert read_hypnogram(path).stages.tolist() == [0, 1, 2, 3, 4, U, U]
    written = write_hypnogram(read_hypnogram(path), tmp_path / "o.txt").read_text()
    assert written.splitlines()[-7:] == ["0", "1", "2", "3", "4", "-2", "-2"]


# ------------------------------------------------------------------ EDF+ / MASS


def test_mass_style_edf_with_late_onset_and_20s_epochs(tmp_path: Path) -> None:
    path = write_edf_annotations(
        tmp_path / "01-01-0001 Base.edf",
        [
            (15.0, 20.0, "Sleep stage W"),
            (35.0, 20.0, "Sleep stage 4"),
            (55.0, 20.0, "Sleep stage 3"),
            (75.0, 20.0, "Sleep stage ?"),
        ],
    )
    hyp = read_hypnogram(path)
    assert hyp.stages.tolist() == [0, 3, 3, U]
    assert hyp.epoch_length == 20.0
    assert hyp.onset == 15.0
    with pytest.raises(HypnogramError, match="lasts 20 s, not a positive multiple of the 30-s"):
        read_hypnogram(path, epoch_length=30.0)


def test_edf_without_start_date_has_no_start_time(tmp_path: Path) -> None:
    path = write_edf_annotations(tmp_path / "h.edf", [(0.0, 60.0, "Sleep stage 2")])
    hyp = read_hypnogram(path)
    assert hyp.start_time is None
    assert hyp.stages.tolist() == [2, 2]


# ------------------------------------------------------------------ NSRR XML

NSRR = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<PSGAnnotation>
<SoftwareVersion>Compumedics</SoftwareVersion>
<EpochLength>30</EpochLength>
<ScoredEvents>
<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept>
<Start>0</Start><Duration>300.0</Duration><ClockTime>00.00.00 22.55.57</ClockTime></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept>
<Start>0</Start><Duration>60.0</Duration></ScoredEvent>
<ScoredEvent><EventType>Arousals|Arousals</EventType><EventConcept>Arousal|Arousal ()</EventConcept>
<Start>12.5</Start><Duration>7.0</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Stage 1 sleep|1</EventConcept>
<Start>60.0</Start><Duration>30.0</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Stage 2 sleep|2</EventConcept>
<Start>90.0</Start><Duration>30.0</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Stage 4 sleep|4</EventConcept>
<Start>120.0</Start><Duration>60.0</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>REM sleep|5</EventConcept>
<Start>180.0</Start><Duration>30.0</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Movement|6</EventConcept>
<Start>210.0</Start><Duration>30.0</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Unscored|9</EventConcept>
<Start>240.0</Start><Duration>60.0</Duration></ScoredEvent>
</ScoredEvents>
</PSGAnnotation>
"""


def test_nsrr_xml(tmp_path: Path) -> None:
    path = tmp_path / "shhs1-200001-nsrr.xml"
    path.write_text(NSRR)
    hyp = read_hypnogram(path)
    assert hyp.stages.tolist() == [0, 0, 1, 2, 3, 3, 4, U, U, U]
    assert hyp.start_time is None  # the clock time has no date
    assert hyp.epoch_length == 30.0


# ------------------------------------------------------------------ bad input


def test_unknown_labels_are_all_listed(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("stage\nW\nfoo\nN2\nbar\nfoo\n")
    message = r"h\.csv: unknown stage label\(s\) \['bar', 'foo'\]"
    with pytest.raises(UnknownStageError, match=message):
        read_hypnogram(path)


def test_unknown_edf_annotations_are_listed(tmp_path: Path) -> None:
    path = write_edf_annotations(
        tmp_path / "h.edf",
        [(0.0, 30.0, "Sleep stage W"), (30.0, 30.0, "Lights off"), (60.0, 30.0, "Bathroom")],
    )
    with pytest.raises(UnknownStageError, match=r"\['Bathroom'\]"):
        read_hypnogram(path)


def test_unknown_xml_concepts_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "h.xml"
    path.write_text(NSRR.replace("REM sleep|5", "Stage 7 sleep|7"))
    with pytest.raises(UnknownStageError, match=r"\['Stage 7 sleep\|7'\]"):
        read_hypnogram(path)


def test_unknown_yasa_codes_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_text("0\n7\n2\n9\n")
    with pytest.raises(UnknownStageError, match=r"\['7', '9'\]"):
        read_hypnogram(path)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [(0.0, 60.0, "Sleep stage W"), (30.0, 30.0, "Sleep stage 1")],
            "event at onset 30 s overlaps the previous event, which ends at 60 s",
        ),
        (
            [(0.0, 30.0, "Sleep stage W"), (60.0, 30.0, "Sleep stage 1")],
            "gap of 30 s before the event at onset 60 s",
        ),
        (
            [(0.0, 30.0, "Sleep stage W"), (30.0, 45.0, "Sleep stage 1")],
            "event at onset 30 s lasts 45 s, not a positive multiple of the 30-s epoch",
        ),
        (
            [(0.0, 30.0, "Sleep stage W"), (30.0, 0.0, "Sleep stage 1")],
            "event at onset 30 s lasts 0 s",
        ),
        (
            [(0.0, 30.0, "Sleep stage W"), (30.0, 8 * 86400.0, "Sleep stage ?")],
            "more than the limit of 20160 epochs",
        ),
        (
            [(0.0, 30.0, "Sleep stage W"), (30.0, None, "Sleep stage 1")],
            "annotation at onset 30 s has no duration",
        ),
    ],
)
def test_bad_edf_events(
    tmp_path: Path, events: list[tuple[float, float | None, str]], message: str
) -> None:
    path = write_edf_annotations(tmp_path / "h.edf", events)
    with pytest.raises(HypnogramError, match=message):
        read_hypnogram(path)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("onset\tduration\tstage\n-30\t30\tW\n0\t30\tN1\n", "event at onset -30 s has a negative"),
        ("onset\tduration\tstage\n0\t60\tW\n30\t30\tN1\n", "overlaps the previous event"),
        ("onset\tduration\tstage\n0\t30\tW\n90\t30\tN1\n", "gap of 60 s"),
        ("onset\tduration\tstage\n0\t1e12\tW\n", "more than the limit"),
        ("onset\tduration\tstage\n0\tinf\tW\n", "non-finite onset or duration"),
        ("onset\tduration\tstage\n", "header but no epochs"),
    ],
)
def test_bad_tsv_events(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "h.tsv"
    path.write_text(table)
    with pytest.raises(HypnogramError, match=message):
        read_hypnogram(path)


def test_too_many_epochs_per_row(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_text("0\n" * 20161)
    with pytest.raises(HypnogramError, match=r"20161 epochs.*more than the limit"):
        read_hypnogram(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("h.edf", b"this is not an EDF file at all", "not an EDF file"),
        ("h.edf", b"0       " + b"\x00" * 50, r"truncated header \(58 bytes"),
        ("h.csv", b"\xff\xfe\xfa\x00\x81garbage\xc3", "not a readable CSV"),
        ("h.txt", b"\xff\xfe\xfa\x00\x81", "not a text file"),
        ("h.txt", b"0\n1 2\n", "line 2 holds 2 values"),
        ("h.csv", b"a,b\n1,2\n", "no stage column"),
        ("h.csv", b"stage,stage\nW,W\n", "duplicate column"),
        ("h.csv", b"onset,stage\nsoon,W\n", "column 'onset' row 1: 'soon' is not a number"),
        ("h.tsv", b"onset\tduration\tstage\n0\tnan\tW\n", "row 1: .nan. is not a number"),
        ("h.xml", b"<PSGAnnotation><ScoredEvents>", "not well-formed XML"),
        ("h.xml", b"<svg></svg>", "root element is <svg>"),
        (
            "h.xml",
            b"<PSGAnnotation><EpochLength>x</EpochLength></PSGAnnotation>",
            "EpochLength 'x' is not an epoch length of 1 to 3600 s",
        ),
    ],
)
def test_bad_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=message):
        read_hypnogram(path)


def test_edf_without_annotations(tmp_path: Path) -> None:
    path = tmp_path / "psg.edf"
    edfio.Edf([edfio.EdfSignal(np.zeros(100), sampling_frequency=10.0, label="EEG")]).write(path)
    with pytest.raises(FileFormatError, match="holds no annotations"):
        read_hypnogram(path)


def test_xml_without_stage_events(tmp_path: Path) -> None:
    path = tmp_path / "h.xml"
    path.write_text("<PSGAnnotation><ScoredEvents></ScoredEvents></PSGAnnotation>")
    with pytest.raises(HypnogramError, match="no sleep-stage events found"):
        read_hypnogram(path)


@pytest.mark.parametrize(
    "document",
    [
        # billion laughs: nested entity expansion
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<PSGAnnotation>&lol2;</PSGAnnotation>",
        # external entity reading a local file
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<PSGAnnotation>&xxe;</PSGAnnotation>",
        # a bare DTD
        '<?xml version="1.0"?><!DOCTYPE PSGAnnotation SYSTEM "http://example.org/a.dtd">'
        "<PSGAnnotation/>",
    ],
)
def test_unsafe_xml_is_refused(tmp_path: Path, document: str) -> None:
    path = tmp_path / "h.xml"
    path.write_text(document)
    with pytest.raises(FileFormatError, match="unsafe XML refused"):
        read_hypnogram(path)


@pytest.mark.parametrize("suffix", HYPNOGRAM_SUFFIXES)
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"h{suffix}"
    path.write_bytes(b"")
    with pytest.raises(FileFormatError, match="file is empty"):
        read_hypnogram(path)


def test_blank_text_file(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_text("\n  \n")
    with pytest.raises(FileFormatError, match="file is empty"):
        read_hypnogram(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"absent\.edf: file not found"):
        read_hypnogram(tmp_path / "absent.edf")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "d.tsv").mkdir()
    with pytest.raises(FileFormatError, match="is a folder, not a file"):
        read_hypnogram(tmp_path / "d.tsv")


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text("{}")
    with pytest.raises(FileFormatError, match=r"unknown hypnogram extension '.json'.*'.edf'"):
        read_hypnogram(path)
    with pytest.raises(FileFormatError, match="unknown hypnogram extension"):
        write_hypnogram(Hypnogram([0]), tmp_path / "out.json")


def test_unknown_format_argument(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"format='hdf5' is not allowed; choose one of 'tsv', .*'isruc'"
    ):
        read_hypnogram(tmp_path / "h.tsv", format="hdf5")


@pytest.mark.parametrize("epoch_length", [-30.0, 0.0, 0.001, 1e6, float("nan")])
def test_bad_epoch_length_argument(tmp_path: Path, epoch_length: float) -> None:
    path = tmp_path / "h.txt"
    path.write_text("0\n")
    with pytest.raises(ConfigError, match="epoch_length must be a positive"):
        read_hypnogram(path, epoch_length=epoch_length)


def test_tiny_declared_epoch_length_is_refused(tmp_path: Path) -> None:
    """A header field must not make the reader allocate billions of epochs."""
    path = tmp_path / "h.xml"
    path.write_text(NSRR.replace("<EpochLength>30<", "<EpochLength>1e-9<"))
    with pytest.raises(FileFormatError, match=r"h\.xml: EpochLength '1e-9' is not an epoch length"):
        read_hypnogram(path)
