"""Commands that read PSG files: ``info`` and ``features``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from seqsleepnet.cli._app import OverwriteOption, PreprocessingOption, command

PsgFile = Annotated[Path, typer.Argument(help="PSG file (EDF, EDF+ or BDF).", show_default=False)]
EegOption = Annotated[str | None, typer.Option("--eeg", help="EEG channel name to use.")]
EogOption = Annotated[str | None, typer.Option("--eog", help="EOG channel name to use.")]
EmgOption = Annotated[str | None, typer.Option("--emg", help="EMG channel name to use.")]


@command(
    help=(
        "Show a PSG file's channels, sampling rates, duration and the channel each role "
        "(EEG, EOG, EMG) would use. A channel whose rate or unit cannot carry its role is "
        "not given it, and a note says why; --signals also reads the samples and judges "
        "them as 'stage' does (flat, amplitude in the wrong unit, EMG-like EEG).\n\n"
        "Example: seqsleepnet info SC4001E0-PSG.edf --signals --json"
    )
)
def info(
    psg: PsgFile,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    signals: Annotated[
        bool,
        typer.Option("--signals", help="Also judge the role channels' samples (reads them)."),
    ] = False,
) -> None:
    from rich.console import Console
    from rich.table import Table

    from seqsleepnet.io.info import describe_recording

    summary = describe_recording(psg, signals=signals)
    if as_json:
        typer.echo(json.dumps(summary.to_dict()))
        return
    console = Console()
    hours = summary.duration / 3600
    console.print(
        f"[bold]{psg}[/bold]  {summary.kind}, {hours:.2f} h "
        f"({summary.n_epochs} epochs of 30 s), start {summary.start_time or 'unknown'}"
    )
    chosen = {name: role for role, name in summary.roles.items() if name}
    table = Table("channel", "rate (Hz)", "unit", "role")
    for ch in summary.channels:
        table.add_row(ch["name"], f"{ch['sfreq']:g}", ch["unit"], chosen.get(ch["name"], ""))
    console.print(table)
    for note in summary.notes:
        console.print(f"note: {note}", markup=False)
    missing = [role.upper() for role, name in summary.roles.items() if name is None]
    if missing:
        console.print(
            f"no usable channel for: {', '.join(missing)} (name one with --eeg/--eog/--emg)"
        )
    if not signals:
        console.print("signal content not checked; --signals reads and judges it")


@command(
    help=(
        "Compute the paper's features: 30-s epochs -> STFT log-magnitude images "
        "(E, C, 29, 129), written to an .npz file with 'features' (float32), 'onsets' (s), "
        "'channels' and 'roles'. Settings other than the paper's come from a file "
        "(--preprocessing; 'seqsleepnet preprocessing' prints the defaults).\n\n"
        "Example: seqsleepnet features night.edf --out night.npz --roles eeg,eog,emg"
    )
)
def features(
    psg: PsgFile,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .npz file.")],
    roles: Annotated[
        str | None,
        typer.Option(
            "--roles",
            help="Channel roles in order, e.g. 'eeg' or 'eeg,eog,emg' (default: the "
            "preprocessing's, EEG, EOG and EMG).",
        ),
    ] = None,
    eeg: EegOption = None,
    eog: EogOption = None,
    emg: EmgOption = None,
    preprocessing: PreprocessingOption = None,
    no_filter: Annotated[
        bool, typer.Option("--no-filter", help="Skip the band-pass/notch conditioning.")
    ] = False,
    overwrite: OverwriteOption = False,
) -> None:
    import numpy as np

    from seqsleepnet.features.preprocessing import Preprocessing
    from seqsleepnet.io.atomic import atomic_write
    from seqsleepnet.io.channels import parse_roles
    from seqsleepnet.io.output_set import refuse_existing

    if not overwrite:
        refuse_existing(out.parent, "the features", [out.name])

    prep = Preprocessing.from_file(preprocessing) if preprocessing else Preprocessing()
    if roles is not None:
        prep = dataclasses.replace(prep, roles=parse_roles(roles))
    if no_filter:
        prep = dataclasses.replace(
            prep, conditioning=dataclasses.replace(prep.conditioning, enabled=False)
        )
    recording = prep.read(psg, eeg=eeg, eog=eog, emg=emg)
    feats, onsets = prep.model_input(recording, "tf")
    with atomic_write(out, "wb") as handle:
        np.savez(
            handle,
            features=feats,
            onsets=onsets,
            channels=np.array(recording.ch_names),
            roles=np.array(recording.roles),
        )
    typer.echo(f"wrote {out}: features {tuple(feats.shape)} (epochs, channels, frames, bins)")
