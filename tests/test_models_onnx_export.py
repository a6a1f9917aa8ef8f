"""Tests of the ONNX export of the models with a separable epoch encoder."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
import torch

from seqsleepnet.errors import ConfigError
from seqsleepnet.models.arnn import ARNN, ARNNConfig
from seqsleepnet.models.deepsleepnet import DeepSleepNet
from seqsleepnet.models.multitask_arnn import MultitaskARNN, MultitaskARNNConfig
from seqsleepnet.models.onnx_export import (
    example_input,
    export_onnx,
    graph_seq_len,
    onnx_max_difference,
)
from seqsleepnet.models.seqsleepnet import SeqSleepNet, SeqSleepNetConfig


@pytest.mark.parametrize("part", ["full", "encoder", "classifier"])
def test_export_matches_pytorch_for_any_batch(part: str, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = SeqSleepNet(SeqSleepNetConfig(channels=3, seq_len=5))
    path = export_onnx(model, tmp_path / f"{part}.onnx", part)  # type: ignore[arg-type]
    assert model.training  # the caller's mode is restored
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{part}.onnx"]  # one file
    graph = onnx.load(str(path)).graph
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    for batch in (1, 6):
        x = example_input(model, part, batch=batch)  # type: ignore[arg-type]
        assert onnx_max_difference(model, path, part, x) < 1e-4  # type: ignore[arg-type]


def test_bn_lstm_export_matches(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = SeqSleepNet(SeqSleepNetConfig(channels=1, seq_len=3, cell="bn-lstm"))
    model(torch.randn(4, 3, 1, 29, 129))  # fill the running statistics
    path = export_onnx(model, tmp_path / "full.onnx")
    assert onnx_max_difference(model, path, "full", example_input(model, "full", 3)) < 1e-4


@pytest.mark.parametrize("part", ["full", "encoder", "classifier"])
@pytest.mark.parametrize("cls", [ARNN, MultitaskARNN])
def test_baselines_with_separable_encoder_export_and_match_pytorch(
    cls: type[ARNN | MultitaskARNN], part: str, tmp_path: Path
) -> None:
    torch.manual_seed(0)
    config = ARNNConfig(channels=2) if cls is ARNN else MultitaskARNNConfig(channels=2)
    model = cls(config)  # type: ignore[arg-type]
    path = export_onnx(model, tmp_path / f"{part}.onnx", part, seq_len=6)  # type: ignore[arg-type]
    for batch in (1, 4):
        x = example_input(model, part, batch=batch, seq_len=6)  # type: ignore[arg-type]
        assert onnx_max_difference(model, path, part, x) < 1e-4  # type: ignore[arg-type]


def test_graph_window_length() -> None:
    shared = SeqSleepNet(SeqSleepNetConfig(channels=1, seq_len=3))
    assert graph_seq_len(shared) == 3 and graph_seq_len(shared, 7) == 7
    assert graph_seq_len(ARNN(), 5) == 5
    with pytest.raises(ConfigError, match="arnn: seq_len=None; the ONNX graphs need a window"):
        graph_seq_len(ARNN())
    fixed = SeqSleepNet(SeqSleepNetConfig(channels=1, seq_len=3, per_position_heads=True))
    assert graph_seq_len(fixed) == 3
    with pytest.raises(ConfigError, match="accepts only windows of seq_len=3 epochs"):
        graph_seq_len(fixed, 4)


def test_bad_part_and_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = SeqSleepNet(SeqSleepNetConfig(channels=1, seq_len=3))
    with pytest.raises(ConfigError, match="ONNX part='decoder' is not allowed"):
        export_onnx(model, tmp_path / "m.onnx", "decoder")  # type: ignore[arg-type]
    monkeypatch.setattr(DeepSleepNet, "separable_encoder", False)  # as a model without one
    with pytest.raises(ConfigError, match=r"separable epoch encoder.*; deepsleepnet has none"):
        export_onnx(DeepSleepNet(), tmp_path / "m.onnx", seq_len=3)
    assert list(tmp_path.iterdir()) == []
