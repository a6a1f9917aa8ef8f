"""Tests of checkpoint saving and safe loading."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from seqsleepnet.errors import CheckpointError
from seqsleepnet.models.checkpoint import _checksum, load_checkpoint, save_checkpoint
from seqsleepnet.models.registry import build_model

SMALL_CONFIGS: dict[str, dict[str, Any]] = {
    "seqsleepnet": {"channels": 2, "seq_len": 3, "cell": "bn-lstm", "per_position_heads": True},
    "arnn": {"channels": 1},
    "multitask-arnn": {"channels": 1},
    "deepsleepnet": {"channels": 1, "first_filters": 4, "filters": 8, "lstm_hidden": 8},
}


@pytest.mark.parametrize("name", list(SMALL_CONFIGS))
def test_round_trip_restores_model_and_extra(name: str, tmp_path: Path) -> None:
    model = build_model(name, seed=0, **SMALL_CONFIGS[name])
    x = torch.randn(2, 3, *model.epoch_shape)
    model(x)  # a training-mode pass changes batch-norm statistics, which must be saved
    model.eval()
    extra = {
        "normaliser": {"mean": np.arange(6, dtype=np.float32).reshape(2, 3), "std": np.ones(3)},
        "stage_map": {"W": 0, "N1": 1, "N2": 2, "N3": 3, "REM": 4},
        "features": {"window_s": 2.0, "overlap": 0.5, "nfft": 256, "channels": ["EEG", "EOG"]},
        "history": [0.5, 0.25],
        "note": None,
    }
    path = save_checkpoint(tmp_path / "model.ckpt", model, extra=extra)
    assert os.listdir(tmp_path) == ["model.ckpt"]  # no temporary file left behind
    loaded, got = load_checkpoint(path)
    assert type(loaded) is type(model) and not loaded.training
    assert loaded.config == model.config
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)
    assert isinstance(got["normaliser"]["mean"], np.ndarray)
    np.testing.assert_array_equal(got["normaliser"]["mean"], extra["normaliser"]["mean"])  # type: ignore[index]
    assert got["normaliser"]["std"].dtype == np.float64
    assert got["stage_map"] == extra["stage_map"]
    assert got["features"] == extra["features"]
    assert got["history"] == [0.5, 0.25] and got["note"] is None


def _saved(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = save_checkpoint(tmp_path / "m.ckpt", build_model("arnn", channels=1), extra={"a": 1})
    return path, torch.load(path, weights_only=True)


def test_missing_truncated_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="checkpoint file not found"):
        load_checkpoint(tmp_path / "absent.ckpt")
    path, _ = _saved(tmp_path)
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(truncated)
    noise = tmp_path / "noise.ckpt"
    noise.write_bytes(np.random.default_rng(0).bytes(1000))
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(noise)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(CheckpointError, match="not a seqsleepnet checkpoint"):
        load_checkpoint(other)


class _WritesMarker:
    """Unpickling this object would create a file: a stand-in for malicious code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("container", ["torch", "pickle"])
def test_pickled_code_is_refused_and_never_run(tmp_path: Path, container: str) -> None:
    marker = tmp_path / "marker.txt"
    path = tmp_path / "evil.ckpt"
    payload = {"format": "seqsleepnet-checkpoint", "extra": _WritesMarker(marker)}
    if container == "torch":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload))
    # torch.save's zip container reaches the forbidden global; a bare pickle is
    # rejected earlier, as an unreadable file. Neither runs the payload.
    match = (
        "refused to load: the file contains code"
        if container == "torch"
        else ("not a readable checkpoint")
    )
    with pytest.raises(CheckpointError, match=match):
        load_checkpoint(path)
    assert not marker.exists()
    # the payload is live: plain unpickling does create its marker
    live = tmp_path / "live.txt"
    pickle.loads(pickle.dumps(_WritesMarker(live))).close()
    assert live.exists()


def test_version_checksum_and_model_name(tmp_path: Path) -> None:
    _, payload = _saved(tmp_path)
    bad = tmp_path / "bad.ckpt"
    torch.save({**payload, "format_version": 99}, bad)
    with pytest.raises(CheckpointError, match="format version 99 is not supported"):
        load_checkpoint(bad)

    tampered = dict(payload)
    tampered["state_dict"] = {k: v.clone() for k, v in payload["state_dict"].items()}
    tampered["state_dict"]["head.bias"] += 1.0
    torch.save(tampered, bad)
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        load_checkpoint(bad)

    renamed = {**payload, "model": "usleep"}
    renamed["checksum"] = _checksum(renamed)
    torch.save(renamed, bad)
    with pytest.raises(CheckpointError, match="unknown model 'usleep'"):
        load_checkpoint(bad)

    wrong_config = {**payload, "config": {**payload["config"], "units": 3}}
    wrong_config["checksum"] = _checksum(wrong_config)
    torch.save(wrong_config, bad)
    with pytest.raises(CheckpointError, match="stored config or weights do not fit"):
        load_checkpoint(bad)


def test_unsupported_extra_is_refused(tmp_path: Path) -> None:
    model = build_model("arnn", channels=1)
    with pytest.raises(CheckpointError, match=r"extra\['path'\]: PosixPath cannot be stored"):
        save_checkpoint(tmp_path / "m.ckpt", model, extra={"path": tmp_path})
    assert list(tmp_path.iterdir()) == []
