"""Command-line interface: ``seqsleepnet COMMAND``.

The CLI is thin: each command parses its options and calls the library.
Command modules register themselves on the shared :data:`app` when imported.
"""

from __future__ import annotations

from seqsleepnet.cli import (  # noqa: F401  (importing registers the commands)
    compare,
    demo,
    evaluate,
    hypnogram,
    models,
    prepare,
    recording,
    settings,
    stage,
    synth,
    train,
)
from seqsleepnet.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``seqsleepnet`` console script."""
    app()
