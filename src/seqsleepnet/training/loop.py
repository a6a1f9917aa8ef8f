"""Train a model on a prepared cache: the paper's protocol, resumable and distributed.

Every step draws a batch of sequence windows (see
:mod:`seqsleepnet.training.datasets`), minimises the masked cross-entropy plus
L2 (:mod:`seqsleepnet.models.loss`) with Adam, and every ``eval_every`` steps
rank 0 stages the validation recordings (stride-1 windows, aggregated per
epoch), keeps the weights with the best validation accuracy as ``best.pt``
and writes ``last.pt`` for resuming (see :mod:`seqsleepnet.training.state`).

Reproducibility: the window order of epoch ``e`` is a permutation seeded by
``(seed, e)``, and the dropout generator is reseeded from
``(seed, rank, step)`` before every step, so a run resumed from ``last.pt``
continues exactly as the uninterrupted run would (on the same hardware and
thread count).

Fine-tuning (``init_from``) starts from a checkpoint's weights and model
config instead of a fresh model, with the normaliser refitted on the new
training recordings or kept, and optionally a frozen epoch encoder.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from seqsleepnet.data.cache import (
    CacheEntry,
    check_settings,
    load_manifest,
    manifest_preprocessing,
)
from seqsleepnet.errors import CheckpointError, ConfigError, check_option
from seqsleepnet.evaluation.metrics import compute_metrics
from seqsleepnet.features.model_input import ModelInput
from seqsleepnet.features.normalize import Normalizer
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.features.spectral_shape import EPOCH_STEP, SpectralReference, epochs_spectral_shape
from seqsleepnet.inference import predict_logprobs
from seqsleepnet.models.base import SleepStagingModel
from seqsleepnet.models.checkpoint import load_trained, save_trained
from seqsleepnet.models.loss import l2_penalty, masked_cross_entropy
from seqsleepnet.models.registry import MODELS, build_model
from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.datasets import SequenceDataset, batch_indices, epoch_order, open_arrays
from seqsleepnet.training.distributed import (
    DistInfo,
    barrier,
    cleanup_distributed,
    setup_distributed,
)
from seqsleepnet.training.precision import autocast_dtype
from seqsleepnet.training.progress import ProgressReporter
from seqsleepnet.training.resident import resident_windows
from seqsleepnet.training.resume import check_resume, new_run_id, run_identity
from seqsleepnet.training.selection import select_recordings
from seqsleepnet.training.state import (
    BEST_NAME,
    LAST_NAME,
    append_log,
    clear_run,
    decode_optimizer,
    encode_optimizer,
    truncate_log,
)

__all__ = ["TrainResult", "resolve_device", "train"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train` (on rank 0; other ranks get the same counters)."""

    run: Path
    steps: int
    best_step: int
    best_accuracy: float | None  # None when there was no validation set


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cuda`` without a GPU raises ConfigError."""
    check_option("device", name, ("auto", "cpu", "cuda"))
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device='cuda' but no CUDA GPU is available; use --device cpu or auto")
    return torch.device(name)


class _Pairs(nn.Module):
    """Routes ``training_pairs`` through ``forward`` so DistributedDataParallel sees it."""

    def __init__(self, model: SleepStagingModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.training_pairs(x, y)  # (B, L, ..., K), (B, L, ...)


def _build(config: TrainConfig, preprocessing: Preprocessing) -> SleepStagingModel:
    check_option("model", config.model, sorted(MODELS))
    options: dict[str, Any] = dict(config.model_config)
    fields = MODELS[config.model].config_class.__dataclass_fields__
    if "seq_len" in fields and "seq_len" not in config.model_config:
        options["seq_len"] = config.seq_len
    return build_model(config.model, preprocessing=preprocessing, seed=config.seed, **options)


def _fine_tune_start(
    config: TrainConfig, preprocessing: Preprocessing, data: Path
) -> tuple[SleepStagingModel, ModelInput]:
    """The model (with weights) and model input of ``config.init_from``, checked against the cache.

    Raises
    ------
    ConfigError
        If model settings are given (they come from the checkpoint).
    CheckpointError
        An unusable checkpoint, or one whose preprocessing differs from the cache's.
    """
    source = Path(str(config.init_from))
    if config.model_config:
        raise ConfigError(
            f"model settings {sorted(config.model_config)} cannot change when fine-tuning "
            f"{source}: the model and its settings come from the checkpoint; leave them out"
        )
    model, model_input, _ = load_trained(source)
    if model.name != config.model:
        raise ConfigError(
            f"{source} is a {model.name!r} checkpoint but model={config.model!r}; fine-tune it "
            f"as model={model.name!r}"
        )
    if model_input.preprocessing != preprocessing:
        raise CheckpointError(
            f"{source}: the checkpoint reads {model_input.preprocessing.describe()} but the cache "
            f"{data} holds {preprocessing.describe()}; prepare the data with the checkpoint's "
            "settings ('seqsleepnet models --checkpoint CKPT' prints them)"
        )
    return model, model_input


def _step_seed(seed: int, rank: int, step: int) -> int:
    return int(np.random.SeedSequence([seed, rank, step]).generate_state(1)[0])


VALIDATION_HELD_BYTES = 1 << 30  # validation inputs up to this size are read once per run


class _ValidationSet:
    """Normalised inputs (E, ...) and stages (E,) of the validation recordings.

    Read once and held when they fit :data:`VALIDATION_HELD_BYTES`, else read
    again at every validation.
    """

    def __init__(self, data: Path, entries: list[CacheEntry], model_input: ModelInput) -> None:
        self.data, self.entries, self.model_input = data, entries, model_input
        epoch_bytes = int(np.prod(model_input.epoch_shape)) * 4
        size = sum(e.n_epochs for e in entries) * epoch_bytes
        self.held = list(self._read()) if size <= VALIDATION_HELD_BYTES else None

    def _read(self) -> Iterator[tuple[npt.NDArray[np.float32], npt.NDArray[np.int8]]]:
        for entry in self.entries:
            arrays = open_arrays(self.data, entry)
            yield self.model_input.of_cached(arrays), np.asarray(arrays["labels"])

    def __iter__(self) -> Iterator[tuple[npt.NDArray[np.float32], npt.NDArray[np.int8]]]:
        return iter(self.held) if self.held is not None else self._read()


def _validate(
    model: SleepStagingModel, validation: _ValidationSet, config: TrainConfig, device: torch.device
) -> dict[str, float]:
    true, pred = [], []
    for x, labels in validation:
        lp = predict_logprobs(
            model, x, config.seq_len, batch_size=config.eval_batch_size, device=device
        )
        true.append(labels)
        pred.append(lp.argmax(axis=1))
    model.train()
    m = compute_metrics(np.concatenate(true), np.concatenate(pred))
    return {"val_accuracy": m.accuracy, "val_kappa": m.kappa, "val_macro_f1": m.macro_f1}


def _model_input(
    model: SleepStagingModel, preprocessing: Preprocessing, data: Path, entries: list[CacheEntry]
) -> ModelInput:
    """The model's input, its normaliser fitted on the training recordings only."""
    if model.input_kind != "tf":
        return ModelInput(preprocessing, model.input_kind)
    normalizer = Normalizer().fit(np.asarray(open_arrays(data, e)["features"]) for e in entries)
    return ModelInput(preprocessing, model.input_kind, normalizer)


def _spectral_reference(
    model_input: ModelInput, data: Path, entries: list[CacheEntry]
) -> dict[str, Any]:
    """The training nights' spectral reference, for a model that centres its bins on each
    night's median: without it, staging could not tell a night from other equipment or
    another montage (:mod:`seqsleepnet.features.spectral_shape`). Empty for other models
    and for fewer than two training nights."""
    features = model_input.preprocessing.features
    if model_input.kind != "tf" or not features.recording_center or len(entries) < 2:
        return {}
    shapes = [
        epochs_spectral_shape(open_arrays(data, e)["signals"][::EPOCH_STEP], features)
        for e in entries
    ]
    return {"spectral_reference": SpectralReference.fit(shapes).to_dict()}


def _local_batch(batch_size: int, world_size: int) -> int:
    """Windows per process and step, so that a step sees ``batch_size`` windows in all.

    Raises
    ------
    ConfigError
        If the batch does not split evenly over the processes (the step would
        silently see more windows than the config, and the run's results would
        depend on the number of processes).
    """
    if batch_size % world_size:
        lower = batch_size - batch_size % world_size
        near = " or ".join(str(b) for b in (lower, lower + world_size) if b > 0)
        raise ConfigError(
            f"batch_size={batch_size} does not split evenly over {world_size} processes; "
            f"use a batch size that is a multiple of {world_size} (e.g. {near}), "
            f"or a number of processes that divides {batch_size}"
        )
    return batch_size // world_size


@contextlib.contextmanager
def _session(config: TrainConfig) -> Iterator[tuple[torch.device, DistInfo]]:
    device = resolve_device(config.device)
    dist_info = setup_distributed(device)
    if device.type == "cuda" and dist_info.enabled:
        device = torch.device("cuda", dist_info.local_rank)
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    try:
        yield device, dist_info
    finally:
        cleanup_distributed(dist_info)


def train(
    config: TrainConfig, out: Path, *, resume: bool = False, progress: bool = False
) -> TrainResult:
    """Train (or continue training) one model and keep its best checkpoint.

    Parameters
    ----------
    config : TrainConfig
        Data, model and protocol; written to ``out/config.json``.
    out : Path
        Run folder: ``config.json``, ``best.pt``, ``last.pt``, ``log.jsonl``.
    resume : bool
        Continue from ``out/last.pt``. The run must have been started with
        the same settings but ``device``, ``threads``, ``eval_batch_size``
        and ``max_steps`` (which may extend the run) and on the same
        training and validation recordings (see
        :mod:`seqsleepnet.training.resume`). Without ``resume`` an old run in
        ``out`` is removed first (``best.pt``, ``last.pt``, the log).
    progress : bool
        Show a progress bar with loss and accuracy (rank 0).

    Returns
    -------
    TrainResult

    Raises
    ------
    ConfigError
        Unknown model, subjects or device, channel counts that differ.
        On resume: settings or recordings that differ from the run's.
    CheckpointError
        ``resume`` without a readable ``last.pt``, or with a ``last.pt`` of
        another run than ``config.json``.
    """
    run = Path(out)
    with _session(config) as (device, dist_info):
        return _train(config, run, device, dist_info, resume, progress)


def _train(
    config: TrainConfig,
    run: Path,
    device: torch.device,
    dist_info: DistInfo,
    resume: bool,
    progress: bool,
) -> TrainResult:
    local_batch = _local_batch(config.batch_size, dist_info.world_size)
    data = Path(config.data)
    entries, info = load_manifest(data)
    preprocessing = manifest_preprocessing(data, info)
    train_entries, val_entries = select_recordings(entries, config)
    check_settings(data, train_entries + val_entries, info)
    if config.init_from:
        model, model_input = _fine_tune_start(config, preprocessing, data)
        if config.normalizer == "refit":
            model_input = _model_input(model, preprocessing, data, train_entries)
        if config.freeze_encoder:
            model.freeze_epoch_encoder()
    else:
        model = _build(config, preprocessing)
    resume_state: dict[str, Any] = {}
    run_id = new_run_id()
    if resume:
        saved, model_input, extra = load_trained(run / LAST_NAME)
        resume_state = extra["resume"]
        run_id = check_resume(run, config, resume_state, train_entries, val_entries) or run_id
        if saved.config != model.config or model_input.preprocessing != preprocessing:
            raise CheckpointError(
                f"{run / LAST_NAME}: the model config or preprocessing differs from the run's "
                f"config.json and the cache {data}; resume with the same data and settings"
            )
        model.load_state_dict(saved.state_dict())
        best = int(resume_state["best_step"])
        if val_entries and best > 0 and not (run / BEST_NAME).is_file():
            raise CheckpointError(
                f"{run / LAST_NAME} records the best validation at step {best}, but "
                f"{run / BEST_NAME} is missing, so the run could not end with its best "
                "checkpoint; put best.pt back beside last.pt, or train again from the start"
            )
    elif not config.init_from:
        model_input = _model_input(model, preprocessing, data, train_entries)
    if dist_info.is_main:
        run.mkdir(parents=True, exist_ok=True)
        if not resume:  # a new run over an old one (--overwrite): nothing of the old one stays
            clear_run(run)
        config.save(run, run_id)
        if resume:
            truncate_log(run, int(resume_state["step"]))
    dataset = SequenceDataset(data, train_entries, config.seq_len, model_input)
    windows = resident_windows(dataset, device)
    validation = _ValidationSet(data, val_entries if dist_info.is_main else [], model_input)
    model.to(device).train()
    trained = [p for p in model.parameters() if p.requires_grad]  # all but a frozen encoder
    optimizer = torch.optim.Adam(trained, lr=config.learning_rate)
    amp_dtype = autocast_dtype(config.precision, device)
    scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
    step = epoch = position = 0
    best_step, best_acc = 0, -1.0
    if resume_state:
        optimizer.load_state_dict(decode_optimizer(resume_state["optimizer"]))
        if resume_state.get("scaler"):
            scaler.load_state_dict(resume_state["scaler"])
        step, epoch, position = (int(resume_state[k]) for k in ("step", "epoch", "position"))
        best_step, best_acc = int(resume_state["best_step"]), float(resume_state["best_accuracy"])
    pairs: nn.Module = _Pairs(model)
    if dist_info.enabled:
        pairs = nn.parallel.DistributedDataParallel(
            pairs, device_ids=[device.index] if device.type == "cuda" else None
        )
    per_epoch = -(
        -epoch_order(len(dataset), 0, config.seed, 0, dist_info.world_size).size // local_batch
    )
    limit = config.epochs * per_epoch
    if config.max_steps is not None:
        limit = min(limit, config.max_steps)
    extra = {
        "channels": list(train_entries[0].channels),
        "recordings": len(train_entries),
        **(_spectral_reference(model_input, data, train_entries) if dist_info.is_main else {}),
    }
    identity = run_identity(run_id, config, train_entries, val_entries)
    reporter = ProgressReporter(
        run,
        limit,
        enabled=progress and dist_info.is_main,
        tensorboard=dist_info.is_main,
        start=step,
    )
    started = time.monotonic()
    while step < limit and epoch < config.epochs:
        order = epoch_order(len(dataset), epoch, config.seed, dist_info.rank, dist_info.world_size)
        for idx in batch_indices(order, local_batch, position):
            if windows is not None:
                xt, yt = windows.batch(idx)
            else:
                x, y = dataset.batch(idx)
                xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
            torch.manual_seed(_step_seed(config.seed, dist_info.rank, step))
            with torch.autocast(
                device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None
            ):
                log_probs, targets = pairs(xt, yt)
            data_term = masked_cross_entropy(log_probs.float(), targets)
            # DDP averages gradients over ranks; scaling the data term by the
            # world size makes it the sum over the whole batch, as in one process.
            loss = data_term * dist_info.world_size + config.l2_weight * l2_penalty(model)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            step += 1
            position += 1
            reporter.batch(data_term.detach(), log_probs.detach(), targets)
            if step % config.eval_every == 0 or step >= limit:
                if dist_info.is_main:
                    record: dict[str, Any] = {"step": step, "epoch": epoch, **reporter.flush()}
                    if val_entries:
                        record.update(_validate(model, validation, config, device))
                    accuracy = record.get("val_accuracy", 0.0)
                    if not val_entries or accuracy > best_acc:
                        best_step, best_acc = step, accuracy
                        training = {"config": config.to_dict(), "step": step, **record}
                        save_trained(
                            run / BEST_NAME,
                            model,
                            model_input,
                            seq_len=config.seq_len,
                            extra={**extra, "training": training},
                        )
                    record.update(best_step=best_step, elapsed_s=time.monotonic() - started)
                    done_epoch = position == per_epoch
                    state = {
                        "step": step,
                        "epoch": epoch + 1 if done_epoch else epoch,
                        "position": 0 if done_epoch else position,
                        "best_step": best_step,
                        "best_accuracy": best_acc,
                        "optimizer": encode_optimizer(optimizer.state_dict()),
                        "scaler": scaler.state_dict() if scaler.is_enabled() else None,
                        **identity,
                    }
                    # the log first: a run killed between the two resumes from the older
                    # last.pt and drops the log lines after it, so no line is ever lost
                    append_log(run, record)
                    save_trained(
                        run / LAST_NAME,
                        model,
                        model_input,
                        seq_len=config.seq_len,
                        extra={**extra, "resume": state},
                    )
                    reporter.log(record)
                barrier(dist_info)
            if step >= limit:
                break
        else:
            epoch += 1
            position = 0
    reporter.close()
    logger.info("trained %d steps; best step %d", step, best_step)
    return TrainResult(run, step, best_step, best_acc if val_entries else None)
