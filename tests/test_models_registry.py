"""Tests of the model registry."""

from __future__ import annotations

import pytest
import torch

from seqsleepnet.errors import ConfigError
from seqsleepnet.models.registry import MODELS, build_model, count_parameters, list_models


def test_names_and_uniform_interface() -> None:
    assert list(MODELS) == ["seqsleepnet", "arnn", "multitask-arnn", "deepsleepnet"]
    for name, cls in MODELS.items():
        assert cls.name == name
        assert cls.input_kind in ("tf", "raw")
        assert cls.description


def test_list_models_counts_default_three_channel_models() -> None:
    entries = list_models()
    assert [e["name"] for e in entries] == list(MODELS)
    for entry in entries:
        model = build_model(entry["name"], channels=3)
        assert entry["parameters"] == count_parameters(model)
        assert entry["input"] == model.input_kind
    assert entries[0]["parameters"] == 158_053
    one_channel = {e["name"]: e["parameters"] for e in list_models(channels=1)}
    assert one_channel["seqsleepnet"] < entries[0]["parameters"]


def test_build_with_options_and_uniform_forward() -> None:
    model = build_model("seqsleepnet", channels=1, seq_len=3, cell="bn-gru")
    assert model.config.to_dict()["cell"] == "bn-gru"
    for name in ["seqsleepnet", "arnn", "multitask-arnn"]:
        m = build_model(name, channels=1).eval()
        assert m(torch.randn(2, 3, *m.epoch_shape)).shape == (2, 3, 5)


def test_bad_names_and_options() -> None:
    with pytest.raises(
        ConfigError, match=r"model='tinysleepnet' is not allowed; choose one of 'arnn'"
    ):
        build_model("tinysleepnet")
    with pytest.raises(ConfigError, match=r"unknown option\(s\) \['units'\]; allowed options"):
        build_model("arnn", units=3)
    with pytest.raises(ConfigError, match="channels=0 must be positive"):
        build_model("seqsleepnet", channels=0)


def test_seed_leaves_global_random_state_alone() -> None:
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    build_model("arnn", seed=11)
    torch.testing.assert_close(torch.rand(3), expected)
