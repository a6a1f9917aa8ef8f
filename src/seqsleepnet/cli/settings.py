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
        "length, STFT) as JSON: the paper's by default, those of a settings file after "
        "its values are checked, or those a checkpoint was trained with (--checkpoint). Save "
        "the output, change what you need and pass it to 'seqsleepnet prepare "
        "--preprocessing FILE'; models trained on that cache keep the settings in their "
        "checkpoint ('seqsleepnet models --checkpoint CKPT' shows them).\n\n"
        "Examples: seqsleepnet preprocessing > settings.json; seqsleepnet preprocessing "
        "--checkpoint model.pt > settings.json (to prepare data for 'train --init-from "
        "model.pt')"
    ),
)
def preprocessing(
    settings: Annotated[
        Path | None,
        typer.Argument(
            help="Settings file to check and print in full (JSON or TOML).", show_default=False
        ),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            "-c",
            help="Print the preprocessing of this trained model instead.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the default (or a file's, or a checkpoint's) preprocessing as JSON."""
    from seqsleepnet.errors import ConfigError
    from seqsleepnet.features.preprocessing import Preprocessing

    if settings is not None and checkpoint is not None:
        raise ConfigError("give a settings file or --checkpoint, not both")
    if checkpoint is not None:
        from seqsleepnet.models.checkpoint import load_trained

        prep = load_trained(checkpoint)[1].preprocessing
    else:
        prep = Preprocessing.from_file(settings) if settings is not None else Preprocessing()
    typer.echo(json.dumps(prep.to_dict(), indent=2))
