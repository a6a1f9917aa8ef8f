"""``seqsleepnet models``: list the available sleep-staging models."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seqsleepnet.cli._app import command
from seqsleepnet.models.registry import list_models


@command(
    name="models",
    help=(
        "List the models that can be trained and used for staging, with their parameter "
        "counts (default config, 3 channels) and input kind (tf: time-frequency images, "
        "raw: signal samples).\n\nExample: seqsleepnet models --json"
    ),
)
def models(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
) -> None:
    """Print the model registry as a table or JSON."""
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
