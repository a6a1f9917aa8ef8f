"""Run a model over a whole night: windows of L epochs, stride 1, aggregated per epoch.

Two paths give the same result (tested to 1e-5):

- encode once: the epoch encoder (filterbank + attention bi-RNN) runs once per
  epoch, then only the sequence-level part runs per window. This needs a
  model with a separable epoch encoder (``model.separable_encoder``: its
  ``encode_epochs`` and ``classify_sequences``), given here as two callables
  so that PyTorch and onnxruntime backends share the code;
- naive: every window goes through the full model, as the authors' code
  does; it works for any model and serves as the reference in benchmarks.

:func:`predict_night` asks the model which path it can take. A night shorter
than L is read as one window of its E epochs, except by models that accept
only windows of exactly L epochs (``model.fixed_length``): there the night is
padded with all-zero epochs (the training mean after normalisation) and the
padded positions are left out of the aggregation. Both paths pad alike.
Windows are cut and aggregated by :mod:`seqsleepnet.windows`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import torch

from seqsleepnet.encode_once import (
    Classify,
    Encode,
    NightOutput,
    aggregate_log_probs,
    pad_epochs,
    padded_windows,
    predict_encode_once,
)
from seqsleepnet.errors import ConfigError
from seqsleepnet.models.base import SleepStagingModel

__all__ = [
    "Classify",
    "Encode",
    "NightOutput",
    "predict_encode_once",
    "predict_logprobs",
    "predict_naive",
    "predict_night",
    "torch_parts",
]


def predict_naive(
    inputs: npt.NDArray[np.float32],
    model: SleepStagingModel,
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
    model : SleepStagingModel
        Maps (B, L, ...) to log-probabilities (B, L, K); put in eval mode here.
        If it is ``fixed_length``, a night shorter than ``seq_len`` is padded
        as in :func:`predict_encode_once`.
    seq_len, stride, batch_size
        As in :func:`predict_encode_once`.
    device : torch.device or str
        Where the model runs.
    """
    model.eval()
    n = inputs.shape[0]
    starts, length = padded_windows(n, seq_len, stride, model.fixed_length)
    # the night goes to the device once and its windows are cut there: (max(E, L), ...)
    padded = np.require(pad_epochs(inputs, length), requirements=["C", "W"])
    night = torch.from_numpy(padded).to(device)
    rows = torch.from_numpy(starts[:, None] + np.arange(length)).to(device)  # (N, L)
    outputs = []
    with torch.inference_mode():
        for i in range(0, starts.size, batch_size):
            x = night[rows[i : i + batch_size]]  # (B, L, ...)
            outputs.append(model(x).float().cpu().numpy())  # (B, L, ...) -> (B, L, K)
    return NightOutput(aggregate_log_probs(np.concatenate(outputs), starts, n))


def torch_parts(
    model: SleepStagingModel, device: torch.device | str = "cpu"
) -> tuple[Encode, Classify]:
    """Wrap a model's ``encode_epochs`` / ``classify_sequences`` as NumPy callables.

    Raises
    ------
    ConfigError
        If the model has no separable epoch encoder.
    """
    if not model.separable_encoder:
        raise ConfigError(
            f"{model.name} has no separable epoch encoder, so it cannot encode each epoch "
            "once; run it window by window with predict_naive"
        )
    model.eval()

    def encode(
        x: npt.NDArray[np.float32],
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        with torch.inference_mode():
            epochs = torch.from_numpy(np.require(x, requirements=["C", "W"]))  # read-only: copied
            z, alpha = model.encode_epochs(epochs.to(device))
        return z.float().cpu().numpy(), alpha.float().cpu().numpy()  # (n, D), (n, T)

    def classify(z: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        with torch.inference_mode():
            log_probs = model.classify_sequences(torch.from_numpy(z).to(device))
        return np.asarray(log_probs.float().cpu().numpy())  # (B, L, D) -> (B, L, K)

    return encode, classify


def predict_night(
    model: SleepStagingModel,
    inputs: npt.NDArray[np.float32],
    seq_len: int,
    *,
    stride: int = 1,
    batch_size: int = 64,
    device: torch.device | str = "cpu",
    encode_once: bool = True,
) -> NightOutput:
    """Per-epoch output of one recording with any model.

    A model with a separable epoch encoder encodes each epoch once (unless
    ``encode_once`` is False); other models run every window.

    Parameters
    ----------
    model : SleepStagingModel
        Put in eval mode here.
    inputs : ndarray of float32, shape (E, ...)
        Normalised features (E, C, 29, 129) or raw signals (E, C, 3000).
    seq_len, stride, batch_size
        As in :func:`predict_encode_once`.
    device : torch.device or str
    encode_once : bool
        False runs every window through the whole model (the naive reference).

    Returns
    -------
    NightOutput
        Log-probabilities (E, K); frame attention (E, T) on the encode-once path.

    Raises
    ------
    ConfigError
        If ``inputs`` holds no epoch.
    """
    x = np.asarray(inputs, dtype=np.float32)
    if x.ndim < 2 or x.shape[0] == 0:
        raise ConfigError(f"inputs must have shape (E, ...) with E >= 1, got {x.shape}")
    if encode_once and model.separable_encoder:
        return predict_encode_once(
            x,
            *torch_parts(model, device),
            seq_len=seq_len,
            stride=stride,
            batch_size=batch_size,
            fixed_length=model.fixed_length,
        )
    return predict_naive(
        x, model, seq_len=seq_len, stride=stride, batch_size=batch_size, device=device
    )


def predict_logprobs(
    model: SleepStagingModel,
    inputs: npt.NDArray[np.float32],
    seq_len: int,
    *,
    stride: int = 1,
    batch_size: int = 64,
    device: torch.device | str = "cpu",
) -> npt.NDArray[np.float64]:
    """Per-epoch log-probabilities (E, K) of one recording: :func:`predict_night`'s.

    Raises
    ------
    ConfigError
        If ``inputs`` holds no epoch.
    """
    return predict_night(
        model, inputs, seq_len, stride=stride, batch_size=batch_size, device=device
    ).log_probs
