"""``seqsleepnet synth`` and ``seqsleepnet cohort``: write synthetic PSG as EDF files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqsleepnet.cli._app import QuietOption, command
from seqsleepnet.data.synthetic.layouts import LAYOUTS
from seqsleepnet.errors import check_option
from seqsleepnet.io.hypnogram import read_hypnogram

__all__ = ["cohort", "synth"]

_LAYOUT_HELP = f"Dataset layout: {', '.join(LAYOUTS)}."

_SYNTH_HELP = (
    "Generate a synthetic night (EEG, EOG, chin EMG) that follows a hypnogram, and write it "
    "as a PSG EDF plus a hypnogram file in a dataset's layout (channel names, rates, file "
    "names). Prints the two paths.\n\n"
    "Example: seqsleepnet synth --hypnogram SC4001EC-Hypnogram.edf --out synth/ --layout mass "
    "--seed 3"
)

_COHORT_HELP = (
    "Write a synthetic cohort: one night per packaged Sleep-EDF hypnogram (39 nights, 20 "
    "subjects; a subject's nights share one synthetic sleeper), trimmed to the in-bed period. "
    "Prints the two paths of each night.\n\n"
    "Example: seqsleepnet cohort --out cohort/ --layout sleep-edf --seed 0 --jobs 2"
)


RandomiseOption = Annotated[
    bool,
    typer.Option(
        "--randomise",
        help="Domain randomisation: record each night under its own gain (0.3-3x), spectral "
        "tilt and band powers, mains (50/60 Hz), electrode pops, filters and jittered stage "
        "signatures (seeded).",
    ),
]


def _check_layout(layout: str) -> None:
    check_option("--layout", layout, LAYOUTS)


@command(name="synth", help=_SYNTH_HELP)
def synth(
    hypnogram: Annotated[Path, typer.Option("--hypnogram", help="Hypnogram file to follow.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    layout: Annotated[str, typer.Option("--layout", help=_LAYOUT_HELP)] = "sleep-edf",
    subject: Annotated[int, typer.Option("--subject", help="Subject number (0-99).")] = 0,
    night: Annotated[int, typer.Option("--night", help="Night number (1-9).")] = 1,
    in_bed: Annotated[
        bool, typer.Option("--in-bed", help="Keep 30 min before/after the sleep period only.")
    ] = False,
    randomise: RandomiseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write one synthetic night."""
    from seqsleepnet.data.synthetic.files import write_synthetic_night

    _check_layout(layout)
    hyp = read_hypnogram(hypnogram)
    if in_bed:
        hyp = hyp.in_bed(30.0)
    files = write_synthetic_night(
        hyp,
        out,
        layout=layout,
        seed=seed,
        subject=subject,
        night=night,
        progress=not quiet,
        randomise=randomise,
    )
    typer.echo(str(files.psg))
    typer.echo(str(files.hypnogram))


@command(name="cohort", help=_COHORT_HELP)
def cohort(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    layout: Annotated[str, typer.Option("--layout", help=_LAYOUT_HELP)] = "sleep-edf",
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    hypnograms: Annotated[
        Path | None,
        typer.Option(
            "--hypnograms",
            help="Folder of SC4ssNEx-Hypnogram.edf files (default: the packaged ones).",
        ),
    ] = None,
    randomise: RandomiseOption = False,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", min=1, help="Nights written in parallel (same files)."),
    ] = 1,
    quiet: QuietOption = False,
) -> None:
    """Write the synthetic cohort."""
    from seqsleepnet.data.synthetic.cohort import build_cohort, packaged_hypnograms

    _check_layout(layout)
    written = build_cohort(
        hypnograms or packaged_hypnograms(),
        out,
        layout=layout,
        seed=seed,
        progress=not quiet,
        randomise=randomise,
        jobs=jobs,
    )
    for files in written:
        typer.echo(f"{files.psg}\t{files.hypnogram}")
