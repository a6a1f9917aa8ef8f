"""Sequence windows from a prepared cache, and the toy caches the training tests share."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from seqsleepnet.data.cache import (
    CachedRecording,
    CacheEntry,
    load_manifest,
    save_manifest,
    stage_counts,
    write_cached,
)
from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.features.model_input import ModelInput
from seqsleepnet.features.normalize import Normalizer
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.training.datasets import (
    MMAP_FOLDER,
    SequenceDataset,
    batch_indices,
    epoch_order,
    open_arrays,
)


def toy_labels(rng: np.random.Generator, n_epochs: int) -> np.ndarray:
    """Sticky stage sequence with a few unscored epochs."""
    labels = np.empty(n_epochs, dtype=np.int8)
    stage = int(rng.integers(5))
    for i in range(n_epochs):
        if rng.random() < 0.2:
            stage = int(rng.integers(5))
        labels[i] = stage
    labels[rng.random(n_epochs) < 0.05] = -1
    return labels


def make_toy_cache(
    folder: Path,
    n_subjects: int = 4,
    nights: int = 1,
    n_epochs: int = 40,
    channels: int = 1,
    seed: int = 0,
    lengths: dict[str, int] | None = None,
) -> Path:
    """A prepared cache whose features carry the stage: a bump on a stage-specific band."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    roles = ("eeg", "eog", "emg")[:channels]
    entries = []
    for s in range(n_subjects):
        for night in range(1, nights + 1):
            rec = f"S{s:02d}N{night}"
            e = (lengths or {}).get(rec, n_epochs)
            labels = toy_labels(rng, e)
            features = rng.normal(size=(e, channels, 29, 129)).astype(np.float32)
            t = np.arange(3000) / 100.0
            signals = np.zeros((e, channels, 3000), np.float32)
            for i, stage in enumerate(labels):
                if stage >= 0:
                    features[i, :, :, 20 * stage : 20 * stage + 20] += 1.5
                    signals[i] = np.sin(2 * np.pi * (2 + 3 * stage) * t)
            onsets = np.arange(e) * 30.0
            write_cached(folder, rec, CachedRecording(features, signals, labels, onsets))
            entries.append(
                CacheEntry(
                    recording=rec,
                    subject=f"S{s:02d}",
                    night=night,
                    file=f"{rec}.npz",
                    n_epochs=e,
                    counts=stage_counts(labels),
                    channels=[f"EEG{c}" for c in range(channels)],
                    roles=list(roles),
                    native_sfreq=[100.0] * channels,
                    settings="toy",
                )
            )
    prep = Preprocessing(roles=roles)
    save_manifest(
        folder, entries, {"source": "toy", "settings": "toy", "preprocessing": prep.to_dict()}
    )
    return folder


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return make_toy_cache(tmp_path / "cache", n_subjects=2, lengths={"S01N1": 3})


PREP = Preprocessing(roles=("eeg",))
RAW = ModelInput(PREP, "raw")


def _tf_input(cache: Path) -> ModelInput:
    entries, _ = load_manifest(cache)
    norm = Normalizer().fit(np.asarray(open_arrays(cache, e)["features"]) for e in entries)
    return ModelInput(PREP, "tf", norm)


def test_windows_cover_every_start_and_never_cross_recordings(cache: Path) -> None:
    entries, _ = load_manifest(cache)
    ds = SequenceDataset(cache, entries, seq_len=5, model_input=_tf_input(cache))
    # S00N1: 40 epochs -> 36 windows; S01N1: 3 epochs -> 1 padded window.
    assert len(ds) == 36 + 1
    x, y = ds.batch(np.arange(len(ds)))
    assert x.shape == (37, 5, 1, 29, 129) and x.dtype == np.float32
    labels = np.asarray(open_arrays(cache, entries[0])["labels"])
    for start in (0, 17, 35):
        np.testing.assert_array_equal(y[start], labels[start : start + 5])
    # the short recording is padded with masked positions and zero input
    short = np.asarray(open_arrays(cache, entries[1])["labels"])
    np.testing.assert_array_equal(y[36], np.concatenate([short, [-1, -1]]))
    assert np.all(x[36, 3:] == 0)


def test_batches_are_normalised_with_the_given_statistics(cache: Path) -> None:
    entries, _ = load_manifest(cache)
    model_input = _tf_input(cache)
    ds = SequenceDataset(cache, entries[:1], seq_len=4, model_input=model_input)
    x, _ = ds.batch([3])
    raw = np.asarray(open_arrays(cache, entries[0])["features"][3:7])
    assert model_input.normalizer is not None
    np.testing.assert_allclose(x[0], model_input.normalizer.transform(raw), rtol=1e-6)
    raw_ds = SequenceDataset(cache, entries[:1], seq_len=4, model_input=RAW)
    xr, _ = raw_ds.batch([0, 1])
    assert xr.shape == (2, 4, 1, 3000)


def test_arrays_are_memory_mapped_and_refreshed_when_the_npz_changes(cache: Path) -> None:
    entries, _ = load_manifest(cache)
    arrays = open_arrays(cache, entries[0])
    assert isinstance(arrays["features"], np.memmap)
    assert (cache / MMAP_FOLDER / "S00N1.features.npy").is_file()
    make_toy_cache(cache, n_subjects=1, seed=5)  # rewrites S00N1.npz with new data
    fresh = np.load(cache / "S00N1.npz")["labels"]
    np.testing.assert_array_equal(open_arrays(cache, entries[0])["labels"], fresh)
    make_toy_cache(cache, n_subjects=1, seed=6)  # new data again, copied in with an old time
    os.utime(cache / "S00N1.npz", ns=(1, 1))  # as cp -p, rsync -a or tar x of an older file
    again = np.load(cache / "S00N1.npz")["labels"]
    assert not np.array_equal(again, fresh)
    np.testing.assert_array_equal(open_arrays(cache, entries[0])["labels"], again)


def test_epoch_order_is_seeded_and_split_over_ranks() -> None:
    a, b = epoch_order(10, 0, seed=1), epoch_order(10, 0, seed=1)
    np.testing.assert_array_equal(a, b)
    assert sorted(a.tolist()) == list(range(10))
    assert not np.array_equal(epoch_order(10, 1, seed=1), a)  # reshuffled every epoch
    parts = [epoch_order(10, 3, seed=1, rank=r, world_size=3) for r in range(3)]
    assert {p.size for p in parts} == {4}
    assert set(np.concatenate(parts).tolist()) == set(range(10))
    batches = list(batch_indices(a, 4))
    assert [len(b) for b in batches] == [4, 4, 2]  # the last, smaller batch is kept
    assert [len(b) for b in batch_indices(a, 4, start=2)] == [2]


def test_bad_input_raises(cache: Path, tmp_path: Path) -> None:
    entries, _ = load_manifest(cache)
    with pytest.raises(ConfigError, match="normaliser"):
        ModelInput(PREP, "tf")
    with pytest.raises(ConfigError, match="seq_len"):
        SequenceDataset(cache, entries, seq_len=0, model_input=RAW)
    with pytest.raises(ConfigError, match="input kind='spectrum' is not allowed"):
        ModelInput(PREP, "spectrum")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no recordings"):
        SequenceDataset(cache, [], seq_len=2, model_input=RAW)
    with pytest.raises(ConfigError, match="rank"):
        epoch_order(5, 0, seed=0, rank=2, world_size=2)
    with pytest.raises(ConfigError, match="batch_size"):
        list(batch_indices(np.arange(3), 0))
    (cache / "S00N1.npz").unlink()
    with pytest.raises(FileFormatError, match="missing"):
        open_arrays(cache, entries[0])
