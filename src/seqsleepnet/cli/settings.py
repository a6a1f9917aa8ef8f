"""``seqsleepnet preprocessing``: print the preprocessing settings in the file format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from seqsleepnet.cli._app import command


@command(
    name="preprocessing",
    help=(
        "Print the preprocessing settings (channel roles, filters, target rate, epoch "
        "length, STFT) as JSON: the paper's by default, or those of a settings file after "
        "its values are checked. Save the output, change what you need and pass it to "
        "'seqsleepnet prepare --preprocessing FILE'; models trained on that cache keep the "
        "settings in their checkpoint ('seqsleepnet models --checkpoint CKPT' shows them).\n\n"
        "Example: seqsleepnet preprocessing > settings.json"
    ),
)
def preprocessing(
    settings: Annotated[
        Path | None,
        typer.Argument(
            help="Settings file to check and print in full (JSON or TOML).", show_default=False
        ),
    ] = None,
) -> None:
    """Print the default (or a file's) preprocessing as JSON."""
    from seqsleepnet.features.preprocessing import Preprocessing

    prep = Preprocessing.from_file(settings) if settings is not None else Preprocessing()
    typer.echo(json.dumps(prep.to_dict(), indent=2))
