"""Tests for seqsleepnet.io.hypnogram: the Hypnogram type, alignment and in-bed trim."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import seqsleepnet
from seqsleepnet.errors import AlignmentError, ConfigError, HypnogramError
from seqsleepnet.io.hypnogram import Hypnogram, align_hypnogram, read_hypnogram, trim_to_bed

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


# ------------------------------------------------------------------ alignment


def test_align_pads_uncovered_epochs_and_drops_trailing_unscored() -> None:
    hyp = Hypnogram([1, 2, 3, U, U, U, U], onset=60.0)
    labels = align_hypnogram(hyp, 6)
    assert labels.dtype == np.int8
    assert labels.tolist() == [U, U, 1, 2, 3, U]


def test_align_exact_length_is_identity() -> None:
    stages = np.array([0, 1, 2, 3, 4, U, 2], dtype=np.int8)
    np.testing.assert_array_equal(align_hypnogram(Hypnogram(stages), 7), stages)


def test_align_tolerates_one_scored_epoch_past_end() -> None:
    assert align_hypnogram(Hypnogram([0, 1, 2, 2]), 3).tolist() == [0, 1, 2]


def test_align_uses_start_times() -> None:
    start = datetime(2020, 1, 1, 22, 0, 0)
    hyp = Hypnogram([2, 3], start_time=start + timedelta(seconds=60))
    labels = align_hypnogram(hyp, 5, recording_start=start)
    assert labels.tolist() == [U, U, 2, 3, U]


def test_align_compares_aware_times_in_utc() -> None:
    naive = datetime(2020, 1, 1, 22, 0, 0)
    hyp = Hypnogram([2], start_time=naive + timedelta(seconds=30))
    labels = align_hypnogram(hyp, 2, recording_start=naive.replace(tzinfo=UTC))
    assert labels.tolist() == [U, 2]


def test_align_hypnogram_longer_than_recording() -> None:
    hyp = Hypnogram([0, 1, 2, 2, 2, 3], source="night.edf")
    with pytest.raises(AlignmentError, match=r"night.edf: hypnogram scores 3 epochs past the end"):
        align_hypnogram(hyp, 3)


def test_align_wrong_epoch_length() -> None:
    with pytest.raises(AlignmentError, match=r"20 s.*re-score or resample"):
        align_hypnogram(Hypnogram([0, 1], epoch_length=20.0), 10)


@pytest.mark.parametrize("onset", [15.0, 45.0, 0.5])
def test_align_misaligned_onset(onset: float) -> None:
    with pytest.raises(AlignmentError, match="not a non-negative multiple of 30 s"):
        align_hypnogram(Hypnogram([0, 1], onset=onset), 10)


def test_align_misaligned_start_time() -> None:
    start = datetime(2020, 1, 1, 22, 0, 0)
    hyp = Hypnogram([0, 1], start_time=start + timedelta(seconds=10))
    with pytest.raises(AlignmentError, match="starts 10 s after"):
        align_hypnogram(hyp, 10, recording_start=start)


def test_align_hypnogram_before_recording() -> None:
    start = datetime(2020, 1, 1, 22, 0, 0)
    hyp = Hypnogram([0, 1], start_time=start - timedelta(seconds=60))
    with pytest.raises(AlignmentError, match="starts -60 s after"):
        align_hypnogram(hyp, 10, recording_start=start)


@pytest.mark.parametrize("n_epochs", [-1, 2.5])
def test_align_bad_n_epochs(n_epochs: float) -> None:
    with pytest.raises(AlignmentError, match="n_epochs must be a whole number"):
        align_hypnogram(Hypnogram([0]), n_epochs)  # type: ignore[arg-type]


# ------------------------------------------------------------------ in-bed trim


def test_trim_to_bed_window() -> None:
    stages = [0] * 100 + [1, 2, 0, 4] + [0] * 100
    hyp = Hypnogram(stages, onset=30.0, source="x")
    trimmed = trim_to_bed(hyp, margin_minutes=1.0)  # 2 epochs each side
    assert trimmed.stages.tolist() == [0, 0, 1, 2, 0, 4, 0, 0]
    assert trimmed.onset == 30.0 + 98 * 30.0
    assert trimmed.source == "x"


def test_trim_to_bed_clips_at_edges() -> None:
    hyp = Hypnogram([2, 0, 0, 3])
    assert trim_to_bed(hyp, margin_minutes=60.0) == hyp
    assert trim_to_bed(hyp, margin_minutes=0.0).stages.tolist() == [2, 0, 0, 3]


def test_trim_to_bed_without_sleep() -> None:
    with pytest.raises(HypnogramError, match=r"a\.edf: hypnogram has no sleep epoch"):
        trim_to_bed(Hypnogram([0, 0, U], source="a.edf"))


def test_trim_to_bed_bad_margin() -> None:
    with pytest.raises(ConfigError, match="margin_minutes must be >= 0"):
        trim_to_bed(Hypnogram([1]), margin_minutes=-5)


def test_trim_to_bed_matches_published_sleep_edf_totals() -> None:
    """The README of the data gives the class totals of the 30-min window over all 39 files."""
    folder = hypnogram_folder()
    manifest = pd.read_csv(folder / "MANIFEST.tsv", sep="\t")
    assert len(manifest) == 39
    totals = dict.fromkeys(("W", "N1", "N2", "N3", "REM", "UNS"), 0)
    for name in manifest["file"]:
        hyp = trim_to_bed(read_hypnogram(folder / name))
        assert hyp.onset % 30.0 == 0
        for stage, count in hyp.counts().items():
            totals[stage] += count
    assert totals == {"W": 8284, "N1": 2804, "N2": 17799, "N3": 5703, "REM": 7717, "UNS": 61}


def test_real_hypnogram_aligns_to_shorter_recording() -> None:
    """Sleep-EDF pads to 24 h with '?': aligning to a 22-h PSG drops only unscored epochs."""
    hyp = read_hypnogram(hypnogram_folder() / "SC4001EC-Hypnogram.edf")
    last_scored = int(np.flatnonzero(hyp.stages >= 0)[-1])
    labels = align_hypnogram(hyp, last_scored + 1)
    np.testing.assert_array_equal(labels, hyp.stages[: last_scored + 1])
    with pytest.raises(AlignmentError, match="past the end of the recording"):
        align_hypnogram(hyp, last_scored - 5)
