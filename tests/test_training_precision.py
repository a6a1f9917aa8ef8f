"""Mixed precision: which dtype each setting picks, and bf16 on CPU against float32."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from seqsleepnet.errors import ConfigError
from seqsleepnet.models.loss import l2_penalty, masked_cross_entropy
from seqsleepnet.models.registry import build_model
from seqsleepnet.training import precision as precision_module
from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.loop import train
from seqsleepnet.training.precision import autocast_dtype
from seqsleepnet.training.state import read_log
from test_training_datasets import make_toy_cache

CPU, CUDA = torch.device("cpu"), torch.device("cuda")
# Relative difference allowed between the bf16 and the float32 loss at every step.
# Measured: at most 0.4% (GRU, 40 steps) and 0.1% (BN-LSTM, 24 steps), paper sizes.
LOSS_CURVE_TOLERANCE = 0.02


@pytest.fixture
def bf16_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take this CPU for one with bf16 instructions (autocast emulates them where absent)."""
    monkeypatch.setattr(precision_module, "cpu_supports_bf16", lambda: True)


def test_cpu_trains_in_float32_unless_bf16_is_asked_for(bf16_cpu: None) -> None:
    assert autocast_dtype("auto", CPU) is None
    assert autocast_dtype("fp32", CPU) is None
    assert autocast_dtype("bf16", CPU) is torch.bfloat16


def test_cuda_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    assert autocast_dtype("fp32", CUDA) is None
    assert autocast_dtype("bf16", CUDA) is torch.bfloat16
    assert autocast_dtype("fp16", CUDA) is torch.float16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert autocast_dtype("auto", CUDA) is torch.float16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert autocast_dtype("auto", CUDA) is torch.bfloat16


def test_bad_precisions(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="precision='fp16' needs a CUDA device"):
        autocast_dtype("fp16", CPU)
    monkeypatch.setattr(precision_module, "cpu_supports_bf16", lambda: False)
    with pytest.raises(ConfigError, match=r"needs bf16 instructions .* use --precision fp32"):
        autocast_dtype("bf16", CPU)
    with pytest.raises(ConfigError, match="precision='tf32' is not allowed"):
        autocast_dtype("tf32", CPU)


def _data_loss_curve(precision: str, cell: str, steps: int, lr: float) -> list[float]:
    """Data term of ``steps`` Adam steps on one fixed batch, as the training loop computes it."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(8, 5, 3, 29, 129, generator=generator)  # (B, L, C, T, F)
    y = torch.randint(0, 5, (8, 5), generator=generator)  # (B, L)
    model = build_model("seqsleepnet", seed=0, cell=cell, seq_len=5).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    dtype = autocast_dtype(precision, CPU)
    losses = []
    for step in range(steps):
        torch.manual_seed(step)  # the same dropout masks in both runs
        with torch.autocast("cpu", dtype=dtype or torch.float32, enabled=dtype is not None):
            log_probs, targets = model.training_pairs(x, y)
        data_term = masked_cross_entropy(log_probs.float(), targets)
        loss = data_term + 1e-3 * l2_penalty(model)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(data_term.item())
    return losses


@pytest.mark.parametrize(("cell", "steps", "lr"), [("gru", 40, 1e-3), ("bn-lstm", 24, 3e-3)])
def test_bf16_loss_curve_matches_float32(bf16_cpu: None, cell: str, steps: int, lr: float) -> None:
    reference = _data_loss_curve("fp32", cell, steps, lr)
    mixed = _data_loss_curve("bf16", cell, steps, lr)
    assert reference[-1] < 0.9 * reference[0]  # the curve moves: the comparison means something
    assert mixed != reference  # bf16 really ran
    for step, (ref, got) in enumerate(zip(reference, mixed, strict=True)):
        assert got == pytest.approx(ref, rel=LOSS_CURVE_TOLERANCE), f"step {step}"


def test_train_with_bf16_on_cpu_follows_float32(bf16_cpu: None, tmp_path: Path) -> None:
    cache = make_toy_cache(tmp_path / "cache", n_subjects=3, n_epochs=30)
    losses = {}
    for precision in ("fp32", "bf16"):
        config = TrainConfig(
            data=str(cache),
            model_config={"n_filters": 4, "epoch_hidden": 8, "attention_size": 8},
            seq_len=5,
            batch_size=8,
            lr=3e-3,
            eval_every=5,
            max_steps=10,
            val_subjects=["S02"],
            precision=precision,  # type: ignore[arg-type]
            threads=1,
        )
        train(config, tmp_path / precision)
        losses[precision] = [record["train_loss"] for record in read_log(tmp_path / precision)]
    assert losses["bf16"] != losses["fp32"]
    assert losses["bf16"] == pytest.approx(losses["fp32"], rel=LOSS_CURVE_TOLERANCE)
