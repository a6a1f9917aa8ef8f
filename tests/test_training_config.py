"""TrainConfig validation and its JSON file."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.training.config import TrainConfig


def test_defaults_are_the_paper_protocol_and_round_trip(tmp_path: Path) -> None:
    cfg = TrainConfig()
    assert (cfg.lr, cfg.batch_size, cfg.seq_len, cfg.epochs, cfg.eval_every, cfg.l2_weight) == (
        1e-4,
        32,
        20,
        10,
        100,
        1e-3,
    )
    custom = TrainConfig(
        data="c",
        model="arnn",
        model_config={"cell": "bn-lstm"},
        seed=4,
        val_subjects=["a"],
        max_steps=7,
    )
    custom.save(tmp_path)
    assert TrainConfig.load(tmp_path) == custom


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seq_len": 0}, "seq_len=0"),
        ({"batch_size": 2.5}, "batch_size=2.5"),
        ({"max_steps": 0}, "max_steps=0"),
        ({"lr": 0.0}, "lr=0.0"),
        ({"l2_weight": -1.0}, "l2_weight"),
        ({"device": "tpu"}, "device='tpu'"),
        ({"precision": "int8"}, "precision='int8'"),
        ({"threads": 0}, "threads=0"),
        ({"val_subjects": ["a"], "train_subjects": ["a", "b"]}, "both training and validation"),
    ],
)
def test_bad_values_raise(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        TrainConfig(**changes)  # type: ignore[arg-type]


def test_bad_files_raise(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="no training config"):
        TrainConfig.load(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(FileFormatError, match="not valid JSON"):
        TrainConfig.load(tmp_path)
    (tmp_path / "config.json").write_text('{"model": "arnn", "depth": 3}')
    with pytest.raises(ConfigError, match=r"unknown training option\(s\) \['depth'\]"):
        TrainConfig.load(tmp_path)
