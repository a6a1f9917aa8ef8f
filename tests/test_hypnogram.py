"""Tests for seqsleepnet.hypnogram: the Hypnogram type and its operations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import seqsleepnet
from seqsleepnet.errors import AlignmentError, ConfigError, HypnogramError
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.statistics import sleep_statistics

U = -1  # unscored


def hypnogram_folder() -> Path:
    """The Sleep-EDF hypnograms: the shared data folder if present, else the packaged copy."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "sleep-edf-hypnograms"
    if (shared / "MANIFEST.tsv").is_file():
        return shared
    return Path(seqsleepnet.__file__).parent / "resources" / "hypnograms"


# ------------------------------------------------------------------ Hypnogram type


def test_properties_and_counts() -> None:
    hyp = Hypnogram(np.array([0, 0, 1, 2, 2, 3, 4, U]), onset=60.0)
    assert hyp.n_epochs == 8
    assert hyp.duration == 240.0
    np.testing.assert_array_equal(hyp.onsets, 60.0 + 30.0 * np.arange(8))
    assert hyp.counts() == {"W": 2, "N1": 1, "N2": 2, "N3": 1, "REM": 1, "UNS": 1}
    assert sum(hyp.counts().values()) == hyp.n_epochs
    assert hyp.stages.dtype == np.int8


def test_to_frame() -> None:
    hyp = Hypnogram([4, U, 0], epoch_length=20.0, onset=10.0)
    frame = hyp.to_frame()
    assert list(frame.columns) == ["onset", "duration", "stage"]
    assert frame["stage"].tolist() == ["REM", "UNS", "W"]
    assert frame["onset"].tolist() == [10.0, 30.0, 50.0]
    assert (frame["duration"] == 20.0).all()


def test_stages_are_copied_and_equality() -> None:
    source = np.array([0, 1, 2], dtype=np.int64)
    hyp = Hypnogram(source)
    source[0] = 4
    assert hyp.stages[0] == 0
    assert hyp == Hypnogram([0, 1, 2])
    assert hyp != Hypnogram([0, 1, 2], onset=30.0)
    assert hyp != Hypnogram([0, 1, 3])
    assert "n_epochs=3" in repr(hyp)


def test_float_stages_with_integer_values_are_accepted() -> None:
    assert Hypnogram(np.array([0.0, 2.0, -1.0])).stages.tolist() == [0, 2, -1]


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([0, 5, 7], r"got \[5, 7\]"),
        ([0, -2], r"got \[-2\]"),
        ([[0, 1]], "1-D"),
        ([0.5, 1.0], "integers"),
        (["W", "N1"], "integers"),
    ],
)
def test_bad_stages(stages: object, message: str) -> None:
    with pytest.raises(HypnogramError, match=message):
        Hypnogram(stages)  # type: ignore[arg-type]


@pytest.mark.parametrize(("field", "value"), [("epoch_length", 0.0), ("epoch_length", -30.0)])
def test_bad_epoch_length(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match="epoch_length must be a positive"):
        Hypnogram([0], **{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("onset", [-30.0, float("nan")])
def test_bad_onset(onset: float) -> None:
    with pytest.raises(ConfigError, match="onset must be seconds >= 0"):
        Hypnogram([0], onset=onset)


def test_end_and_scored_mask() -> None:
    hyp = Hypnogram([0, U, 2, U], epoch_length=20.0, onset=40.0)
    assert hyp.end == 40.0 + 4 * 20.0
    assert hyp.scored.tolist() == [True, False, True, False]
    assert Hypnogram([]).end == 0.0 and Hypnogram([]).scored.shape == (0,)


# ------------------------------------------------------------------ crop and pad


def test_crop_keeps_whole_epochs_inside_the_window() -> None:
    hyp = Hypnogram([0, 1, 2, 3, 4, 2], onset=60.0, source="x")  # epochs 60..240 s
    cropped = hyp.crop(100.0, 200.0)  # only the epochs at 120 and 150 s fit wholly
    assert cropped.stages.tolist() == [2, 3]
    assert cropped.onset == 120.0 and cropped.source == "x"
    assert hyp.crop(90.0, 150.0).stages.tolist() == [1, 2]  # bounds on the grid are kept


def test_crop_open_ends() -> None:
    hyp = Hypnogram([0, 1, 2, 3], onset=30.0)
    assert hyp.crop() == hyp
    assert hyp.crop(start=90.0) == Hypnogram([2, 3], onset=90.0)
    assert hyp.crop(stop=90.0) == Hypnogram([0, 1], onset=30.0)
    assert hyp.crop(0.0, 1e6) == hyp


def test_crop_keeps_start_time() -> None:
    start = datetime(2020, 1, 1, 22, 0, 0)
    assert Hypnogram([0, 1, 2], start_time=start).crop(30.0).start_time == start


@pytest.mark.parametrize(("start", "stop"), [(200.0, 100.0), (50.0, 50.0), (float("nan"), 9.0)])
def test_crop_bad_window(start: float, stop: float) -> None:
    with pytest.raises(ConfigError, match="crop needs finite seconds with start < stop"):
        Hypnogram([0, 1]).crop(start, stop)


@pytest.mark.parametrize(("start", "stop"), [(100.0, 120.0), (300.0, 400.0), (0.0, 20.0)])
def test_crop_nothing_left(start: float, stop: float) -> None:
    hyp = Hypnogram([0, 1, 2], onset=30.0, source="n.tsv")
    with pytest.raises(HypnogramError, match=r"n\.tsv: crop\(.*\) keeps no whole 30-s epoch"):
        hyp.crop(start, stop)


def test_pad_adds_unscored_epochs() -> None:
    hyp = Hypnogram([2, 3], onset=90.0, source="p")
    padded = hyp.pad(before=2, after=3)
    assert padded.stages.tolist() == [U, U, 2, 3, U, U, U]
    assert padded.onset == 30.0 and padded.source == "p"
    assert hyp.pad() == hyp
    assert hyp.pad(before=3).onset == 0.0


def test_pad_then_crop_is_identity() -> None:
    hyp = Hypnogram([0, 1, 2, 4], epoch_length=20.0, onset=100.0)
    assert hyp.pad(5, 7).crop(hyp.onset, hyp.end) == hyp


def test_pad_before_the_recording_start() -> None:
    with pytest.raises(ConfigError, match=r"cannot pad 3 epochs before.*60 s.*at most 2 fit"):
        Hypnogram([1], onset=60.0).pad(before=3)


@pytest.mark.parametrize(("before", "after"), [(-1, 0), (0, 1.5), (True, 0)])
def test_pad_bad_counts(before: int, after: int) -> None:
    with pytest.raises(ConfigError, match="must be a whole number of epochs >= 0"):
        Hypnogram([1]).pad(before, after)


# ------------------------------------------------------------------ alignment


def test_align_pads_uncovered_epochs_and_drops_trailing_unscored() -> None:
    hyp = Hypnogram([1, 2, 3, U, U, U, U], onset=60.0)
    aligned = hyp.align_to(6)
    assert aligned.stages.dtype == np.int8
    assert aligned.stages.tolist() == [U, U, 1, 2, 3, U]
    assert (aligned.onset, aligned.epoch_length, aligned.start_time) == (0.0, 30.0, None)


def test_align_exact_length_is_identity() -> None:
    stages = np.array([0, 1, 2, 3, 4, U, 2], dtype=np.int8)
    assert Hypnogram(stages, source="a").align_to(7) == Hypnogram(stages)


def test_align_tolerates_one_scored_epoch_past_end() -> None:
    assert Hypnogram([0, 1, 2, 2]).align_to(3).stages.tolist() == [0, 1, 2]


def test_align_uses_start_times() -> None:
    start = datetime(2020, 1, 1, 22, 0, 0)
    hyp = Hypnogram([2, 3], onset=30.0, start_time=start + timedelta(seconds=60), source="h")
    aligned = hyp.align_to(5, start)
    assert aligned.stages.tolist() == [U, U, U, 2, 3]  # 60 s later clock + 30 s onset
    assert aligned.start_time == start and aligned.source == "h"


def test_align_ignores_start_times_unless_both_are_known() -> None:
    start = datetime(2020, 1, 1, 22, 0, 0)
    late = Hypnogram([2, 3], start_time=start + timedelta(seconds=60))
    assert late.align_to(3).stages.tolist() == [2, 3, U]
    assert Hypnogram([2, 3]).align_to(3, start).stages.tolist() == [2, 3, U]


def test_align_to_other_epoch_length() -> None:
    hyp = Hypnogram([1, 2], epoch_length=20.0, onset=40.0)
    aligned = hyp.align_to(5, epoch_length=20.0)
    assert aligned.stages.tolist() == [U, U, 1, 2, U]
    assert aligned.epoch_length == 20.0


def test_align_compares_aware_times_in_utc() -> None:
    naive = datetime(2020, 1, 1, 22, 0, 0)
    hyp = Hypnogram([2], start_time=naive + timedelta(seconds=30))
    labels = hyp.align_to(2, naive.replace(tzinfo=UTC)).stages
    assert labels.tolist() == [U, 2]


def test_align_hypnogram_longer_than_recording() -> None:
    hyp = Hypnogram([0, 1, 2, 2, 2, 3], source="night.edf")
    with pytest.raises(AlignmentError, match=r"night.edf: hypnogram scores 3 epochs past the end"):
        hyp.align_to(3)


def test_align_wrong_epoch_length() -> None:
    with pytest.raises(AlignmentError, match=r"20 s, the recording is cut into 30-s.*re-score"):
        Hypnogram([0, 1], epoch_length=20.0).align_to(10)


@pytest.mark.parametrize("onset", [15.0, 45.0, 0.5])
def test_align_misaligned_onset(onset: float) -> None:
    with pytest.raises(AlignmentError, match="not a non-negative multiple of 30 s"):
        Hypnogram([0, 1], onset=onset).align_to(10)


def test_align_misaligned_start_time() -> None:
    start = datetime(2020, 1, 1, 22, 0, 0)
    hyp = Hypnogram([0, 1], start_time=start + timedelta(seconds=10))
    with pytest.raises(AlignmentError, match="starts 10 s after"):
        hyp.align_to(10, start)


def test_align_hypnogram_before_recording() -> None:
    """A negative offset by absolute time, even with a positive onset."""
    start = datetime(2020, 1, 1, 22, 0, 0)
    hyp = Hypnogram([0, 1], onset=30.0, start_time=start - timedelta(seconds=90), source="h.edf")
    assert hyp.offset_from(start) == -60.0
    with pytest.raises(AlignmentError, match=r"h\.edf: hypnogram starts -60 s after"):
        hyp.align_to(10, start)


def test_align_without_overlap() -> None:
    """A hypnogram that starts after the recording ends: nothing scored inside, refused."""
    hyp = Hypnogram([0, 1, 2], onset=300.0, source="late.tsv")
    with pytest.raises(AlignmentError, match=r"late\.tsv: hypnogram scores 3 epochs past the end"):
        hyp.align_to(4)
    assert not Hypnogram([0], onset=300.0).align_to(4).scored.any()  # one epoch is tolerated


@pytest.mark.parametrize("n_epochs", [-1, 2.5])
def test_align_bad_n_epochs(n_epochs: float) -> None:
    with pytest.raises(AlignmentError, match="n_epochs must be a whole number"):
        Hypnogram([0]).align_to(n_epochs)  # type: ignore[arg-type]


# ------------------------------------------------------------------ in-bed trim


def test_in_bed_window() -> None:
    stages = [0] * 100 + [1, 2, 0, 4] + [0] * 100
    hyp = Hypnogram(stages, onset=30.0, source="x")
    trimmed = hyp.in_bed(margin_minutes=1.0)  # 2 epochs each side
    assert trimmed.stages.tolist() == [0, 0, 1, 2, 0, 4, 0, 0]
    assert trimmed.onset == 30.0 + 98 * 30.0
    assert trimmed.source == "x"


def test_in_bed_clips_at_edges() -> None:
    hyp = Hypnogram([2, 0, 0, 3])
    assert hyp.in_bed(margin_minutes=60.0) == hyp
    assert hyp.in_bed(margin_minutes=0.0).stages.tolist() == [2, 0, 0, 3]


def test_in_bed_without_sleep() -> None:
    with pytest.raises(HypnogramError, match=r"a\.edf: hypnogram has no sleep epoch"):
        Hypnogram([0, 0, U], source="a.edf").in_bed()


def test_in_bed_bad_margin() -> None:
    with pytest.raises(ConfigError, match="margin_minutes must be >= 0"):
        Hypnogram([1]).in_bed(margin_minutes=-5)


def test_in_bed_matches_published_sleep_edf_totals() -> None:
    """The README of the data gives the class totals of the 30-min window over all 39 files."""
    folder = hypnogram_folder()
    manifest = pd.read_csv(folder / "MANIFEST.tsv", sep="\t")
    assert len(manifest) == 39
    totals = dict.fromkeys(("W", "N1", "N2", "N3", "REM", "UNS"), 0)
    for name in manifest["file"]:
        hyp = read_hypnogram(folder / name).in_bed()
        assert hyp.onset % 30.0 == 0
        for stage, count in hyp.counts().items():
            totals[stage] += count
    assert totals == {"W": 8284, "N1": 2804, "N2": 17799, "N3": 5703, "REM": 7717, "UNS": 61}


def test_real_hypnogram_aligns_to_shorter_recording() -> None:
    """Sleep-EDF pads to 24 h with '?': aligning to a 22-h PSG drops only unscored epochs."""
    hyp = read_hypnogram(hypnogram_folder() / "SC4001EC-Hypnogram.edf")
    last_scored = int(np.flatnonzero(hyp.stages >= 0)[-1])
    labels = hyp.align_to(last_scored + 1, hyp.start_time).stages
    np.testing.assert_array_equal(labels, hyp.stages[: last_scored + 1])
    with pytest.raises(AlignmentError, match="past the end of the recording"):
        hyp.align_to(last_scored - 5)


# ------------------------------------------------------------------ statistics


def test_statistics_hand_computed() -> None:
    # W W N1 N2 N2 W N2 REM REM W UNS: sleep onset at epoch 2, sleep period epochs 2..8
    hyp = Hypnogram([0, 0, 1, 2, 2, 0, 2, 4, 4, 0, U])
    stats = hyp.statistics()
    assert stats.tib == 11 * 0.5
    assert stats.tst == 6 * 0.5
    assert stats.sleep_onset_latency == 1.0
    assert stats.rem_latency == 2.5  # first REM 5 epochs after sleep onset
    assert stats.waso == 0.5 and stats.awakenings == 1
    assert stats.unscored == 0.5
    assert stats.minutes["N2"] == 1.5
    assert stats == sleep_statistics(hyp.stages, 30.0)


def test_statistics_follow_the_epoch_length() -> None:
    assert Hypnogram([2, 2, 0], epoch_length=20.0).statistics().tst == 40.0 / 60.0


def test_statistics_of_an_empty_hypnogram() -> None:
    with pytest.raises(ConfigError, match="stages must be a non-empty array"):
        Hypnogram([]).statistics()
