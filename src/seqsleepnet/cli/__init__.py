"""Command-line interface: ``seqsleepnet COMMAND``.

The CLI is thin: each command parses its options and calls the library.
Command modules register themselves on the shared :data:`app` when imported.
"""

from __future__ import annotations

import gc

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
    try:
        app()
    finally:
        # the process ends here: without this, the interpreter's last garbage collection
        # walks every object the imports made (scipy, matplotlib, onnxruntime), about a
        # tenth of a cold `stage`
        gc.freeze()
