from pathlib import Path

import numpy as np
import pytest

from seqsleepnet.errors import ConfigError
from seqsleepnet.features.extract import recording_features
from seqsleepnet.io.edf import read_recording
from seqsleepnet.io.recording import Recording


def test_aasm_file_at_256_hz_gives_one_image_per_whole_epoch(aasm_edf: Path) -> None:
    features, onsets = recording_features(read_recording(aasm_edf))
    assert features.shape == (310 // 30, 3, 29, 129)
    np.testing.assert_array_equal(onsets, np.arange(10) * 30.0)
    assert np.isfinite(features).all()


def test_recording_at_another_rate_is_refused() -> None:
    rec = Recording(np.zeros((1, 6000), np.float32), ["a"], ["eeg"], sfreq=200.0)
    with pytest.raises(ConfigError, match="recording is at 200 Hz"):
        recording_features(rec)
