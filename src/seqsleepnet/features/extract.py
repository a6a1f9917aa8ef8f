"""From a :class:`Recording` to the paper's feature images."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError
from seqsleepnet.features.config import FeatureConfig
from seqsleepnet.features.epochs import epoch_onsets, epoch_signals
from seqsleepnet.features.stft import stft_log_magnitude
from seqsleepnet.io.recording import Recording

__all__ = ["recording_features"]


def recording_features(
    recording: Recording, config: FeatureConfig | None = None
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
    """Time-frequency images of every whole epoch of a recording.

    Parameters
    ----------
    recording : Recording
        Conditioned signals at ``config.sfreq``.
    config : FeatureConfig, optional
        The paper's settings by default.

    Returns
    -------
    features : ndarray of float32, shape (E, C, 29, 129)
    onsets : ndarray of float64, shape (E,)
        Epoch onsets in seconds from the recording start.
    """
    cfg = config or FeatureConfig()
    if recording.sfreq != cfg.sfreq:
        raise ConfigError(
            f"recording is at {recording.sfreq:g} Hz but features expect {cfg.sfreq:g} Hz"
        )
    epochs = epoch_signals(recording.data, cfg.epoch_length)
    return stft_log_magnitude(epochs, cfg), epoch_onsets(epochs.shape[0], cfg.epoch_seconds)
