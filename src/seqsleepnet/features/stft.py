"""STFT log-magnitude images: (E, C, 3000) epochs -> (E, C, 29, 129) in dB.

Framing is done by hand (a strided view + ``scipy.fft.rfft``) because
``torch.stft(center=False)`` yields 28 frames per epoch where the paper has 29,
and the window is MATLAB's symmetric ``hamming(200)``, not the periodic one
that scipy and torch use by default.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft
from scipy.signal import windows

from seqsleepnet.features.config import FeatureConfig

__all__ = ["stft_log_magnitude"]

_CHUNK_EPOCHS = 256  # bounds the complex intermediate to ~50 MB for 3 channels


def stft_log_magnitude(
    epochs: npt.NDArray[np.floating], config: FeatureConfig | None = None
) -> npt.NDArray[np.float32]:
    """Log-magnitude STFT of every epoch and channel, vectorised.

    Parameters
    ----------
    epochs : ndarray, shape (E, C, S)
        Epoch signals in microvolts, ``S = config.epoch_length`` (3000).
    config : FeatureConfig, optional
        Window, hop and FFT size (the paper's by default).

    Returns
    -------
    ndarray of float32, shape (E, C, T, F)
        ``20 * log10(max(|X|, floor))`` with T = 29 frames and F = 129 bins
        (0-50 Hz) for the default configuration.
    """
    cfg = config or FeatureConfig()
    window = windows.hamming(cfg.window_length, sym=True).astype(np.float32)
    n_epochs, n_channels = epochs.shape[:2]
    out = np.empty((n_epochs, n_channels, cfg.n_frames, cfg.n_bins), dtype=np.float32)
    for start in range(0, n_epochs, _CHUNK_EPOCHS):
        chunk = np.asarray(epochs[start : start + _CHUNK_EPOCHS], dtype=np.float32)
        # (e, C, S) -> (e, C, T, window) frames, a view
        frames = sliding_window_view(chunk, cfg.window_length, axis=-1)[..., :: cfg.hop, :]
        frames = frames[..., : cfg.n_frames, :]
        spectrum = fft.rfft(frames * window, n=cfg.n_fft, axis=-1)  # (e, C, T, F) complex
        magnitude = np.abs(spectrum)
        np.maximum(magnitude, cfg.floor, out=magnitude)
        out[start : start + chunk.shape[0]] = 20.0 * np.log10(magnitude)
    return out
