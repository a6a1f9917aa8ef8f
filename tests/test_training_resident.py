"""Training windows held in device memory give the batches the memory-mapped dataset gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from seqsleepnet.data.cache import load_manifest
from seqsleepnet.training.datasets import SequenceDataset
from seqsleepnet.training.resident import DeviceWindows, resident_windows
from test_training_datasets import RAW, _tf_input, make_toy_cache


def test_device_windows_equal_the_datasets_batches(tmp_path: Path) -> None:
    cache = make_toy_cache(tmp_path / "cache", n_subjects=3, lengths={"S01N1": 3})
    entries, _ = load_manifest(cache)
    for model_input in (_tf_input(cache), RAW):
        ds = SequenceDataset(cache, entries, seq_len=5, model_input=model_input)
        windows = DeviceWindows(ds, torch.device("cpu"))
        # every window, the short recording's padded one (index 36) among them, in shuffled order
        order = np.random.default_rng(0).permutation(len(ds))
        for idx in (order[:7], order, np.array([36])):
            x, y = ds.batch(idx)
            xt, yt = windows.batch(idx)
            assert xt.dtype == torch.float32 and yt.dtype == torch.int64
            np.testing.assert_array_equal(xt.numpy(), x)
            np.testing.assert_array_equal(yt.numpy(), y)


def test_windows_stay_on_the_host_without_a_gpu(tmp_path: Path) -> None:
    cache = make_toy_cache(tmp_path / "cache", n_subjects=2)
    entries, _ = load_manifest(cache)
    ds = SequenceDataset(cache, entries, seq_len=5, model_input=RAW)
    assert resident_windows(ds, torch.device("cpu")) is None
