"""``seqsleepnet hypnogram``: read a hypnogram of any format, summarise or convert it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from seqsleepnet.cli._app import OverwriteOption, command
from seqsleepnet.io.hypnogram import (
    HYPNOGRAM_FORMATS,
    HYPNOGRAM_SUFFIXES,
    read_hypnogram,
    write_hypnogram,
)

if TYPE_CHECKING:
    from rich.table import Table

    from seqsleepnet.hypnogram import Hypnogram

__all__ = ["hypnogram"]

_HELP = (
    "Read a hypnogram (EDF+, TSV, CSV, NSRR XML, YASA text; ISRUC-Sleep with --format isruc) "
    "and print a summary, or convert it with --out to the format of the output's extension "
    "(TSV if it has none).\n\n"
    "Example: seqsleepnet hypnogram SC4001EC-Hypnogram.edf --in-bed --out SC4001.hypnogram.tsv"
)


def _clock(seconds: float) -> str:
    minutes = round(seconds / 60.0)
    return f"{minutes // 60}h{minutes % 60:02d}"


def _describe(hyp: Hypnogram) -> str:
    text = (
        f"{hyp.n_epochs} epochs of {hyp.epoch_length:g} s ({_clock(hyp.duration)}), "
        f"first epoch at {hyp.onset:g} s"
    )
    if hyp.start_time is not None:
        text += f", recording start {hyp.start_time:%Y-%m-%d %H:%M:%S}"
    return text


def _table(hyp: Hypnogram) -> Table:
    from rich.table import Table

    total = max(hyp.n_epochs, 1)
    table = Table()
    table.add_column("stage")
    table.add_column("epochs", justify="right")
    table.add_column("minutes", justify="right")
    table.add_column("%", justify="right")
    for name, count in hyp.counts().items():
        table.add_row(
            name,
            str(count),
            f"{count * hyp.epoch_length / 60:.1f}",
            f"{100.0 * count / total:.1f}",
        )
    return table


@command(name="hypnogram", help=_HELP)
def hypnogram(
    file: Annotated[Path, typer.Argument(help="Hypnogram file to read.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help=f"Write per-epoch stages here ({' '.join(HYPNOGRAM_SUFFIXES)}).",
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help=f"Input format ({', '.join(HYPNOGRAM_FORMATS)}); default: extension.",
        ),
    ] = None,
    in_bed: Annotated[
        bool,
        typer.Option(
            "--in-bed", help="Keep 30 min before the first to 30 min after the last sleep epoch."
        ),
    ] = False,
    overwrite: OverwriteOption = False,
) -> None:
    """Summarise or convert a hypnogram."""
    if out is not None and not overwrite:
        from seqsleepnet.io.output_set import refuse_existing

        refuse_existing(out.parent, "the conversion", [out.name])
    hyp = read_hypnogram(file, format=format)
    if in_bed:
        hyp = hyp.in_bed()
    if out is None:
        from rich.console import Console

        console = Console(highlight=False, markup=False)
        console.print(f"{file}", soft_wrap=True)
        console.print(_describe(hyp), soft_wrap=True)
        console.print(_table(hyp))
        return
    written = write_hypnogram(hyp, out, format=None if out.suffix else "tsv")
    typer.echo(f"wrote {written} ({hyp.n_epochs} epochs)")
