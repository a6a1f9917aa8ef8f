from pathlib import Path

import numpy as np

from seqsleepnet.features.recording import Recording


def test_duration_counts_every_sample() -> None:
    rec = Recording(np.zeros((2, 3000 * 4 + 2999), np.float32), ["a", "b"], ["eeg", "eog"], 100.0)
    assert rec.n_samples == 14999
    assert rec.duration == 149.99
    assert rec.name == "recording"


def test_name_comes_from_the_source_file() -> None:
    rec = Recording(
        np.zeros((1, 3000), np.float32), ["a"], ["eeg"], 100.0, source=Path("x/night1.edf")
    )
    assert rec.name == "night1"


def test_recorded_within_leaves_out_gaps_and_epochs_not_wholly_inside_the_span() -> None:
    data = np.zeros((1, 3000 * 6), np.float32)
    rec = Recording(data, ["a"], ["eeg"], 100.0, gaps=((45.0, 60.0),))
    onsets = np.arange(6) * 30.0  # 0, 30, ..., 150 s
    assert rec.recorded_within(onsets, 30.0).tolist() == [True, False, True, True, True, True]
    inside = rec.recorded_within(onsets, 30.0, (10.0, 150.0))  # 0-30 and 150-180 stick out
    assert inside.tolist() == [False, False, True, True, True, False]
