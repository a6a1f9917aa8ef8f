"""Training windows held in accelerator memory, cut there at every step.

On a GPU, reading a batch from memory maps, normalising it on the CPU and
copying it over (32 windows of 20 epochs are about 29 MB of time-frequency
images) costs more than the training step itself. When the training
recordings fit, :func:`resident_windows` normalises each recording once,
puts them end to end in one device tensor and cuts every batch there by
indexing: the same numbers as :meth:`SequenceDataset.batch`, without the
per-step work on the host.
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt
import torch

from seqsleepnet.stages import UNSCORED
from seqsleepnet.training.datasets import SequenceDataset

__all__ = ["DeviceWindows", "resident_windows"]

logger = logging.getLogger(__name__)

MEMORY_SHARE = 0.5  # of the device memory free at the start, at most


def _rows(dataset: SequenceDataset) -> list[int]:
    """Rows each recording takes: its epochs, or L when it is shorter (its padded window)."""
    return [max(int(a["labels"].shape[0]), dataset.seq_len) for a in dataset.arrays]


class DeviceWindows:
    """The windows of a :class:`SequenceDataset`, normalised, in one device tensor.

    Recording ``r`` occupies the rows ``first[r]:first[r] + E_r`` of the
    tensor; a recording shorter than L is followed by the zero epochs (label
    -1) that pad its one window, so every window is L consecutive rows.

    Parameters
    ----------
    dataset : SequenceDataset
        Recordings, L and the model input.
    device : torch.device
        Where the tensor lives (any device; a GPU is where it pays).
    """

    def __init__(self, dataset: SequenceDataset, device: torch.device) -> None:
        self.seq_len = dataset.seq_len
        lengths = [int(a["labels"].shape[0]) for a in dataset.arrays]
        rows = _rows(dataset)
        first = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
        shape = dataset.model_input.epoch_shape
        self.inputs = torch.zeros((sum(rows), *shape), dtype=torch.float32, device=device)
        self.labels = torch.full((sum(rows),), UNSCORED, dtype=torch.int64, device=device)
        for r, n in enumerate(lengths):  # one recording on the host at a time
            x = dataset.model_input.normalise(np.asarray(dataset.inputs(r)))  # (E, *shape)
            x = np.require(x, requirements="W")  # raw input is the read-only map itself
            y = np.array(dataset.arrays[r]["labels"], dtype=np.int64)  # (E,)
            self.inputs[first[r] : first[r] + n] = torch.from_numpy(x)
            self.labels[first[r] : first[r] + n] = torch.from_numpy(y)
        self.window_first = torch.from_numpy(
            first[dataset.window_recording] + dataset.window_start
        ).to(device)  # (N,) the first row of each window
        self.offsets = torch.arange(self.seq_len, device=device)  # (L,)

    def batch(self, indices: npt.ArrayLike) -> tuple[torch.Tensor, torch.Tensor]:
        """Windows ``indices`` (B,): inputs (B, L, *epoch_shape) and stages (B, L)."""
        idx = torch.as_tensor(np.asarray(indices, dtype=np.int64)).to(self.offsets.device)
        rows = self.window_first[idx][:, None] + self.offsets  # (B, L)
        return self.inputs[rows], self.labels[rows]


def resident_windows(dataset: SequenceDataset, device: torch.device) -> DeviceWindows | None:
    """:class:`DeviceWindows` on a CUDA device when they fit its free memory, else None.

    None on the CPU (memory maps already serve batches there without a
    copy of the cohort) and when the normalised recordings would take more
    than half of the GPU memory free now.
    """
    if device.type != "cuda":
        return None
    needed = sum(_rows(dataset)) * int(np.prod(dataset.model_input.epoch_shape)) * 4
    free, _ = torch.cuda.mem_get_info(device)
    if needed > MEMORY_SHARE * free:
        logger.info(
            "training windows read from the host: %.1f GB of inputs, %.1f GB free on %s",
            needed / 1e9,
            free / 1e9,
            device,
        )
        return None
    logger.info("training inputs held on %s (%.1f GB)", device, needed / 1e9)
    return DeviceWindows(dataset, device)
