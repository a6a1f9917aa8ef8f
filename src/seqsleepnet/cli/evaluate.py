"""``seqsleepnet evaluate``: agreement of predicted with expert hypnograms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from seqsleepnet.cli._app import QuietOption, command

__all__ = ["evaluate"]

_HELP = (
    "Compare predicted with true (expert) hypnograms: two files, or two folders paired by "
    "file stem or by the datasets' naming (any format 'seqsleepnet hypnogram' reads). Epochs "
    "are matched by clock time (each file's recording start plus its onsets) and only the "
    "overlap is compared, with a note saying how much was cropped; a file without start time "
    "is matched epoch by epoch only when both have the same number of epochs. Unscored epochs "
    "are left out, and a night with no epoch scored by both is reported as nothing "
    "comparable.\n\n"
    "Prints one line per night (accuracy, kappa), then the metrics pooled over the nights "
    "(accuracy, kappa, macro F1, sensitivity, specificity, F1 per stage) with bootstrap 95% "
    "confidence intervals over nights, the confusion matrix (epochs and % of the expert "
    "stage), the agreement next to expert stage changes and elsewhere, and the Bland-Altman "
    "agreement (bias, 95% limits of agreement, proportional bias) of TST, SE, WASO, SOL, REM "
    "latency and the minutes of each stage over nights.\n\n"
    "--wake-trim-min 30 applies the Sleep-EDF convention of the literature (SeqSleepNet, "
    "DeepSleepNet, U-Time): only the epochs from 30 minutes before the expert's first sleep "
    "epoch to 30 minutes after the last are compared.\n\n"
    "With --out DIR: summary.json (what --json prints), nights.csv (metrics and statistics "
    "per night), nights/NIGHT.csv (the epoch-by-epoch pairs), confusion.csv, "
    "bland_altman.csv and agreement.html (one self-contained page with the "
    "confusion-matrix and Bland-Altman plots).\n\n"
    "Example: seqsleepnet evaluate --true expert/ --pred results/ --wake-trim-min 30 "
    "--out agreement/"
)


@command(name="evaluate", help=_HELP)
def evaluate(
    true: Annotated[Path, typer.Option("--true", "-t", help="True hypnogram file or folder.")],
    pred: Annotated[Path, typer.Option("--pred", "-p", help="Predicted hypnogram file or folder.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the tables, epoch pairs and HTML page here."),
    ] = None,
    wake_trim_min: Annotated[
        float | None,
        typer.Option(
            "--wake-trim-min",
            help="Keep only this many minutes of wake before the expert's sleep onset and "
            "after its last sleep epoch (Sleep-EDF convention: 30).",
            show_default=False,
        ),
    ] = None,
    n_boot: Annotated[
        int, typer.Option("--bootstrap", help="Bootstrap resamples of the nights.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON only (no progress).")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Score predicted hypnograms against true ones."""
    from seqsleepnet.evaluation.agreement_tables import summary_markdown
    from seqsleepnet.evaluation.cohort_agreement import evaluate_agreement

    cohort = evaluate_agreement(
        true,
        pred,
        wake_trim_min=wake_trim_min,
        n_boot=n_boot,
        seed=seed,
        progress=not (quiet or as_json),
    )
    if out is not None:
        from seqsleepnet.report.evaluation_outputs import write_evaluation

        write_evaluation(cohort, out)
    for night in cohort.nights:  # on stderr, also with --json (stdout holds the JSON only)
        alignment = night.comparison.alignment
        if alignment.cropped or not alignment.by_clock:
            typer.echo(f"note: {alignment.note}", err=True)
    if as_json:
        typer.echo(json.dumps(cohort.to_dict()))
        return
    for night in cohort.nights:
        typer.echo(night.line())
    typer.echo("")
    typer.echo(summary_markdown(cohort))
    if out is not None:
        typer.echo(f"\ntables, epoch pairs and agreement.html -> {out}")
