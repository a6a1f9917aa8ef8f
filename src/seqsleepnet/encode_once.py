"""The encode-once path over a night, in NumPy: each epoch encoded once, then windows of L.

Shared by the PyTorch and the onnxruntime backends (given the model's two
parts as callables), and free of PyTorch, so that staging with onnxruntime
never imports it. :mod:`seqsleepnet.inference` has the model-level entry points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import log_softmax

from seqsleepnet.windows import aggregate_windows, window_starts

__all__ = [
    "Classify",
    "Encode",
    "NightOutput",
    "aggregate_log_probs",
    "pad_epochs",
    "padded_windows",
    "predict_encode_once",
]

# (n, C, T, F) images -> (n, D) epoch vectors and (n, T) attention weights
Encode = Callable[
    [npt.NDArray[np.float32]], tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]
]
# (B, L, D) epoch vectors -> (B, L, K) log-probabilities
Classify = Callable[[npt.NDArray[np.float32]], npt.NDArray[np.float32]]


@dataclass
class NightOutput:
    """Per-epoch model output for one night.

    Attributes
    ----------
    log_probs : ndarray of float64, shape (E, K)
        Normalised log-probabilities after aggregating all windows.
    attention : ndarray of float32, shape (E, T), or None
        Frame attention of each epoch (encode-once path of a model that has it).
    """

    log_probs: npt.NDArray[np.float64]
    attention: npt.NDArray[np.float32] | None = None


def padded_windows(
    n_epochs: int, seq_len: int, stride: int, fixed_length: bool
) -> tuple[npt.NDArray[np.int64], int]:
    """Window starts and the window length actually used.

    A night shorter than ``seq_len`` gets one window: of its E epochs, or of
    ``seq_len`` epochs (padded) when ``fixed_length``.
    """
    length = seq_len if fixed_length else min(seq_len, n_epochs)
    return window_starts(n_epochs, length, stride), length


def pad_epochs(x: npt.NDArray[np.float32], length: int) -> npt.NDArray[np.float32]:
    """x (E, ...) followed by all-zero epochs up to ``length`` epochs if E is shorter."""
    if x.shape[0] >= length:
        return x
    padding = np.zeros((length - x.shape[0], *x.shape[1:]), dtype=x.dtype)
    return np.concatenate([x, padding])  # (E, ...) -> (L, ...)


def aggregate_log_probs(
    window_lp: npt.NDArray[np.float32], starts: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.float64]:
    summed = aggregate_windows(window_lp, n, starts=starts, reduce="mean")  # (W, L, K) -> (E, K)
    return np.asarray(log_softmax(summed, axis=1), dtype=np.float64)


def predict_encode_once(
    images: npt.NDArray[np.float32],
    encode: Encode,
    classify: Classify,
    *,
    seq_len: int,
    stride: int = 1,
    batch_size: int = 64,
    fixed_length: bool = False,
) -> NightOutput:
    """Stage a night by encoding each epoch once.

    Parameters
    ----------
    images : ndarray of float32, shape (E, C, T, F)
        Normalised time-frequency images of every epoch.
    encode, classify : callable
        The model's two parts (see :data:`Encode`, :data:`Classify`).
    seq_len : int
        Window length L.
    stride : int
        Epochs between windows (1 = the paper's maximum overlap).
    batch_size : int
        Epochs per encoder call and windows per classifier call.
    fixed_length : bool
        The classifier only accepts windows of exactly ``seq_len`` (per-position
        output layers, or an ONNX graph): a night shorter than that is padded
        with all-zero epochs, and padded positions are ignored.

    Returns
    -------
    NightOutput
    """
    n = images.shape[0]
    starts, length = padded_windows(n, seq_len, stride, fixed_length)
    padded = pad_epochs(images, length)  # (E, C, T, F) -> (max(E, L), C, T, F)
    chunk = 4 * batch_size
    parts = [encode(padded[i : i + chunk]) for i in range(0, padded.shape[0], chunk)]
    z = np.concatenate([p[0] for p in parts])  # (max(E, L), D)
    attention = np.concatenate([p[1] for p in parts])[:n]  # (E, T)
    offsets = np.arange(length)
    outputs = [
        classify(z[starts[i : i + batch_size, None] + offsets])  # (B, L, D) -> (B, L, K)
        for i in range(0, starts.size, batch_size)
    ]
    log_probs = aggregate_log_probs(np.concatenate(outputs), starts, n)
    return NightOutput(log_probs, attention if attention.shape[1] else None)  # (E, 0): none
