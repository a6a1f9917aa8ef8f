"""Sequence windows from a prepared cache, read through memory maps.

Training samples every run of L consecutive epochs of a recording (stride 1,
maximum overlap), never crossing recordings. Unscored epochs stay inside the
windows with label -1 and are masked out of the loss and the metrics.
A recording shorter than L gives one window padded at the end with zeros
and label -1 (so it is masked, not skipped).

The compressed ``<recording>.npz`` files of a cache are unpacked on first use
into plain ``.npy`` files under ``CACHE/.mmap/`` (written atomically) and
opened with ``numpy.load(mmap_mode="r")``, so only the windows of a batch are
read into memory and a cohort larger than RAM trains. Features are
normalised as they are read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from seqsleepnet.data.cache import CacheEntry, read_cached
from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.features.model_input import ModelInput
from seqsleepnet.io.atomic import atomic_path
from seqsleepnet.stages import UNSCORED

__all__ = ["MMAP_FOLDER", "SequenceDataset", "batch_indices", "epoch_order", "open_arrays"]

logger = logging.getLogger(__name__)

MMAP_FOLDER = ".mmap"
ArrayName = Literal["features", "signals", "labels", "onsets"]
_NAMES: tuple[ArrayName, ...] = ("features", "signals", "labels", "onsets")


def _signature(source: Path) -> str:
    """Size and modification time (ns) of a cached ``.npz``: what its unpacked arrays came from."""
    stat = source.stat()
    return json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns})


def _unpack(source: Path, folder: Path, stem: str) -> None:
    signature = _signature(source)
    data = read_cached(source)
    folder.mkdir(exist_ok=True)
    for name in _NAMES:
        with atomic_path(folder / f"{stem}.{name}.npy") as tmp:
            np.save(tmp, getattr(data, name))
    with atomic_path(folder / f"{stem}.source.json") as tmp:  # last: the arrays are complete
        tmp.write_text(signature)


def open_arrays(cache: Path, entry: CacheEntry) -> dict[str, npt.NDArray[np.generic]]:
    """Memory-map one recording's arrays, unpacking its ``.npz`` on first use.

    Parameters
    ----------
    cache : Path
        Cache folder (with ``manifest.json``).
    entry : CacheEntry
        The recording's manifest row.

    Returns
    -------
    dict
        ``features`` (E, C, 29, 129) float32, ``signals`` (E, C, 3000) float32,
        ``labels`` (E,) int8 and ``onsets`` (E,) float64, read-only memory maps.

    Raises
    ------
    FileFormatError
        If the recording's file is missing or damaged.
    """
    source = Path(cache) / entry.file
    if not source.is_file():
        raise FileFormatError(
            source, "recording listed in the manifest is missing", "run 'seqsleepnet prepare' again"
        )
    folder = Path(cache) / MMAP_FOLDER
    paths = {name: folder / f"{entry.recording}.{name}.npy" for name in _NAMES}
    unpacked_from = folder / f"{entry.recording}.source.json"
    fresh = unpacked_from.is_file() and unpacked_from.read_text() == _signature(source)
    if not fresh or not all(p.is_file() for p in paths.values()):  # any other .npz, even older
        logger.info("unpacking %s for memory mapping", source.name)
        _unpack(source, folder, entry.recording)
    return {name: np.load(path, mmap_mode="r") for name, path in paths.items()}


class SequenceDataset:
    """All windows of L consecutive epochs of a set of cached recordings.

    Parameters
    ----------
    cache : Path
        Cache folder.
    entries : sequence of CacheEntry
        Recordings to use (e.g. the training subjects').
    seq_len : int
        Epochs per window L.
    model_input : ModelInput
        What the model reads: time-frequency ``features`` (L, C, 29, 129),
        normalised, or ``signals`` (L, C, 3000) as stored.

    Notes
    -----
    Window ``i`` is ``(recording, start)``; :meth:`batch` reads several at
    once. A recording of E >= L epochs gives E - L + 1 windows; a shorter one
    gives one padded window.
    """

    def __init__(
        self,
        cache: Path,
        entries: Sequence[CacheEntry],
        seq_len: int,
        model_input: ModelInput,
    ) -> None:
        if seq_len < 1:
            raise ConfigError(f"seq_len={seq_len} must be >= 1")
        if not entries:
            raise ConfigError(f"no recordings selected from {cache}; check the subject lists")
        self.cache = Path(cache)
        self.entries = list(entries)
        self.seq_len = seq_len
        self.model_input = model_input
        self.arrays = [open_arrays(self.cache, e) for e in self.entries]
        rec, start = [], []
        for i, arrays in enumerate(self.arrays):
            n = int(arrays["labels"].shape[0])
            if n < seq_len:
                logger.info(
                    "%s: %d epochs < L=%d, padded and masked", self.entries[i].recording, n, seq_len
                )
            count = max(n - seq_len + 1, 1)
            rec.append(np.full(count, i, dtype=np.int64))
            start.append(np.arange(count, dtype=np.int64))
        self.window_recording = np.concatenate(rec)  # (N,)
        self.window_start = np.concatenate(start)  # (N,)

    def __len__(self) -> int:
        return int(self.window_recording.size)

    def inputs(self, index: int) -> npt.NDArray[np.float32]:
        """Unnormalised input array of one recording, (E, C, 29, 129) or (E, C, 3000)."""
        return self.arrays[index][self.model_input.array_name]  # type: ignore[return-value]

    def batch(
        self, indices: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Read windows.

        Parameters
        ----------
        indices : array_like of int, shape (B,)
            Window numbers in ``0..len(self)-1``.

        Returns
        -------
        x : numpy.ndarray of float32, shape (B, L, C, 29, 129) or (B, L, C, 3000)
            Normalised features (``"tf"``) or raw signals (``"raw"``).
        y : numpy.ndarray of int64, shape (B, L)
            Stages, -1 for unscored and padded positions.
        """
        idx = np.asarray(indices, dtype=np.int64)
        xs, ys = [], []
        for i in idx:
            r, s = int(self.window_recording[i]), int(self.window_start[i])
            x = np.asarray(self.inputs(r)[s : s + self.seq_len], dtype=np.float32)
            y = np.asarray(self.arrays[r]["labels"][s : s + self.seq_len], dtype=np.int64)
            x = self.model_input.normalise(x)
            if y.shape[0] < self.seq_len:  # padding: zero input (after normalising), masked
                pad = self.seq_len - y.shape[0]
                x = np.concatenate([x, np.zeros((pad, *x.shape[1:]), np.float32)])
                y = np.concatenate([y, np.full(pad, UNSCORED, np.int64)])
            xs.append(x)
            ys.append(y)
        return np.stack(xs), np.stack(ys)


def epoch_order(
    n_windows: int, epoch: int, seed: int, rank: int = 0, world_size: int = 1
) -> npt.NDArray[np.int64]:
    """The windows one process visits in one training epoch.

    The permutation depends only on ``(seed, epoch)``, so a resumed run
    recreates it from the epoch number. With several processes the
    permutation is padded (by repeating its start) to a multiple of
    ``world_size`` and process ``rank`` takes every ``world_size``-th window.

    Returns
    -------
    numpy.ndarray of int64, shape (ceil(n_windows / world_size),)
    """
    if n_windows < 1:
        raise ConfigError("no training windows; check the selected recordings")
    if not 0 <= rank < world_size:
        raise ConfigError(f"rank {rank} is outside 0..{world_size - 1}")
    order = np.random.default_rng([seed, epoch]).permutation(n_windows)
    total = -(-n_windows // world_size) * world_size
    order = np.resize(order, total)  # repeats from the start to pad
    return order[rank::world_size]


def batch_indices(
    order: npt.NDArray[np.int64], batch_size: int, start: int = 0
) -> Iterator[npt.NDArray[np.int64]]:
    """Consecutive batches of ``order`` from batch number ``start``; the last may be smaller."""
    if batch_size < 1:
        raise ConfigError(f"batch_size={batch_size} must be >= 1")
    for first in range(start * batch_size, order.size, batch_size):
        yield order[first : first + batch_size]
