"""The ``demo`` command: one synthetic night, staged end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqsleepnet.cli._app import command


@command(
    help=(
        "Run the demonstration: synthesise a night from a real Sleep-EDF expert hypnogram "
        "(a subject the bundled model never trained on), show its channels, write its "
        "features, stage it and write the report. Figures are on synthetic signals, not a "
        "clinical accuracy.\n\nExample: seqsleepnet demo --out demo-output"
    )
)
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("demo-output"),
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an earlier demo in --out.")
    ] = False,
) -> None:
    from seqsleepnet.demo import run_demo

    outcome = run_demo(out, overwrite=overwrite, say=typer.echo)
    staged = outcome.staging
    for line in staged.quality or [
        "nothing flagged (input distribution, hypnogram, confidence, channels, signal, recording)"
    ]:
        typer.echo(f"quality: {line}")
    typer.echo(f"report: {staged.outputs['.html']}")
    typer.echo(f"hypnogram: {staged.outputs['.hypnogram.tsv']}")
    if staged.agreement is not None:
        typer.echo(
            f"agreement with the true hypnogram: {100 * staged.agreement:.1f}% "
            f"(Cohen's kappa {staged.kappa:.2f}; synthetic signals, demonstration model)"
        )
