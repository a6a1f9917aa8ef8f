"""Training settings: the paper's protocol by default, every value overridable."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from seqsleepnet.errors import ConfigError, FileFormatError, check_option
from seqsleepnet.io.atomic import atomic_write

__all__ = [
    "CONFIG_NAME",
    "FINE_TUNE_LR",
    "FREE_ON_RESUME",
    "PAPER_LR",
    "RUN_ENVIRONMENT",
    "SUBJECT_SETTINGS",
    "TrainConfig",
    "read_run_id",
]

CONFIG_NAME = "config.json"
RUN_ID_KEY = "run_id"
"""Key of ``config.json`` (beside the settings) naming the run that wrote it; ``last.pt``
records the same id, so that a resume can tell its state belongs to this config."""
RUN_ENVIRONMENT = frozenset({"device", "threads", "eval_batch_size"})
"""Settings of where and how fast a run computes: they do not change the weights a step computes."""
SUBJECT_SETTINGS = frozenset({"val_subjects", "train_subjects", "exclude_subjects"})
"""Settings that choose the subjects (a cross-validation fold sets them)."""
FREE_ON_RESUME = RUN_ENVIRONMENT | {"max_steps"}
"""Settings a resumed run may change: :data:`RUN_ENVIRONMENT`, and the step budget.
``max_steps`` may change too, to extend (or cut) a run's budget: there is no schedule that
depends on it, and windows and dropout are seeded per epoch and step, so the steps after
the old limit are the ones an uninterrupted run with the new limit takes (the old limit's
last step was validated once more, which may only have added a ``best.pt`` candidate)."""
Precision = Literal["auto", "fp32", "bf16", "fp16"]
PAPER_LR = 1e-4
"""Adam learning rate of the paper's protocol."""
FINE_TUNE_LR = 2e-5
"""Default learning rate when fine-tuning a checkpoint (``init_from``): a fifth of the paper's,
so that a few nights adjust the weights without overwriting what they learned."""


@dataclass
class TrainConfig:
    """Settings of one training run (saved as ``RUN/config.json``).

    Attributes
    ----------
    data : str
        Prepared cache folder (see :mod:`seqsleepnet.data.cache`).
    model : str
        Registry name (``seqsleepnet``, ``arnn``, ``multitask-arnn``, ``deepsleepnet``).
    model_config : dict
        Overrides of the model's config dataclass (e.g. ``{"cell": "bn-lstm"}``).
        ``channels`` is taken from the data and, for models with a
        ``seq_len`` field, ``seq_len`` from :attr:`seq_len` unless given here.
    seq_len : int
        Epochs per training sequence L (20).
    batch_size : int
        Sequences per step (32), over all processes together.
    epochs : int
        Passes over the training windows (10). Every pass is shuffled anew
        and keeps its last, smaller batch.
    lr : float or None
        Adam learning rate; None: :data:`PAPER_LR` (1e-4), or
        :data:`FINE_TUNE_LR` (2e-5) when fine-tuning (``init_from``).
    l2_weight : float
        Weight of the L2 term on all weights but the filterbank (1e-3).
    eval_every : int
        Steps between validations (100); ``last.pt`` is written at each.
    max_steps : int or None
        Stop after this many steps (None: after ``epochs``).
    val_subjects : list of str
        Subjects whose recordings validate; empty: no validation and the
        final weights become ``best.pt``.
    train_subjects : list of str or None
        Subjects to train on; None: all subjects not in ``val_subjects``
        (or ``exclude_subjects``).
    exclude_subjects : list of str
        Subjects never used (e.g. a cross-validation fold's test subjects).
    seed : int
        Seeds the weights, the shuffling and dropout.
    device : {"auto", "cpu", "cuda"}
        ``auto``: CUDA when available.
    precision : {"auto", "fp32", "bf16", "fp16"}
        Autocast on CUDA (``auto``: bf16 if supported, else fp16). On CPU
        ``auto`` and ``fp32`` train in float32; ``bf16`` is an opt-in
        autocast for CPUs with bf16 instructions (faster, other numerics;
        see :mod:`seqsleepnet.training.precision`); ``fp16`` is CUDA only.
    eval_batch_size : int
        Windows per forward pass at validation.
    threads : int or None
        Torch CPU threads per process (None: leave torch's default).
    init_from : str or None
        Checkpoint to fine-tune: training starts from its weights and model
        config (``model`` and ``model_config`` must agree with it or be left
        at their defaults), and the cache must have its preprocessing.
    normalizer : {"refit", "keep"}
        When fine-tuning: fit the normaliser on the new training recordings
        (``refit``) or keep the checkpoint's (``keep``).
    freeze_encoder : bool
        When fine-tuning: train only the sequence part, not the epoch encoder
        (models with a separable epoch encoder).
    """

    data: str = ""
    model: str = "seqsleepnet"
    model_config: dict[str, Any] = field(default_factory=dict)
    seq_len: int = 20
    batch_size: int = 32
    epochs: int = 10
    lr: float | None = None
    l2_weight: float = 1e-3
    eval_every: int = 100
    max_steps: int | None = None
    val_subjects: list[str] = field(default_factory=list)
    train_subjects: list[str] | None = None
    exclude_subjects: list[str] = field(default_factory=list)
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Precision = "auto"
    eval_batch_size: int = 64
    threads: int | None = None
    init_from: str | None = None
    normalizer: Literal["refit", "keep"] = "refit"
    freeze_encoder: bool = False

    def __post_init__(self) -> None:
        if self.lr is None:
            self.lr = FINE_TUNE_LR if self.init_from else PAPER_LR
        for name in ("seq_len", "batch_size", "epochs", "eval_every", "eval_batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}={value!r} must be a whole number >= 1")
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError(f"max_steps={self.max_steps!r} must be >= 1 or None")
        if not self.learning_rate > 0:
            raise ConfigError(f"lr={self.lr!r} must be positive")
        check_option("normalizer", self.normalizer, ("refit", "keep"))
        if self.init_from is None and (self.freeze_encoder or self.normalizer != "refit"):
            raise ConfigError(
                "freeze_encoder and normalizer='keep' apply to fine-tuning only; give "
                "init_from (--init-from CKPT) or leave them out"
            )
        if self.l2_weight < 0:
            raise ConfigError(f"l2_weight={self.l2_weight!r} must be >= 0")
        check_option("device", self.device, ("auto", "cpu", "cuda"))
        check_option("precision", self.precision, get_args(Precision))
        if self.threads is not None and self.threads < 1:
            raise ConfigError(f"threads={self.threads!r} must be >= 1")
        overlap = set(self.val_subjects) & set(self.train_subjects or [])
        if overlap:
            raise ConfigError(f"subjects {sorted(overlap)} are in both training and validation")

    @property
    def learning_rate(self) -> float:
        """The Adam learning rate in use (``lr`` with its default resolved)."""
        return float(PAPER_LR if self.lr is None else self.lr)

    def training_differences(self, saved: TrainConfig) -> dict[str, tuple[Any, Any]]:
        """Settings outside :data:`FREE_ON_RESUME` that differ from ``saved``'s.

        Returns
        -------
        dict
            ``{name: (saved value, this value)}``; paths (``data``, ``init_from``)
            count as equal when they name the same file or folder.
        """
        differ: dict[str, tuple[Any, Any]] = {}
        for f in dataclasses.fields(self):
            if f.name in FREE_ON_RESUME:
                continue
            old, new = getattr(saved, f.name), getattr(self, f.name)
            if f.name in ("data", "init_from") and old is not None and new is not None:
                same = Path(old).resolve() == Path(new).resolve()
            elif f.name == "lr":
                same = saved.learning_rate == self.learning_rate
            else:
                same = old == new
            if not same:
                differ[f.name] = (old, new)
        return differ

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON and checkpoints."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise :class:`ConfigError`."""
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ConfigError(f"unknown training option(s) {unknown}; allowed: {sorted(allowed)}")
        return cls(**values)

    def save(self, folder: Path, run_id: str | None = None) -> Path:
        """Write ``folder/config.json`` atomically.

        ``run_id`` names the run (see :data:`RUN_ID_KEY`); None keeps the id
        the file already has, if any.
        """
        target = Path(folder) / CONFIG_NAME
        run_id = run_id if run_id is not None else read_run_id(folder)
        values = self.to_dict() if run_id is None else {**self.to_dict(), RUN_ID_KEY: run_id}
        with atomic_write(target) as handle:
            json.dump(values, handle, indent=1)
        return target

    @classmethod
    def load(cls, folder: Path) -> TrainConfig:
        """Read ``folder/config.json``.

        Raises
        ------
        FileFormatError
            If the file is missing or not a training config.
        """
        path = Path(folder) / CONFIG_NAME
        if not path.is_file():
            raise FileFormatError(path, "no training config", "give a folder made by 'train'")
        try:
            values = json.loads(path.read_text())
        except ValueError as error:
            raise FileFormatError(path, f"not valid JSON ({error})") from error
        if not isinstance(values, dict):
            raise FileFormatError(path, "not a training config (expected a JSON object)")
        values.pop(RUN_ID_KEY, None)
        return cls.from_dict(values)


def read_run_id(folder: Path) -> str | None:
    """The run id in ``folder/config.json``; None without one (or without a readable file)."""
    path = Path(folder) / CONFIG_NAME
    try:
        values = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    run_id = values.get(RUN_ID_KEY) if isinstance(values, dict) else None
    return str(run_id) if run_id is not None else None
