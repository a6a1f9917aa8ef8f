"""``seqsleepnet train``, ``cv`` and ``cv-summary``: training and cross-validation."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from seqsleepnet.cli._app import QuietOption, command
from seqsleepnet.errors import ConfigError

__all__ = ["cv", "cv_summary", "train"]

logger = logging.getLogger(__name__)

Epochs = Annotated[int, typer.Option("--epochs", help="Passes over the training windows.")]
BatchSize = Annotated[int, typer.Option("--batch-size", help="Sequences per step (all processes).")]
SeqLen = Annotated[int, typer.Option("--seq-len", "-L", help="Epochs per sequence L.")]
Lr = Annotated[float, typer.Option("--lr", help="Adam learning rate.")]
FineTuneLr = Annotated[
    float | None,
    typer.Option(
        "--lr",
        help="Adam learning rate; default 1e-4, or 2e-5 when fine-tuning with --init-from.",
        show_default=False,
    ),
]
L2 = Annotated[float, typer.Option("--l2", help="L2 weight (all weights but the filterbank).")]
EvalEvery = Annotated[int, typer.Option("--eval-every", help="Steps between validations.")]
MaxSteps = Annotated[int | None, typer.Option("--max-steps", help="Stop after this many steps.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of weights, shuffling and dropout.")]
Device = Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")]
Precision = Annotated[
    str,
    typer.Option(
        "--precision",
        help="auto, fp32, bf16 or fp16. auto: bf16 or fp16 autocast on CUDA, float32 on CPU. "
        "bf16 on a CPU with bf16 instructions (AVX512-BF16, AMX): opt-in autocast, about "
        "1.6x faster steps with other numerics (see BENCHMARKS.md). fp16: CUDA only.",
    ),
]
Cell = Annotated[str | None, typer.Option("--cell", help="Recurrent cell: gru, bn-gru, bn-lstm.")]
ModelSet = Annotated[
    list[str] | None,
    typer.Option("--set", help="Model config override KEY=VALUE (repeatable), e.g. dropout=0.1."),
]
Threads = Annotated[int | None, typer.Option("--threads", help="Torch CPU threads per process.")]
ModelName = Annotated[
    str, typer.Option("--model", "-m", help="Model to train; 'seqsleepnet models' lists them.")
]


def _model_config(model: str, cell: str | None, settings: list[str] | None) -> dict[str, Any]:
    """The ``--set KEY=VALUE`` and ``--cell`` options of ``model``, validated (JSON values)."""
    from seqsleepnet.models.registry import check_model_config

    config: dict[str, Any] = {}
    for item in settings or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. --set dropout=0.1")
        try:
            config[key.strip()] = json.loads(raw)
        except ValueError:
            config[key.strip()] = raw
    if cell is not None:
        config["cell"] = cell
    return check_model_config(model, config)


def _json_metrics(metrics: Any) -> str:
    return json.dumps(metrics.to_dict())


_TRAIN_HELP = (
    "Train a model on a prepared dataset with the paper's protocol (Adam 1e-4, batch 32, "
    "L=20, 10 epochs, validation every 100 steps, best step kept as RUN/best.pt). Under "
    "'torchrun --nproc_per_node N' the same command trains with DistributedDataParallel.\n\n"
    "Fine-tuning: --init-from CKPT starts from a checkpoint's weights and model (the cache "
    "must have its preprocessing), refits the normaliser on the new recordings unless "
    "--keep-normalizer, trains at a lower default learning rate (2e-5) and, with "
    "--freeze-encoder, only the sequence part.\n\n"
    "Examples: seqsleepnet train --data cache/ --model seqsleepnet --out runs/ssn "
    "--val-subjects 2; seqsleepnet train --resume runs/ssn; seqsleepnet train --data lab/ "
    "--init-from runs/ssn/best.pt --out runs/lab --epochs 3"
)


@command(name="train", help=_TRAIN_HELP)
def train(
    ctx: typer.Context,
    data: Annotated[
        Path | None, typer.Option("--data", "-d", help="Prepared cache folder.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Run folder to create.")] = None,
    resume: Annotated[
        Path | None, typer.Option("--resume", help="Continue the run in this folder.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Model to train ('seqsleepnet models' lists them); default seqsleepnet, or "
            "the model of --init-from.",
            show_default=False,
        ),
    ] = None,
    init_from: Annotated[
        Path | None,
        typer.Option("--init-from", help="Fine-tune: start from this checkpoint's weights."),
    ] = None,
    keep_normalizer: Annotated[
        bool,
        typer.Option(
            "--keep-normalizer",
            help="Fine-tuning: keep the checkpoint's normaliser (default: refit it on the new "
            "training recordings).",
        ),
    ] = False,
    freeze_encoder: Annotated[
        bool,
        typer.Option(
            "--freeze-encoder",
            help="Fine-tuning: train the sequence part only, not the epoch encoder.",
        ),
    ] = False,
    val_subjects: Annotated[
        str | None,
        typer.Option(
            "--val-subjects",
            help="Validation subjects: ids 'S01,S02' (one id with a trailing comma: '02,'), "
            "or a number of them picked with the seed; 0 for none. A number that is also a "
            "subject id (Sleep-EDF ids are digits) is refused as ambiguous. Default: 5% of "
            "the subjects, at least 1.",
        ),
    ] = None,
    epochs: Epochs = 10,
    batch_size: BatchSize = 32,
    seq_len: SeqLen = 20,
    lr: FineTuneLr = None,
    l2: L2 = 1e-3,
    eval_every: EvalEvery = 100,
    max_steps: MaxSteps = None,
    seed: Seed = 0,
    device: Device = "auto",
    precision: Precision = "auto",
    cell: Cell = None,
    settings: ModelSet = None,
    threads: Threads = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Start over in an --out folder that holds a run.")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Train one model."""
    from seqsleepnet.data.cache import load_manifest
    from seqsleepnet.training.config import FREE_ON_RESUME, TrainConfig
    from seqsleepnet.training.loop import train as run_training
    from seqsleepnet.training.selection import parse_val_subjects, subjects_of
    from seqsleepnet.training.state import refuse_existing_run

    if resume is not None:
        given = {  # options typed on the command line besides --resume
            name
            for name in ctx.params
            if getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"
        } - {"resume", "quiet"}
        kept = sorted(given - FREE_ON_RESUME)
        if kept:
            free = sorted(FREE_ON_RESUME & set(ctx.params))
            raise ConfigError(
                f"--resume continues {resume} with the settings in its config.json; "
                f"{', '.join('--' + k.replace('_', '-') for k in kept)} cannot change a run "
                f"(only {', '.join('--' + k.replace('_', '-') for k in free)} can); leave "
                "them out, or start a new run with --out"
            )
        saved = TrainConfig.load(resume)
        changes = {name: ctx.params[name] for name in given}
        config = TrainConfig(**{**saved.to_dict(), **changes}) if changes else saved
        result = run_training(config, resume, resume=True, progress=not quiet)
    else:
        if data is None or out is None:
            raise ConfigError("give --data CACHE and --out RUN (or --resume RUN)")
        if not overwrite:
            refuse_existing_run(out)
        if model is None and init_from is not None:
            from seqsleepnet.models.checkpoint import load_checkpoint

            model = load_checkpoint(init_from)[0].name
        model = model or "seqsleepnet"
        model_config = _model_config(model, cell, settings)  # before any data is read
        subjects = subjects_of(load_manifest(data)[0])
        chosen = parse_val_subjects(val_subjects, subjects, seed)
        config = TrainConfig(
            data=str(data),
            model=model,
            model_config=model_config,
            seq_len=seq_len,
            batch_size=batch_size,
            epochs=epochs,
            lr=lr,
            l2_weight=l2,
            eval_every=eval_every,
            max_steps=max_steps,
            val_subjects=chosen,
            seed=seed,
            device=device,  # type: ignore[arg-type]
            precision=precision,  # type: ignore[arg-type]
            threads=threads,
            init_from=None if init_from is None else str(init_from),
            normalizer="keep" if keep_normalizer else "refit",
            freeze_encoder=freeze_encoder,
        )
        result = run_training(config, out, progress=not quiet)
    if os.environ.get("RANK", "0") != "0":
        return  # under torchrun only rank 0 reports
    accuracy = "n/a" if result.best_accuracy is None else f"{result.best_accuracy:.4f}"
    typer.echo(
        f"{result.steps} steps; best step {result.best_step} (validation accuracy "
        f"{accuracy}) -> {result.run / 'best.pt'}"
    )


_CV_HELP = (
    "Subject-wise cross-validation: K folds of test, validation and training subjects (both "
    "nights of a subject together), written to CV/folds.json. Without --fold all folds run one "
    "after another; --fold k runs one (folds can run on different machines). Each fold writes "
    "CV/fold-k/run/ and CV/fold-k/predictions.npz; pool them with 'seqsleepnet cv-summary CV'. "
    "Folds are pooled, so folds.json records the data (by content) and the training settings "
    "that change results; a fold run with other ones is refused."
    "\n\nExample: seqsleepnet cv --data cache/ --folds 20 --out cv/ --fold 3"
)


@command(name="cv", help=_CV_HELP)
def cv(
    data: Annotated[Path, typer.Option("--data", "-d", help="Prepared cache folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Cross-validation folder.")],
    folds: Annotated[int, typer.Option("--folds", "-k", help="Number of folds K.")] = 20,
    fold: Annotated[int | None, typer.Option("--fold", help="Run only fold k (0..K-1).")] = None,
    val_subjects: Annotated[
        int,
        typer.Option(
            "--val-subjects",
            help="NUMBER of validation subjects per fold (the folds choose them).",
        ),
    ] = 1,
    model: ModelName = "seqsleepnet",
    epochs: Epochs = 10,
    batch_size: BatchSize = 32,
    seq_len: SeqLen = 20,
    lr: Lr = 1e-4,
    l2: L2 = 1e-3,
    eval_every: EvalEvery = 100,
    max_steps: MaxSteps = None,
    seed: Seed = 0,
    device: Device = "auto",
    precision: Precision = "auto",
    cell: Cell = None,
    settings: ModelSet = None,
    threads: Threads = None,
    quiet: QuietOption = False,
) -> None:
    """Run cross-validation folds."""
    from seqsleepnet.training.config import TrainConfig
    from seqsleepnet.training.cross_validation import prepare_folds, run_fold

    model_config = _model_config(model, cell, settings)  # before folds are written
    base = TrainConfig(
        data=str(data),
        model=model,
        model_config=model_config,
        seq_len=seq_len,
        batch_size=batch_size,
        epochs=epochs,
        lr=lr,
        l2_weight=l2,
        eval_every=eval_every,
        max_steps=max_steps,
        seed=seed,
        device=device,  # type: ignore[arg-type]
        precision=precision,  # type: ignore[arg-type]
        threads=threads,
    )
    fold_list = prepare_folds(out, data, folds, val_subjects, seed, config=base)
    indices = [f.index for f in fold_list] if fold is None else [fold]
    for index in indices:
        target = run_fold(out, index, base, progress=not quiet)
        typer.echo(f"fold {index}: {target}")


@command(
    name="cv-summary",
    help=(
        "Pool the test predictions of all folds of a cross-validation folder: writes "
        "metrics.json, summary.md (printed), confusion.png and per_subject.tsv.\n\n"
        "Example: seqsleepnet cv-summary cv/ --json"
    ),
)
def cv_summary(
    folder: Annotated[Path, typer.Argument(help="Cross-validation folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Summarise cross-validation folds."""
    from seqsleepnet.training.cv_summary import summarize_cv

    summary = summarize_cv(folder)
    typer.echo(_json_metrics(summary.metrics) if as_json else summary.table.rstrip())


if __name__ == "__main__":  # pragma: no cover - `python -m seqsleepnet.cli.train ...`
    from seqsleepnet.cli._app import app

    app()
