"""Run a model over a whole night: windows of L epochs, stride 1, aggregated per epoch.

Two paths give the same result (tested to 1e-5):

- encode once: the epoch encoder (filterbank + attention bi-RNN) runs once per
  epoch, then only the sequence-level part runs per window. This needs a
  model split into ``encode`` and ``classify`` steps (SeqSleepNet), given
  here as two callables so that PyTorch and onnxruntime backends share the
  code;
- naive: every window goes through the full model, as the authors' code
  does; it works for any model and serves as the reference in benchmarks.

Windows are cut and aggregated by :mod:`seqsleepnet.windows`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
from scipy.special import log_softmax

from seqsleepnet.errors import ConfigError
from seqsleepnet.models.base import SleepStagingModel
from seqsleepnet.models.seqsleepnet import SeqSleepNet
from seqsleepnet.windows import aggregate_windows, window_starts

__all__ = [
    "Classify",
    "Encode",
    "NightOutput",
    "predict_encode_once",
    "predict_logprobs",
    "predict_naive",
    "torch_parts",
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
        Frame attention of each epoch (encode-once path only).
    """

    log_probs: npt.NDArray[np.float64]
    attention: npt.NDArray[np.float32] | None = None


def _windows(n_epochs: int, seq_len: int, stride: int) -> tuple[npt.NDArray[np.int64], int]:
    """Window starts and the window length actually used (shorter nights: one short window)."""
    length = min(seq_len, n_epochs)
    return window_starts(n_epochs, length, stride), length


def _aggregate(
    window_lp: npt.NDArray[np.float32], starts: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.float64]:
    summed = aggregate_windows(window_lp, n, starts=starts, reduce="mean")
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
        output layers): nights shorter than that are zero-padded, and padded
        positions are ignored.

    Returns
    -------
    NightOutput
    """
    n = images.shape[0]
    parts = [encode(images[i : i + 4 * batch_size]) for i in range(0, n, 4 * batch_size)]
    z = np.concatenate([p[0] for p in parts])  # (E, D)
    attention = np.concatenate([p[1] for p in parts])  # (E, T)
    starts, length = _windows(n, seq_len, stride)
    if fixed_length and length < seq_len:
        z = np.concatenate([z, np.zeros((seq_len - n, z.shape[1]), z.dtype)])
        length = seq_len
    offsets = np.arange(length)
    outputs = [
        classify(z[starts[i : i + batch_size, None] + offsets])  # (B, L, D) -> (B, L, K)
        for i in range(0, starts.size, batch_size)
    ]
    return NightOutput(_aggregate(np.concatenate(outputs), starts, n), attention)


def predict_naive(
    inputs: npt.NDArray[np.float32],
    model: torch.nn.Module,
    *,
    seq_len: int,
    stride: int = 1,
    batch_size: int = 64,
    device: torch.device | str = "cpu",
) -> NightOutput:
    """Stage a night by running every window through the full model.

    Parameters
    ----------
    inputs : ndarray of float32, shape (E, ...)
        Per-epoch model input: (E, C, T, F) images or (E, C, S) raw epochs.
    model : torch.nn.Module
        Maps (B, L, ...) to log-probabilities (B, L, K); put in eval mode here.
    seq_len, stride, batch_size
        As in :func:`predict_encode_once`.
    device : torch.device or str
        Where the model runs.
    """
    model.eval()
    n = inputs.shape[0]
    starts, length = _windows(n, seq_len, stride)
    offsets = np.arange(length)
    outputs = []
    with torch.inference_mode():
        for i in range(0, starts.size, batch_size):
            windows = np.ascontiguousarray(inputs[starts[i : i + batch_size, None] + offsets])
            x = torch.from_numpy(windows).to(device)  # (B, L, ...)
            outputs.append(model(x).float().cpu().numpy())  # (B, L, ...) -> (B, L, K)
    return NightOutput(_aggregate(np.concatenate(outputs), starts, n))


def torch_parts(model: SeqSleepNet, device: torch.device | str = "cpu") -> tuple[Encode, Classify]:
    """Wrap a model's ``encode_epochs`` / ``classify_sequences`` as NumPy callables."""
    model.eval()

    def encode(
        x: npt.NDArray[np.float32],
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        with torch.inference_mode():
            z, alpha = model.encode_epochs(torch.from_numpy(np.ascontiguousarray(x)).to(device))
        return z.float().cpu().numpy(), alpha.float().cpu().numpy()

    def classify(z: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        with torch.inference_mode():
            log_probs = model.classify_sequences(torch.from_numpy(z).to(device))
        return np.asarray(log_probs.float().cpu().numpy())

    return encode, classify


def predict_logprobs(
    model: SleepStagingModel,
    inputs: npt.NDArray[np.float32],
    seq_len: int,
    *,
    stride: int = 1,
    batch_size: int = 64,
    device: torch.device | str = "cpu",
) -> npt.NDArray[np.float64]:
    """Per-epoch log-probabilities of one recording with any model.

    SeqSleepNet encodes each epoch once; other models run every window.

    Parameters
    ----------
    model : SleepStagingModel
        Put in eval mode here.
    inputs : ndarray of float32, shape (E, ...)
        Normalised features (E, C, 29, 129) or raw signals (E, C, 3000).
    seq_len, stride, batch_size
        As in :func:`predict_encode_once`.
    device : torch.device or str

    Returns
    -------
    ndarray of float64, shape (E, K)

    Raises
    ------
    ConfigError
        If ``inputs`` holds no epoch.
    """
    x = np.asarray(inputs, dtype=np.float32)
    if x.ndim < 2 or x.shape[0] == 0:
        raise ConfigError(f"inputs must have shape (E, ...) with E >= 1, got {x.shape}")
    if isinstance(model, SeqSleepNet):
        return predict_encode_once(
            x,
            *torch_parts(model, device),
            seq_len=seq_len,
            stride=stride,
            batch_size=batch_size,
            fixed_length=model.config.per_position_heads,
        ).log_probs
    return predict_naive(
        x, model, seq_len=seq_len, stride=stride, batch_size=batch_size, device=device
    ).log_probs
