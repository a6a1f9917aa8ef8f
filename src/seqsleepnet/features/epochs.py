"""Cut a recording into 30-s epochs."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["epoch_onsets", "epoch_signals"]


def epoch_signals(data: npt.NDArray[np.float32], epoch_length: int) -> npt.NDArray[np.float32]:
    """View signals as consecutive epochs; a trailing partial epoch is dropped.

    Parameters
    ----------
    data : ndarray, shape (C, N)
        Signals.
    epoch_length : int
        Samples per epoch (3000 at 100 Hz).

    Returns
    -------
    ndarray, shape (E, C, epoch_length)
        With ``E = N // epoch_length``; a copy only when ``data`` is not
        C-contiguous.
    """
    n_channels, n_samples = data.shape
    n_epochs = n_samples // epoch_length
    trimmed = np.ascontiguousarray(data[:, : n_epochs * epoch_length])
    return trimmed.reshape(n_channels, n_epochs, epoch_length).transpose(1, 0, 2)


def epoch_onsets(n_epochs: int, epoch_seconds: float = 30.0) -> npt.NDArray[np.float64]:
    """Onset of each epoch in seconds from the recording start, shape (E,)."""
    return np.arange(n_epochs, dtype=np.float64) * epoch_seconds
