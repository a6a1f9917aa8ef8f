"""Tests of the ONNX export of SeqSleepNet."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
import torch

from seqsleepnet.errors import ConfigError
from seqsleepnet.models.arnn import ARNN
from seqsleepnet.models.onnx_export import example_input, export_onnx, onnx_max_difference
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


def test_bad_part_and_model(tmp_path: Path) -> None:
    model = SeqSleepNet(SeqSleepNetConfig(channels=1, seq_len=3))
    with pytest.raises(ConfigError, match="ONNX part 'decoder' is unknown"):
        export_onnx(model, tmp_path / "m.onnx", "decoder")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="supports SeqSleepNet only, not ARNN"):
        export_onnx(ARNN(), tmp_path / "m.onnx")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
