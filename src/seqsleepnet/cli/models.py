"""``seqsleepnet models``: list the available models, or describe one checkpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from seqsleepnet.cli._app import command


@command(
    name="models",
    help=(
        "List the models that can be trained and used for staging, with their parameter "
        "counts (default config, 3 channels) and input kind (tf: time-frequency images, "
        "raw: signal samples). With --checkpoint, describe one trained model instead: its "
        "preprocessing (what 'stage' applies to every recording), model config and "
        "training data.\n\n"
        "Examples: seqsleepnet models --json; seqsleepnet models --checkpoint run/best.pt"
    ),
)
def models(
    checkpoint: Annotated[
        Path | None,
        typer.Option("--checkpoint", "-c", help="A checkpoint to describe.", show_default=False),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
) -> None:
    """Print the model registry, or one checkpoint, as a table or JSON."""
    from rich.console import Console
    from rich.table import Table

    from seqsleepnet.models.registry import list_models

    if checkpoint is not None:
        _describe_checkpoint(checkpoint, as_json)
        return
    entries = list_models()
    if as_json:
        rows = [{k: e[k] for k in ("name", "parameters", "input")} for e in entries]
        typer.echo(json.dumps({"models": rows}))
        return
    table = Table(title="seqsleepnet models")
    table.add_column("name")
    table.add_column("parameters", justify="right")
    table.add_column("input")
    table.add_column("description")
    for e in entries:
        table.add_row(e["name"], f"{e['parameters']:,}", e["input"], e["description"])
    Console().print(table)


def _describe_checkpoint(path: Path, as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from seqsleepnet.models.checkpoint import load_trained
    from seqsleepnet.models.registry import count_parameters

    model, model_input, extra = load_trained(path)
    training = extra.get("training") or {}
    config = training.get("config") or {}
    summary: dict[str, Any] = {
        "checkpoint": str(path),
        "model": model.name,
        "parameters": count_parameters(model),
        "model_config": model.config.to_dict(),
        "preprocessing": model_input.preprocessing.to_dict(),
        "input_kind": model_input.kind,
        "seq_len": extra["seq_len"],
        "training": {
            "data": config.get("data"),
            "channels": extra.get("channels"),
            "recordings": extra.get("recordings"),
            "step": training.get("step"),
            "val_accuracy": training.get("val_accuracy"),
        },
    }
    if as_json:
        typer.echo(json.dumps(summary))
        return
    console = Console()
    table = Table(title=f"{path}", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row(
        "model", f"{model.name} ({summary['parameters']:,} parameters), L = {extra['seq_len']}"
    )
    table.add_row("preprocessing", model_input.preprocessing.describe())
    for section, values in model_input.preprocessing.to_dict().items():
        if isinstance(values, dict):
            text = ", ".join(f"{k}={v}" for k, v in values.items())
        else:
            text = ", ".join(values)
        table.add_row(f"  {section}", text)
    table.add_row("model config", ", ".join(f"{k}={v}" for k, v in model.config.to_dict().items()))
    trained = summary["training"]
    table.add_row(
        "training data",
        f"{trained['data']} ({trained['recordings'] or '?'} recordings; channels "
        f"{trained['channels']}); best step {trained['step']}, validation accuracy "
        f"{trained['val_accuracy']}",
    )
    console.print(table)
