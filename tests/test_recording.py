from pathlib import Path

import numpy as np

from seqsleepnet.io.recording import Recording


def test_epoch_count_ignores_a_trailing_partial_epoch() -> None:
    rec = Recording(np.zeros((2, 3000 * 4 + 2999), np.float32), ["a", "b"], ["eeg", "eog"])
    assert rec.n_epochs == 4
    assert rec.duration == 149.99
    assert rec.name == "recording"


def test_name_comes_from_the_source_file() -> None:
    rec = Recording(np.zeros((1, 3000), np.float32), ["a"], ["eeg"], source=Path("x/night1.edf"))
    assert rec.name == "night1"
