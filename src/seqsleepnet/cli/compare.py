"""``seqsleepnet compare``: pooled metrics and paired differences of cross-validations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from seqsleepnet.cli._app import command

__all__ = ["compare"]

_HELP = (
    "Compare finished cross-validation folders ('seqsleepnet cv', the same folds in each): "
    "prints the pooled test metrics of each (accuracy, kappa, macro F1, sensitivity, "
    "specificity, per-stage F1), then the per-subject differences of accuracy, kappa and "
    "macro F1 from the FIRST folder, with a bootstrap 95% confidence interval over "
    "subjects. With --out, writes the tables (Markdown, CSV, JSON) and figures "
    "(per-subject differences; validation accuracy against step of every fold) as one set; "
    "an earlier comparison there is kept unless --overwrite is given.\n\n"
    "Example: seqsleepnet compare cv/seqsleepnet cv/arnn cv/deepsleepnet --out comparison/"
)


@command(name="compare", help=_HELP)
def compare(
    folders: Annotated[
        list[Path], typer.Argument(help="Cross-validation folders; the first is the reference.")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write tables and figures here.")
    ] = None,
    n_boot: Annotated[
        int, typer.Option("--bootstrap", help="Bootstrap resamples of the subjects.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an earlier comparison in --out.")
    ] = False,
) -> None:
    """Compare cross-validations."""
    from seqsleepnet.evaluation.cv_compare import COMPARISON_FILES, compare_cv, write_comparison
    from seqsleepnet.io.output_set import refuse_existing

    if out is not None and not overwrite and out.is_dir():  # before the bootstrap
        refuse_existing(out, "comparison", COMPARISON_FILES)
    comparison = compare_cv(folders, n_boot=n_boot, seed=seed)
    if out is not None:
        write_comparison(comparison, out, overwrite=overwrite)
    if as_json:
        typer.echo(json.dumps(comparison.to_dict()))
        return
    typer.echo(comparison.markdown().rstrip())
    if out is not None:
        typer.echo(f"tables and figures -> {out}")
