"""Cut a night into sequence windows and combine their outputs into one per epoch.

Part of running a model over a night (:mod:`seqsleepnet.inference`). A night
of E epochs is read in windows of L consecutive epochs. With stride 1 (the
paper's test protocol) every epoch sits in up to L windows; its
log-probabilities from all of them are summed (multiplicative aggregation of
the probabilities) or averaged, and the stage is the argmax. Epochs near the
ends of the night get fewer votes. With stride L the windows do not overlap
(the cheaper alternative): every epoch gets one vote, except the last
``E mod L`` epochs, which are covered by one extra window aligned to the end.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError, check_option

__all__ = ["aggregate_windows", "window_starts"]


def window_starts(n_epochs: int, seq_len: int, stride: int = 1) -> npt.NDArray[np.int64]:
    """First epoch of every window that covers a night.

    Parameters
    ----------
    n_epochs : int
        Epochs E of the night (>= 1).
    seq_len : int
        Epochs per window L (>= 1).
    stride : int
        Epochs between window starts (1: maximum overlap; L: no overlap).

    Returns
    -------
    numpy.ndarray of int64, shape (W,)
        Start indices ``0, stride, 2*stride, ...``; a last window starting at
        ``E - L`` is added when the regular ones leave epochs at the end
        uncovered. A night shorter than L gets one window at 0 (whose
        positions past the night are padding).

    Raises
    ------
    ConfigError
        If a value is not positive.
    """
    if n_epochs < 1 or seq_len < 1 or stride < 1:
        raise ConfigError(
            f"n_epochs={n_epochs}, seq_len={seq_len} and stride={stride} must all be >= 1"
        )
    last = max(n_epochs - seq_len, 0)
    starts = np.arange(0, last + 1, stride, dtype=np.int64)
    if starts[-1] != last:
        starts = np.append(starts, last)
    return starts


def aggregate_windows(
    window_logprobs: npt.ArrayLike,
    n_epochs: int,
    stride: int = 1,
    *,
    starts: npt.ArrayLike | None = None,
    reduce: Literal["sum", "mean"] = "mean",
) -> npt.NDArray[np.float64]:
    """Per-epoch log-probability scores from overlapping windows.

    Parameters
    ----------
    window_logprobs : array_like, shape (W, L, K)
        Log-probabilities of each window position.
    n_epochs : int
        Epochs E of the night.
    stride : int
        Epochs between consecutive window starts; ignored if ``starts`` is given.
    starts : array_like of int, shape (W,), optional
        First epoch of each window (default: :func:`window_starts` with
        ``stride``). Positions at or past ``n_epochs`` (padding) are ignored.
    reduce : {"sum", "mean"}
        ``"sum"``: the paper's summed log-probabilities; ``"mean"``: divided
        by the number of windows covering the epoch (same argmax, comparable
        across epochs). Renormalise with ``scipy.special.log_softmax`` to get
        per-epoch probabilities.

    Returns
    -------
    numpy.ndarray of float64, shape (E, K)
        Summed or averaged log-probabilities per epoch.

    Raises
    ------
    ConfigError
        If the shapes do not fit, or an epoch is covered by no window.
    """
    lp = np.asarray(window_logprobs, dtype=np.float64)
    if lp.ndim != 3:
        raise ConfigError(f"window_logprobs must have shape (W, L, K), got {lp.shape}")
    n_windows, seq_len, n_classes = lp.shape
    first = (
        window_starts(n_epochs, seq_len, stride)
        if starts is None
        else np.asarray(starts, dtype=np.int64)
    )
    if first.shape != (n_windows,):
        raise ConfigError(
            f"{n_windows} windows given but {first.size} start positions; pass the "
            "starts of the windows or the stride they were cut with"
        )
    check_option("reduce", reduce, ("sum", "mean"))
    epoch = first[:, None] + np.arange(seq_len)[None, :]  # (W, L) epoch of each position
    inside = (epoch >= 0) & (epoch < n_epochs)
    total = np.zeros((n_epochs, n_classes))
    np.add.at(total, epoch[inside], lp[inside])
    votes = np.bincount(epoch[inside], minlength=n_epochs)
    if (votes == 0).any():
        missing = np.flatnonzero(votes == 0)
        raise ConfigError(
            f"epochs {missing[:10].tolist()} are covered by no window; check starts/stride"
        )
    if reduce == "mean":
        total /= votes[:, None]
    return total
