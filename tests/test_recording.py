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
