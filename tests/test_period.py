"""The analysed period: lights off/on and the in-bed rule, and ``stage`` with them."""

from __future__ import annotations

import html
import json
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import edfio
import pytest
from typer.testing import CliRunner

from conftest import sleep_like
from seqsleepnet.cli import app
from seqsleepnet.errors import ConfigError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.period import SleepPeriod, parse_moment, sleep_period
from seqsleepnet.statistics import DEFINITIONS

runner = CliRunner()
START = datetime(2020, 1, 1, 22, 0, 0)


def test_clock_times_and_seconds() -> None:
    assert parse_moment("22:30", START, "--lights-off") == 1800.0
    assert parse_moment("06:15:30", START, "--lights-on") == 8 * 3600 + 15 * 60 + 30.0
    assert parse_moment("90", START, "--lights-off") == 90.0
    assert parse_moment("12.5", None, "--lights-off") == 12.5
    with pytest.raises(ConfigError, match="no start time; give seconds"):
        parse_moment("22:30", None, "--lights-off")
    with pytest.raises(ConfigError, match=r"--lights-on must be a clock time HH:MM\[:SS\]"):
        parse_moment("late", START, "--lights-on")
    with pytest.raises(ConfigError, match=r"--lights-on='25:00' is not a clock time"):
        parse_moment("25:00", START, "--lights-on")


def test_clock_times_count_elapsed_time_across_a_daylight_saving_change() -> None:
    """Clocks go back at 03:00 on 2020-10-25 in Berlin: 22:00 to 06:00 is 9 hours."""
    start = datetime(2020, 10, 24, 22, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert parse_moment("06:00", start, "--lights-on") == 9 * 3600.0
    night = Hypnogram([2] * (9 * 120), start_time=start)
    period = sleep_period(night, lights_on="06:00")
    assert period.lights_on == night.end
    assert period.to_dict(start)["lights_on"] == "2020-10-25T06:00:00+01:00"


def test_in_bed_leaves_out_stray_sleep_far_from_the_night_and_says_so() -> None:
    """A day-long recording with a few epochs mistaken for sleep hours before and after."""
    day = [0] * 480
    day[30] = day[200] = 4  # 22:15 and 23:40: stray REM in the evening
    night = [2] * 60 + [3] * 60 + [4] * 30 + [2] * 60  # 02:00 to 03:45
    morning = [0] * 360
    morning[300] = 1  # 06:30
    hyp = Hypnogram(day + night + morning, start_time=START, source="day.edf")
    period = sleep_period(hyp, in_bed=True)
    assert (period.lights_off, period.lights_on) == ((480 - 60) * 30.0, (690 + 60) * 30.0)
    assert period.note is not None and period.note.startswith("3 sleep epoch(s) outside")
    assert period.to_dict(START)["note"] == period.note
    assert period.crop(hyp).statistics().sleep_efficiency == pytest.approx(100 * 210 / 330)
    # a night without stray sleep keeps the first-to-last rule and has no note
    assert sleep_period(Hypnogram([0] * 100 + night + [0] * 100), in_bed=True).note is None


def test_in_bed_keeps_the_sleep_on_both_sides_of_a_gap_in_the_recording() -> None:
    """An EDF+D-like night: 2 h of sleep, 1.5 h not recorded (unscored), 50 min of sleep."""
    before = [0] * 60 + [2] * 120 + [3] * 60 + [4] * 60
    gap = [-1] * 180
    after = [2] * 70 + [4] * 30 + [0] * 60
    hyp = Hypnogram(before + gap + after, start_time=START, source="gap.edf")
    period = sleep_period(hyp, in_bed=True)
    assert period.note is None  # nothing left out: a gap is neither sleep nor wake
    assert (period.lights_off, period.lights_on) == (0.0, (300 + 180 + 100 + 60) * 30.0)
    # a real hour-plus awakening still separates a nap from the night
    awake = Hypnogram(before + [0] * 180 + after, start_time=START, source="awake.edf")
    assert sleep_period(awake, in_bed=True).note is not None


def test_period_from_lights_in_bed_or_the_whole_recording() -> None:
    stages = [0] * 80 + [2] * 10 + [0] * 80  # 85 minutes
    hyp = Hypnogram(stages, start_time=START, source="n.edf")
    assert sleep_period(hyp) == SleepPeriod(0.0, 170 * 30.0, "recording")
    assert sleep_period(hyp, lights_off="22:10") == SleepPeriod(600.0, 170 * 30.0, "lights")
    assert sleep_period(hyp, in_bed=True) == SleepPeriod(20 * 30.0, 150 * 30.0, "in-bed")
    window = sleep_period(hyp, lights_off="600", lights_on="22:20:15")
    assert window.crop(hyp).n_epochs == 20  # whole epochs inside only
    assert window == SleepPeriod(600.0, 1200.0, "lights")  # the period analysed
    assert sleep_period(hyp, lights_off="22:10:20").lights_off == 630.0  # rounded inwards
    for off, on, outside in (
        (
            None,
            "23:30",
            r"lights on \(2020-01-01 23:30:00\) lies outside the recording "
            r"\(2020-01-01 22:00:00 to 2020-01-01 23:25:00\)",
        ),
        (None, "99999", r"lights on \(2020-01-03 01:46:39\) lies outside"),
        ("21:59", None, r"lights off \(2020-01-02 21:59:00\) lies outside"),  # the next 21:59
    ):
        with pytest.raises(ConfigError, match=outside):
            sleep_period(hyp, lights_off=off, lights_on=on)
    with pytest.raises(ConfigError, match=r"lights on \(6000 s from the start\) lies outside"):
        sleep_period(Hypnogram(stages), lights_on="6000")
    with pytest.raises(ConfigError, match=r"n.edf: lights on .* must come after lights off"):
        sleep_period(hyp, lights_off="23:00", lights_on="22:30")
    with pytest.raises(ConfigError, match="no whole epoch lies between lights off"):
        sleep_period(hyp, lights_off="0", lights_on="10")
    with pytest.raises(ConfigError, match="--in-bed chooses the period itself"):
        sleep_period(hyp, lights_off="22:10", in_bed=True)


@pytest.fixture
def evening_psg(tmp_path: Path) -> Path:
    """Twenty-five minutes of AASM channels, recorded from 22:00:00."""
    signals = [
        edfio.EdfSignal(
            sleep_like(1500.0, 100, seed),
            100.0,
            label=label,
            physical_dimension="uV",
            physical_range=(-500, 500),
        )
        for seed, label in enumerate(("C4-M1", "E1-M2", "Chin1-Chin2"))
    ]
    edf = edfio.Edf(
        signals,
        starttime=time(22, 0, 0),
        recording=edfio.Recording(startdate=START.date()),
        data_record_duration=30.0,
    )
    edf.write(tmp_path / "evening.edf")
    return tmp_path / "evening.edf"


def test_stage_with_lights_off_and_on(
    evening_psg: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    out = tmp_path / "out"
    args = ["stage", str(evening_psg), "-o", str(out), "-m", str(tiny_checkpoint), "-q"]
    result = runner.invoke(app, [*args, "--lights-off", "22:05", "--lights-on", "600"])
    assert result.exit_code == 0, result.output
    stats = json.loads((out / "evening.stats.json").read_text())
    assert stats["start_time"] == "2020-01-01T22:00:00"
    assert stats["period"] == {
        "rule": "lights",
        "lights_off_seconds": 300.0,
        "lights_on_seconds": 600.0,
        "lights_off": "2020-01-01T22:05:00",
        "lights_on": "2020-01-01T22:10:00",
    }
    predicted = read_hypnogram(out / "evening.hypnogram.tsv")
    expected = predicted.crop(300.0, 600.0).statistics().to_dict()
    assert stats["tib"] == 5.0 and {k: stats[k] for k in expected} == expected
    assert stats["rem_latency_from"] == "sleep-onset"
    assert set(stats["definitions"]) == set(DEFINITIONS)
    page = (out / "evening.html").read_text()
    assert "lights off 22:05, lights on 22:10" in page
    for label, text in DEFINITIONS.values():
        assert f"<dt>{label}</dt>: <dd>{html.escape(text)}</dd>" in page


def test_stage_refuses_in_bed_with_lights(evening_psg: Path, tmp_path: Path) -> None:
    args = ["stage", str(evening_psg), "-o", str(tmp_path / "o"), "--in-bed", "--lights-on", "7:00"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "--in-bed chooses the period itself" in result.stderr


def test_stage_in_bed_is_the_prepare_rule(
    evening_psg: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    args = ["stage", str(evening_psg), "-m", str(tiny_checkpoint), "-q"]
    assert runner.invoke(app, [*args, "-o", str(tmp_path / "all")]).exit_code == 0
    predicted = read_hypnogram(tmp_path / "all" / "evening.hypnogram.tsv")
    result = runner.invoke(app, [*args, "-o", str(tmp_path / "bed"), "--in-bed"])
    if not (predicted.stages > 0).any():  # the untrained model predicted no sleep at all
        assert result.exit_code == 1 and "no in-bed period" in result.stderr
        return
    assert result.exit_code == 0, result.output
    period = json.loads((tmp_path / "bed" / "evening.stats.json").read_text())["period"]
    window = predicted.in_bed(30.0)
    assert (period["rule"], period["lights_off_seconds"]) == ("in-bed", window.onset)
    assert period["lights_on_seconds"] == window.end


def test_expert_and_predicted_statistics_cover_the_analysed_period(
    evening_psg: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    out = tmp_path / "out"
    first = runner.invoke(
        app, ["stage", str(evening_psg), "-o", str(out), "-m", str(tiny_checkpoint), "-q"]
    )
    assert first.exit_code == 0, first.output
    expert = tmp_path / "evening-expert.tsv"
    (out / "evening.hypnogram.tsv").rename(expert)  # the model's own night as the expert's
    out = tmp_path / "again"
    args = ["stage", str(evening_psg), "-o", str(out), "-m", str(tiny_checkpoint), "-q"]
    result = runner.invoke(
        app, [*args, "--true", str(expert), "--lights-off", "22:05", "--lights-on", "600"]
    )
    assert result.exit_code == 0, result.output
    stats = json.loads((out / "evening.stats.json").read_text())
    compared = stats["agreement"]["statistics"]
    assert compared["tst"]["predicted"] == compared["tst"]["expert"] == stats["tst"]
    assert compared["sleep_efficiency"]["predicted"] == stats["sleep_efficiency"]
    assert stats["agreement"]["epochs"] > round(stats["tib"] * 2)  # agreement: every epoch
