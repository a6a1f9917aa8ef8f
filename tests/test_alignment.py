"""Aligning two scorings of a night by absolute time."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import edfio
import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import sleep_like
from seqsleepnet.alignment import align_hypnograms
from seqsleepnet.cli import app
from seqsleepnet.errors import AlignmentError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import write_hypnogram

runner = CliRunner()

START = datetime(2020, 1, 1, 22, 0, 0)


def test_by_clock_time_crops_to_the_overlap_and_says_how_much() -> None:
    # true: 22:00:00 + 60 s onset, 10 epochs; pred: its recording starts 22:02:00, 4 epochs
    true = Hypnogram(np.arange(10) % 5, onset=60.0, start_time=START, source="/x/expert.edf")
    pred = Hypnogram([2, 3, 4, 0], start_time=START + timedelta(minutes=2), source="p.tsv")
    pair = align_hypnograms(true, pred)
    assert pair.by_clock and pair.cropped
    assert pair.true_span == (2, 6) and pair.pred_span == (0, 4)
    assert pair.true.stages.tolist() == [2, 3, 4, 0] and pair.pred.stages.tolist() == [2, 3, 4, 0]
    assert pair.true.onset == 120.0 and pair.pred.onset == 0.0
    assert pair.note == (
        "aligned p.tsv with expert.edf by clock time: 4 shared epochs from 2020-01-01 22:02:00; "
        "cropped 6 of the 10 epochs of expert.edf (2 before, 4 after) and none of the 4 epochs "
        "of p.tsv"
    )


def test_both_directions_and_partial_overlap() -> None:
    a = Hypnogram([0, 1, 2, 3, 4], start_time=START)
    b = Hypnogram([2, 3, 4, 4, 4, 4], onset=30.0, start_time=START + timedelta(seconds=30))
    forward, backward = align_hypnograms(a, b), align_hypnograms(b, a)
    assert forward.true.stages.tolist() == [2, 3, 4] and forward.pred_span == (0, 3)
    assert backward.true_span == (0, 3) and backward.pred_span == (2, 5)
    assert not align_hypnograms(a, a).cropped


def test_aware_and_naive_start_times_compare_in_utc() -> None:
    aware = Hypnogram([0, 1, 2], start_time=START.replace(tzinfo=UTC))
    naive = Hypnogram([1, 2], start_time=START + timedelta(seconds=30))
    assert align_hypnograms(aware, naive).true_span == (1, 3)


def test_no_overlap_names_both_periods() -> None:
    true = Hypnogram([0, 1], start_time=START, source="t.edf")
    pred = Hypnogram([0, 1], start_time=START + timedelta(hours=1), source="p.tsv")
    with pytest.raises(
        AlignmentError,
        match=r"p.tsv \(2020-01-01 23:00:00 to 2020-01-01 23:01:00\) and t.edf \(2020-01-01 "
        r"22:00:00 to 2020-01-01 22:01:00\) share no epoch",
    ):
        align_hypnograms(true, pred)


def test_grids_that_do_not_line_up_and_other_epoch_lengths_raise() -> None:
    true = Hypnogram([0, 1, 2], start_time=START, source="t.edf")
    off = Hypnogram([0, 1], start_time=START + timedelta(seconds=45), source="p.tsv")
    with pytest.raises(AlignmentError, match=r"45 s apart, not a multiple of the 30-s epoch"):
        align_hypnograms(true, off)
    twenty = Hypnogram([0, 1], epoch_length=20.0, start_time=START, source="p.tsv")
    with pytest.raises(AlignmentError, match=r"p.tsv has 20-s epochs and t.edf 30-s epochs"):
        align_hypnograms(true, twenty)


def test_a_grid_off_by_a_fraction_of_a_second_names_both_clock_times_with_it() -> None:
    true = Hypnogram([0, 1, 2], start_time=START, source="t.edf")
    off = Hypnogram([0, 1], start_time=START + timedelta(seconds=0.5), source="p.tsv")
    with pytest.raises(
        AlignmentError,
        match=r"p.tsv starts at 2020-01-01 22:00:00\.5 and t.edf at 2020-01-01 "
        r"22:00:00: 0\.5 s apart",
    ):
        align_hypnograms(true, off)


def test_without_a_start_time_equal_onsets_and_lengths_match_epoch_by_epoch() -> None:
    true = Hypnogram([0, 1, 2], onset=60.0, start_time=START, source="t.edf")
    pred = Hypnogram([0, 1, 3], onset=60.0, source="p.txt")
    pair = align_hypnograms(true, pred)
    assert not pair.by_clock and not pair.cropped
    assert pair.pred.stages.tolist() == [0, 1, 3]
    assert pair.note.startswith("p.txt gives no recording start time: p.txt and t.edf are matched")
    with pytest.raises(
        AlignmentError,
        match=r"p.txt gives no recording start time, so p.txt \(2 epochs\) and t.edf "
        r"\(3 epochs\) cannot be placed by clock time.*give a file with the start time",
    ):
        align_hypnograms(true, Hypnogram([0, 1], onset=60.0, source="p.txt"))


@pytest.mark.parametrize("start", [START, None])
def test_without_a_start_time_onsets_place_the_epochs(start: datetime | None) -> None:
    """Onsets are seconds from the recording start: a later first epoch is not the first one."""
    true = Hypnogram([0, 1, 2, 3], onset=0.0, start_time=start, source="t.tsv")
    pred = Hypnogram([2, 3, 4], onset=60.0, source="p.tsv")  # starts at true's third epoch
    pair = align_hypnograms(true, pred)
    assert not pair.by_clock and pair.cropped
    assert pair.true.stages.tolist() == [2, 3] and pair.pred.stages.tolist() == [2, 3]
    assert (pair.true_span, pair.pred_span) == ((2, 4), (0, 2))
    assert "by onset (" in pair.note and "2 shared epochs" in pair.note
    with pytest.raises(AlignmentError, match=r"45 s apart, not a multiple of the 30-s epoch"):
        align_hypnograms(true, Hypnogram([2], onset=45.0, source="p.tsv"))
    with pytest.raises(AlignmentError, match=r"share no epoch"):
        align_hypnograms(true, Hypnogram([2], onset=300.0, source="p.tsv"))


def test_an_aware_clock_time_meets_a_naive_one_by_its_wall_clock() -> None:
    """EDF start times are naive local times: 23:00+01:00 is 23:00 there, not 22:00."""
    naive = Hypnogram([0, 1, 2], start_time=START, source="t.edf")
    zone = timezone(timedelta(hours=1))
    aware = Hypnogram([0, 1, 2], start_time=START.replace(tzinfo=zone), source="p.tsv")
    pair = align_hypnograms(naive, aware)
    assert pair.by_clock and not pair.cropped
    utc = Hypnogram([1, 2], start_time=datetime(2020, 1, 1, 21, 0, 30, tzinfo=UTC))
    assert align_hypnograms(aware, utc).true_span == (1, 3)  # both aware: exact (21:00 UTC)


# ---------------------------------------------------------------- stage --true and evaluate


@pytest.fixture
def trimmed_night(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A 2-h expert hypnogram, its in-bed part alone, and a PSG of the in-bed part only."""
    rng = np.random.default_rng(3)
    full = Hypnogram(rng.integers(0, 5, 240), start_time=START, source="full")
    expert = write_hypnogram(full, tmp_path / "SC4001EC-Hypnogram.edf")
    part = full.crop(100 * 30.0, 150 * 30.0)  # epochs 100..149: 22:50 to 23:15
    trimmed = write_hypnogram(part, tmp_path / "trimmed.tsv")
    seconds = part.duration
    signals = [
        edfio.EdfSignal(
            sleep_like(seconds, 100, seed),
            100.0,
            label=label,
            physical_dimension="uV",
            physical_range=(-500, 500),
        )
        for seed, label in enumerate(("C4-M1", "E1-M2", "Chin1-Chin2"))
    ]
    psg_start = START + timedelta(seconds=part.onset)
    edf = edfio.Edf(
        signals,
        starttime=psg_start.time(),
        recording=edfio.Recording(startdate=psg_start.date()),
        data_record_duration=30.0,
    )
    psg = tmp_path / "psg" / "SC4001E0-PSG.edf"
    psg.parent.mkdir()
    edf.write(psg)
    return expert, trimmed, psg


def _stage_agreement(psg: Path, true: Path, out: Path, checkpoint: Path) -> tuple[str, str]:
    args = ["stage", str(psg), "-o", str(out), "-m", str(checkpoint), "--true", str(true), "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    agreement = re.search(r"agreement with expert (\S+%) \(kappa (\S+)\)", result.stdout)
    assert agreement is not None, result.stdout
    return agreement.group(1), result.stderr


def _evaluate(true: Path, pred: Path) -> dict[str, float]:
    result = runner.invoke(app, ["evaluate", "--true", str(true), "--pred", str(pred), "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_full_expert_hypnogram_with_a_trimmed_psg_agrees_as_the_trimmed_one(
    trimmed_night: tuple[Path, Path, Path], tmp_path: Path, tiny_checkpoint: Path
) -> None:
    expert, trimmed, psg = trimmed_night
    by_full, note = _stage_agreement(psg, expert, tmp_path / "a", tiny_checkpoint)
    assert note.strip() == (
        "note: SC4001E0-PSG.edf: aligned SC4001E0-PSG.edf with SC4001EC-Hypnogram.edf by clock "
        "time: 50 shared epochs from 2020-01-01 22:50:00; cropped 190 of the 240 epochs of "
        "SC4001EC-Hypnogram.edf (100 before, 90 after) and none of the 50 epochs of "
        "SC4001E0-PSG.edf"
    )
    by_trimmed, note = _stage_agreement(psg, trimmed, tmp_path / "b", tiny_checkpoint)
    assert by_full == by_trimmed and note == ""
    predicted = tmp_path / "a" / "SC4001E0-PSG.hypnogram.tsv"
    full, part = _evaluate(expert, predicted), _evaluate(trimmed, predicted)
    metrics = ("accuracy", "kappa", "macro_f1", "epochs", "per_stage", "confusion")
    assert {k: full[k] for k in metrics} == {k: part[k] for k in metrics}
    assert full["epochs"] == 50
    assert f"{100 * full['accuracy']:.1f}%" == by_full
