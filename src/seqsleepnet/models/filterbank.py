"""Learnable, non-negative, triangular-shaped filterbank layer (SeqSleepNet stage 1).

Each channel has its own filterbank ``W = sigmoid(V) * T``: ``T`` is a fixed
linear-frequency triangular filterbank and ``V`` is learned, so every filter
stays non-negative and keeps its place on the frequency axis while its shape
within the triangle is learned. The same filterbank is applied to every frame.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from seqsleepnet.errors import ConfigError
from seqsleepnet.models.init import normal_

__all__ = ["TriangularFilterbank", "linear_triangular_filterbank"]


def linear_triangular_filterbank(
    n_filters: int,
    n_fft: int,
    sampling_rate: float,
    low_freq: float = 0.0,
    high_freq: float | None = None,
) -> npt.NDArray[np.float32]:
    """Triangular filters with centres evenly spaced on a linear frequency axis.

    Filter ``m`` rises linearly from 0 at edge ``m`` to 1 at edge ``m + 1`` and
    falls back to 0 at edge ``m + 2``, where the ``n_filters + 2`` edges are
    evenly spaced between ``low_freq`` and ``high_freq``.

    Parameters
    ----------
    n_filters : int
        Number of triangles (32 in SeqSleepNet).
    n_fft : int
        FFT length; the filterbank has ``n_fft // 2 + 1`` rows (frequency bins).
    sampling_rate : float
        Sampling rate of the signal in Hz (bin ``k`` sits at ``k * fs / n_fft`` Hz).
    low_freq, high_freq : float
        Band covered by the filters in Hz; ``high_freq`` defaults to ``fs / 2``.

    Returns
    -------
    numpy.ndarray of float32, shape (n_fft // 2 + 1, n_filters)
        Filter weights in 0..1, one column per filter.

    Raises
    ------
    ConfigError
        If a size is not positive or the band is not inside ``0..fs/2``.
    """
    if n_filters < 1 or n_fft < 2 or sampling_rate <= 0:
        raise ConfigError(
            f"filterbank: n_filters={n_filters}, n_fft={n_fft}, sampling_rate={sampling_rate}; "
            "all must be positive (n_fft >= 2)"
        )
    nyquist = sampling_rate / 2.0
    high = nyquist if high_freq is None else float(high_freq)
    if not 0.0 <= low_freq < high <= nyquist:
        raise ConfigError(
            f"filterbank band {low_freq}..{high} Hz is invalid; "
            f"need 0 <= low_freq < high_freq <= {nyquist} Hz (half the sampling rate)"
        )
    freqs = np.arange(n_fft // 2 + 1) * sampling_rate / n_fft  # (F,) Hz
    edges = np.linspace(low_freq, high, n_filters + 2)  # (M + 2,) Hz
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]  # (M, 1)
    rising = (freqs[None, :] - left) / (centre - left)
    falling = (right - freqs[None, :]) / (right - centre)
    bank = np.clip(np.minimum(rising, falling), 0.0, None)  # (M, F)
    return bank.T.astype(np.float32)  # (F, M)


class TriangularFilterbank(nn.Module):
    """One learnable triangular filterbank per channel, applied to every frame.

    Parameters
    ----------
    channels : int
        Number of input channels C; each has its own weights.
    n_bins : int
        Frequency bins F of the input (``n_fft // 2 + 1``).
    n_filters : int
        Filters M per channel.
    sampling_rate, low_freq, high_freq : float
        Geometry of the fixed triangular shape (Hz).

    Notes
    -----
    Input (N, C, T, F) -> output (N, T, C * M): the channels' filter outputs
    are concatenated along the feature axis, channel by channel. ``V`` is
    initialised from N(0, 1) as in the authors' code.
    """

    triangles: torch.Tensor

    def __init__(
        self,
        channels: int,
        n_bins: int,
        n_filters: int,
        sampling_rate: float = 100.0,
        low_freq: float = 0.0,
        high_freq: float | None = None,
    ) -> None:
        super().__init__()
        shape = linear_triangular_filterbank(
            n_filters, 2 * (n_bins - 1), sampling_rate, low_freq, high_freq
        )
        self.channels = channels
        self.n_filters = n_filters
        self.register_buffer("triangles", torch.from_numpy(shape))  # (F, M), fixed
        self.weight_logits = nn.Parameter(normal_(torch.empty(channels, n_bins, n_filters)))  # V

    def weights(self) -> torch.Tensor:
        """Effective non-negative filter weights ``sigmoid(V) * T``, shape (C, F, M)."""
        return torch.sigmoid(self.weight_logits) * self.triangles

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Filter every frame of every channel.

        Parameters
        ----------
        x : torch.Tensor, shape (N, C, T, F)
            Log-magnitude time-frequency images.

        Returns
        -------
        torch.Tensor, shape (N, T, C * M)
        """
        n, c, t, _ = x.shape
        y = torch.einsum("nctf,cfm->ntcm", x, self.weights())  # (N, C, T, F) -> (N, T, C, M)
        return y.reshape(n, t, c * self.n_filters)  # (N, T, C * M)
