"""Resume checks: a run resumes only with its own settings, data and state."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from seqsleepnet.errors import CheckpointError, ConfigError
from seqsleepnet.models.checkpoint import load_trained, save_trained
from seqsleepnet.training import loop
from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.cross_validation import prepare_folds, run_fold
from seqsleepnet.training.loop import train
from seqsleepnet.training.state import read_log
from test_training_datasets import make_toy_cache
from test_training_loop import _config

NEW_FIELDS = ("run_id", "config", "recordings")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_toy_cache(tmp_path_factory.mktemp("toy") / "cache", n_subjects=4, n_epochs=40)


def _started(cache: Path, run: Path, **changes: object) -> TrainConfig:
    """A run stopped after its first checkpoint (step 10 of 28)."""
    train(_config(cache, max_steps=10, **changes), run)
    return _config(cache, **changes)


def test_unchanged_resume_continues_and_runtime_settings_may_change(
    cache: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    cfg = _started(cache, run)
    last = load_trained(run / "last.pt")[2]["resume"]
    assert last["run_id"] == json.loads((run / "config.json").read_text())["run_id"]
    resumed = TrainConfig(**{**cfg.to_dict(), "threads": 2, "device": "cpu", "eval_batch_size": 7})
    result = train(resumed, run, resume=True)  # max_steps None now: the run is extended
    assert result.steps == 28 and [r["step"] for r in read_log(run)] == [10, 20, 28]
    assert TrainConfig.load(run).threads == 2


def test_a_moved_cache_resumes_when_its_recordings_are_the_same(
    cache: Path, tmp_path: Path
) -> None:
    """The recordings are compared by content, so the cache's path may change."""
    run = tmp_path / "run"
    cfg = _started(cache, run)
    moved = shutil.copytree(cache, tmp_path / "moved")
    result = train(TrainConfig(**{**cfg.to_dict(), "data": str(moved)}), run, resume=True)
    assert result.steps == 28


def test_changed_training_settings_are_refused(cache: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    cfg = _started(cache, run)
    changed = TrainConfig(**{**cfg.to_dict(), "lr": 0.01, "batch_size": 4, "l2_weight": 0.0})
    with pytest.raises(
        ConfigError,
        match=r"batch_size: 8 in the run, 4 now; lr: 0\.003 in the run, 0\.01 now; "
        r"l2_weight: 0\.001 in the run, 0\.0 now\..*original settings",
    ):
        train(changed, run, resume=True)
    assert TrainConfig.load(run).learning_rate == 3e-3  # config.json is left as it was


def test_changed_settings_are_refused_when_a_cv_fold_resumes(tmp_path: Path) -> None:
    cache = make_toy_cache(tmp_path / "cache", n_subjects=4, n_epochs=20)
    cv = tmp_path / "cv"
    prepare_folds(cv, cache, n_folds=2, n_val=1, seed=0)
    base = _config(cache, val_subjects=[], seq_len=4, max_steps=4, eval_every=2)
    run_fold(cv, 0, base)
    # refused by the fold contract of folds.json or by the resume check, naming both fields
    with pytest.raises(ConfigError, match=r"batch_size: 8 in .*16 now; .*lr: 0\.003"):
        run_fold(cv, 0, TrainConfig(**{**base.to_dict(), "lr": 0.01, "batch_size": 16}))
    run_fold(cv, 0, TrainConfig(**{**base.to_dict(), "threads": 2}))  # unchanged: resumes


def test_a_recording_added_to_the_cache_is_refused(tmp_path: Path) -> None:
    cache = make_toy_cache(tmp_path / "cache", n_subjects=4, n_epochs=40)
    run = tmp_path / "run"
    cfg = _started(cache, run)
    make_toy_cache(cache, n_subjects=5, n_epochs=40)  # the same four and S04
    with pytest.raises(ConfigError, match=r"train recordings added: \['S04N1'\]"):
        train(cfg, run, resume=True)


def test_a_new_run_removes_the_old_ones_state(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    _started(cache, run)
    (run / "tensorboard").mkdir(exist_ok=True)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed before the first checkpoint")

    monkeypatch.setattr(loop, "SequenceDataset", crash)
    with pytest.raises(RuntimeError, match="killed"):
        train(_config(cache, lr=1e-2), run)  # e.g. 'train --overwrite'
    assert sorted(p.name for p in run.iterdir()) == ["config.json"]
    with pytest.raises(CheckpointError, match="not found"):
        train(_config(cache, lr=1e-2), run, resume=True)


def test_a_last_checkpoint_of_another_run_is_refused(cache: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    _started(cache, run)
    old = (run / "last.pt").read_bytes()
    _started(cache, run, lr=1e-2)  # the same folder started over
    (run / "last.pt").write_bytes(old)  # e.g. copied back from a backup
    with pytest.raises(CheckpointError, match=r"last\.pt belongs to another run"):
        train(_config(cache, lr=1e-2), run, resume=True)


def _strip_new_fields(run: Path) -> None:
    """Make ``run`` look written before run ids, configs and recordings were recorded."""
    model, model_input, extra = load_trained(run / "last.pt")
    for name in NEW_FIELDS:
        extra["resume"].pop(name)
    extra.pop("model_input")
    save_trained(run / "last.pt", model, model_input, seq_len=extra.pop("seq_len"), extra=extra)
    values = json.loads((run / "config.json").read_text())
    values.pop("run_id")
    (run / "config.json").write_text(json.dumps(values))


def test_a_run_written_without_the_new_fields_still_resumes(cache: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    cfg = _started(cache, run)
    _strip_new_fields(run)
    assert not set(NEW_FIELDS) & set(load_trained(run / "last.pt")[2]["resume"])
    changed = TrainConfig(**{**cfg.to_dict(), "lr": 0.01})
    with pytest.raises(ConfigError, match=r"config\.json\): lr: 0\.003 in the run, 0\.01 now"):
        train(changed, run, resume=True)  # config.json stands in for the state's config
    assert train(cfg, run, resume=True).steps == 28
    assert "run_id" in load_trained(run / "last.pt")[2]["resume"]  # new fields from now on
