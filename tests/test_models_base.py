"""Tests of the model contract: declared capabilities, and code outside models asking for them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import seqsleepnet
from seqsleepnet.errors import ConfigError
from seqsleepnet.models.base import ModelConfig, SleepStagingModel
from seqsleepnet.models.encoder import EncoderModel
from seqsleepnet.models.registry import MODELS, build_model

PACKAGE = Path(seqsleepnet.__file__).parent


def test_declared_capabilities_of_every_model() -> None:
    expected = {  # name: (input kind, separable encoder)
        "seqsleepnet": ("tf", True),
        "arnn": ("tf", True),
        "multitask-arnn": ("tf", True),
        "deepsleepnet": ("raw", True),
    }
    assert {name: (c.input_kind, c.separable_encoder) for name, c in MODELS.items()} == expected
    shared = build_model("seqsleepnet", seq_len=7)
    per_position = build_model("seqsleepnet", seq_len=7, per_position_heads=True)
    assert (shared.fixed_length, shared.window_length) == (False, 7)
    assert (per_position.fixed_length, per_position.window_length) == (True, 7)
    for name in ("arnn", "multitask-arnn", "deepsleepnet"):
        model = build_model(name, channels=1)
        assert (model.fixed_length, model.window_length) == (False, None), name


@pytest.mark.parametrize("name", ["seqsleepnet", "arnn", "multitask-arnn"])
def test_separable_models_split_forward_at_the_epoch_encoder(name: str) -> None:
    torch.manual_seed(0)
    model = build_model(name, channels=2, epoch_hidden=8).eval()
    assert model.embedding_size == 16
    x = torch.randn(3, 5, 2, 29, 129)
    with torch.no_grad():
        z, alpha = model.encode_epochs(x.flatten(0, 1))  # (15, 16), (15, 29)
        assert z.shape == (15, 16) and alpha.shape == (15, 29)
        torch.testing.assert_close(model.classify_sequences(z.reshape(3, 5, 16)), model(x))


def test_deepsleepnet_splits_forward_after_its_cnn() -> None:
    torch.manual_seed(0)
    small = {"first_filters": 4, "filters": 4, "lstm_hidden": 4, "lstm_layers": 1}
    model = build_model("deepsleepnet", channels=2, **small).eval()
    x = torch.randn(3, 5, 2, 3000)
    with torch.no_grad():
        z, alpha = model.encode_epochs(x.flatten(0, 1))  # (15, D), (15, 0): no attention
        assert z.shape == (15, model.embedding_size) and alpha.shape == (15, 0)
        torch.testing.assert_close(model.classify_sequences(z.reshape(3, 5, -1)), model(x))
    model.freeze_epoch_encoder()
    assert not any(p.requires_grad for p in [*model.small.parameters(), *model.large.parameters()])
    assert all(p.requires_grad for p in model.lstm.parameters())


class _WindowMixer(SleepStagingModel):
    """Averages the epochs of a window before anything else: no separable epoch encoder."""

    name = "window-mixer"
    input_kind = "raw"
    description = "a test model"
    config_class = ModelConfig

    def __init__(self) -> None:
        super().__init__()
        self.head = torch.nn.Linear(4, 5)

    @property
    def epoch_shape(self) -> tuple[int, ...]:
        return (1, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mixed = x.mean(dim=1, keepdim=True).flatten(2)  # (B, L, 1, 4) -> (B, 1, 4)
        return torch.log_softmax(self.head(mixed), dim=-1).expand(-1, x.shape[1], -1)


def test_models_without_separable_encoder_say_so() -> None:
    model = _WindowMixer()
    message = r"window-mixer: {} needs a separable epoch encoder and this model has none"
    with pytest.raises(ConfigError, match=message.format("encode_epochs")):
        model.encode_epochs(torch.randn(2, 1, 4))
    with pytest.raises(ConfigError, match=message.format("classify_sequences")):
        model.classify_sequences(torch.randn(1, 2, 128))
    with pytest.raises(ConfigError, match=message.format("embedding_size")):
        _ = model.embedding_size


def _model_class_names() -> set[str]:
    names = {SleepStagingModel.__name__, EncoderModel.__name__}
    for cls in MODELS.values():
        names.update(base.__name__ for base in cls.__mro__ if issubclass(base, SleepStagingModel))
    return names


def test_code_outside_models_asks_models_instead_of_checking_their_class() -> None:
    names = "|".join(sorted(_model_class_names()))
    by_class = re.compile(rf"isinstance\([^)]*\b({names})\b")
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "models") in path.parents:
            continue
        text = path.read_text()
        if by_class.search(text) or "per_position_heads" in text:
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_the_class_check_finds_what_it_looks_for() -> None:
    names = "|".join(sorted(_model_class_names()))
    by_class = re.compile(rf"isinstance\([^)]*\b({names})\b")
    assert by_class.search("if not isinstance(\n    model, SeqSleepNet\n):")
    assert by_class.search("isinstance(m, (ARNN, MultitaskARNN))")
    assert not by_class.search("isinstance(value, np.ndarray) or SeqSleepNet")
