"""Training: learning, best checkpoint contents, resume after SIGKILL, two-process DDP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from seqsleepnet.data.cache import load_manifest, manifest_preprocessing
from seqsleepnet.errors import CheckpointError, ConfigError
from seqsleepnet.models.checkpoint import load_checkpoint
from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.loop import _build, _local_batch, train
from seqsleepnet.training.state import read_log
from test_training_datasets import make_toy_cache

SMALL = {"n_filters": 4, "epoch_hidden": 8, "attention_size": 8, "sequence_hidden": 8}
SMALL_ARGS = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_toy_cache(tmp_path_factory.mktemp("toy") / "cache", n_subjects=4, n_epochs=40)


def _config(cache: Path, **changes: object) -> TrainConfig:
    values: dict[str, object] = {
        "data": str(cache),
        "model_config": SMALL,
        "seq_len": 5,
        "batch_size": 8,
        "epochs": 2,
        "lr": 3e-3,
        "eval_every": 10,
        "val_subjects": ["S03"],
        "threads": 1,
    }
    values.update(changes)
    return TrainConfig(**values)  # type: ignore[arg-type]


def test_training_learns_and_best_checkpoint_stands_alone(cache: Path, tmp_path: Path) -> None:
    result = train(_config(cache, epochs=3), tmp_path / "run")
    log = read_log(tmp_path / "run")
    # 3 training recordings x 36 windows / batch 8 -> 14 steps per epoch, 42 in all
    assert [r["step"] for r in log] == [10, 20, 30, 40, 42] and result.steps == 42
    best = max(log, key=lambda r: r["val_accuracy"])
    assert result.best_accuracy == pytest.approx(best["val_accuracy"])
    assert result.best_accuracy > 0.45  # chance is about 0.2 on five sticky stages
    assert log[-1]["train_loss"] < log[0]["train_loss"]
    model, extra = load_checkpoint(tmp_path / "run" / "best.pt")
    assert extra["training"]["step"] == result.best_step
    assert extra["stage_names"] == ["W", "N1", "N2", "N3", "REM"]
    assert extra["model_input"]["normalizer"]["mean"].shape == (1, 129)
    assert extra["model_input"]["input_kind"] == "tf" and extra["channels"] == ["EEG0"]
    assert model.config.seq_len == 5  # type: ignore[attr-defined]
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["model_config"] == SMALL and saved["val_subjects"] == ["S03"]


def test_every_batch_is_kept_and_raw_models_train(cache: Path, tmp_path: Path) -> None:
    # 3 training recordings x 36 windows = 108 windows; batch 32 -> 4 steps per epoch
    cfg = _config(
        cache,
        model="deepsleepnet",
        epochs=1,
        batch_size=32,
        eval_every=100,
        model_config={"first_filters": 4, "filters": 4, "lstm_hidden": 4, "lstm_layers": 1},
    )
    result = train(cfg, tmp_path / "raw")
    assert result.steps == 4
    assert read_log(tmp_path / "raw")[-1]["step"] == 4
    _, extra = load_checkpoint(tmp_path / "raw" / "best.pt")
    model_input = extra["model_input"]
    assert model_input["normalizer"] is None and model_input["input_kind"] == "raw"


def test_resume_in_process_matches_an_uninterrupted_run(cache: Path, tmp_path: Path) -> None:
    full = train(_config(cache), tmp_path / "full")
    train(_config(cache, max_steps=10), tmp_path / "part")  # stops after its first checkpoint
    cfg = _config(cache)
    cfg.save(tmp_path / "part")
    resumed = train(cfg, tmp_path / "part", resume=True)
    assert (resumed.best_step, resumed.best_accuracy) == (full.best_step, full.best_accuracy)
    a, _ = load_checkpoint(tmp_path / "full" / "last.pt")
    b, _ = load_checkpoint(tmp_path / "part" / "last.pt")
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        torch.testing.assert_close(x, y, rtol=0, atol=0, msg=name)


def test_resume_without_the_best_checkpoint_is_refused(cache: Path, tmp_path: Path) -> None:
    train(_config(cache, max_steps=10), tmp_path / "part")
    (tmp_path / "part" / "best.pt").unlink()  # e.g. only last.pt was copied to another machine
    with pytest.raises(CheckpointError, match=r"best validation at step 10, but .*best\.pt"):
        train(_config(cache), tmp_path / "part", resume=True)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "seqsleepnet.cli.train", *args]


def test_sigkill_then_resume_ends_like_an_uninterrupted_run(cache: Path, tmp_path: Path) -> None:
    args = [
        "--data",
        str(cache),
        "--seq-len",
        "5",
        "--batch-size",
        "4",
        "--epochs",
        "4",
        "--lr",
        "3e-3",
        "--eval-every",
        "5",
        "--val-subjects",
        "S03",
        "--threads",
        "1",
        "-q",
        *SMALL_ARGS,
    ]
    run = tmp_path / "killed"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        _cli("train", "--out", str(run), *args),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 600  # generous: the first checkpoint is slow on a busy machine
    while not (run / "last.pt").is_file() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    _, extra = load_checkpoint(run / "last.pt")
    assert extra["resume"]["step"] < 108  # killed before the end (108 steps in all)
    subprocess.run(
        _cli("train", "--resume", str(run), "-q"), env=env, check=True, capture_output=True
    )
    reference = tmp_path / "reference"
    subprocess.run(
        _cli("train", "--out", str(reference), *args), env=env, check=True, capture_output=True
    )
    steps = lambda r: [(x["step"], x["val_accuracy"]) for x in read_log(r)]  # noqa: E731
    assert steps(run) == steps(reference)
    _, best_a = load_checkpoint(run / "best.pt")
    _, best_b = load_checkpoint(reference / "best.pt")
    assert best_a["training"]["val_accuracy"] == best_b["training"]["val_accuracy"]
    assert best_a["training"]["step"] == best_b["training"]["step"]


def test_two_process_ddp_finishes_with_a_best_checkpoint(cache: Path, tmp_path: Path) -> None:
    run = tmp_path / "ddp"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--standalone",
        "-m",
        "seqsleepnet.cli.train",
        "train",
        "--data",
        str(cache),
        "--out",
        str(run),
        "--seq-len",
        "5",
        "--batch-size",
        "8",
        "--epochs",
        "1",
        "--eval-every",
        "5",
        "--val-subjects",
        "S03",
        "--threads",
        "1",
        "-q",
        *SMALL_ARGS,
    ]
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # 108 windows split over 2 ranks -> 54 each, 4 per rank per step -> 14 steps
    assert [r["step"] for r in read_log(run)] == [5, 10, 14]
    model, extra = load_checkpoint(run / "best.pt")
    assert extra["training"]["step"] in (5, 10, 14)
    assert done.stdout.count("best step") == 1  # only rank 0 reports
    _, last = load_checkpoint(run / "last.pt")
    assert last["resume"]["epoch"] == 1 and last["resume"]["position"] == 0
    assert np.isfinite(sum(float(p.detach().sum()) for p in model.parameters()))


def test_a_two_process_step_is_the_single_process_step(cache: Path, tmp_path: Path) -> None:
    # no dropout, one step of batch 8: 2 x 4 windows under DDP must move the weights as
    # 8 windows in one process (the loss scaling and the window split are both in play)
    args = ["--data", str(cache), "--seq-len", "5", "--batch-size", "8", "--max-steps", "1"]
    args += ["--val-subjects", "S03", "--threads", "1", "--lr", "3e-3", "-q", *SMALL_ARGS]
    args += ["--set", "dropout=0"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    ddp = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    ddp += ["--standalone", "-m", "seqsleepnet.cli.train", "train"]
    done = subprocess.run(
        [*ddp, "--out", str(tmp_path / "ddp"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    subprocess.run(
        _cli("train", "--out", str(tmp_path / "one"), *args), env=env, check=True, timeout=120
    )
    one, two = (_weights(tmp_path / name / "last.pt") for name in ("one", "ddp"))
    start = _weights_at_start(cache)
    moved = [name for name in one if not torch.allclose(one[name], start[name], atol=1e-5)]
    assert moved  # the step did something, so the comparison means something
    for name in one:
        torch.testing.assert_close(two[name], one[name], atol=1e-5, rtol=1e-4)


def _weights_at_start(cache: Path) -> dict[str, torch.Tensor]:
    config = _config(cache, model_config={**SMALL, "dropout": 0.0})
    preprocessing = manifest_preprocessing(cache, load_manifest(cache)[1])
    return _build(config, preprocessing).state_dict()


def test_a_batch_that_the_processes_do_not_split_evenly_is_refused() -> None:
    assert _local_batch(32, 2) == 16
    with pytest.raises(ConfigError, match=r"batch_size=32 does not split evenly over 3 .*30 or 33"):
        _local_batch(32, 3)
    # fewer windows than processes: one multiple to suggest, not "2 or 2"
    with pytest.raises(ConfigError, match=r"batch_size=1 .* over 2 .*\(e\.g\. 2\)"):
        _local_batch(1, 2)


def test_bad_input_raises(cache: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="model='resnet' is not allowed"):
        train(_config(cache, model="resnet"), tmp_path / "a")
    with pytest.raises(ConfigError, match=r"subjects \['S09'\] are not in"):
        train(_config(cache, val_subjects=["S09"]), tmp_path / "b")
    with pytest.raises(ConfigError, match="no training recordings"):
        train(
            _config(cache, val_subjects=[], exclude_subjects=["S00", "S01", "S02", "S03"]),
            tmp_path / "c",
        )
    with pytest.raises(CheckpointError, match="not found"):
        train(_config(cache), tmp_path / "d", resume=True)
    with pytest.raises(ConfigError, match="unknown option"):
        train(_config(cache, model_config={"depth": 3}), tmp_path / "e")


@pytest.fixture(scope="module")
def base_run(cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short run trained on S00 and S01 only, to fine-tune on S02."""
    run = tmp_path_factory.mktemp("base") / "run"
    train(_config(cache, train_subjects=["S00", "S01"], max_steps=12), run)
    return run / "best.pt"


def _finetune(cache: Path, base: Path, **changes: object) -> TrainConfig:
    values: dict[str, object] = {"model_config": {}, "init_from": str(base)}
    values.update(train_subjects=["S02"], val_subjects=[], **changes)
    return _config(cache, **values)


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path)[0].state_dict()


def test_fine_tuning_starts_from_the_checkpoints_weights(
    cache: Path, base_run: Path, tmp_path: Path
) -> None:
    # one step at a tiny learning rate: the weights stay where the checkpoint left them
    train(_finetune(cache, base_run, max_steps=1, lr=1e-9), tmp_path / "tuned")
    start, tuned = _weights(base_run), _weights(tmp_path / "tuned" / "best.pt")
    assert start.keys() == tuned.keys()
    for name, value in start.items():
        torch.testing.assert_close(tuned[name], value, atol=1e-6, rtol=0)
    train(_config(cache, train_subjects=["S02"], val_subjects=[], max_steps=1), tmp_path / "new")
    scratch = _weights(tmp_path / "new" / "best.pt")
    assert any(not torch.allclose(scratch[n], start[n], atol=1e-3) for n in start)
    saved = json.loads((tmp_path / "tuned" / "config.json").read_text())
    assert saved["init_from"] == str(base_run) and saved["normalizer"] == "refit"


def test_fine_tuning_can_freeze_the_encoder_and_keep_the_normaliser(
    cache: Path, base_run: Path, tmp_path: Path
) -> None:
    frozen = _finetune(cache, base_run, max_steps=6, freeze_encoder=True, normalizer="keep")
    assert frozen.lr == pytest.approx(3e-3)  # given explicitly
    train(frozen, tmp_path / "frozen")
    start, tuned = _weights(base_run), _weights(tmp_path / "frozen" / "best.pt")
    encoder = [n for n in start if n.startswith("encoder.")]
    assert encoder and all(torch.equal(tuned[n], start[n]) for n in encoder)
    assert any(not torch.equal(tuned[n], start[n]) for n in start if n not in encoder)
    kept = load_checkpoint(tmp_path / "frozen" / "best.pt")[1]["model_input"]["normalizer"]
    original = load_checkpoint(base_run)[1]["model_input"]["normalizer"]
    np.testing.assert_array_equal(kept["mean"], original["mean"])
    train(_finetune(cache, base_run, max_steps=1), tmp_path / "refit")
    refit = load_checkpoint(tmp_path / "refit" / "best.pt")[1]["model_input"]["normalizer"]
    assert not np.allclose(refit["mean"], original["mean"])  # fitted on S02 alone


def test_fine_tuning_defaults_to_a_lower_learning_rate() -> None:
    assert TrainConfig().lr == 1e-4
    assert TrainConfig(init_from="best.pt").lr == 2e-5
    assert TrainConfig(init_from="best.pt", lr=1e-3).lr == 1e-3


def test_fine_tuning_bad_input_raises(cache: Path, base_run: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="apply to fine-tuning only"):
        TrainConfig(freeze_encoder=True)
    with pytest.raises(ConfigError, match="cannot change when fine-tuning"):
        train(_finetune(cache, base_run, model_config=SMALL), tmp_path / "a")
    with pytest.raises(ConfigError, match="is a 'seqsleepnet' checkpoint but model='arnn'"):
        train(_finetune(cache, base_run, model="arnn"), tmp_path / "b")
    with pytest.raises(CheckpointError, match="not found"):
        train(_finetune(cache, tmp_path / "absent.pt"), tmp_path / "c")
