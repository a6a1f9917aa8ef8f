"""``seqsleepnet prepare``: build a training cache from a dataset folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqsleepnet.cli._app import PreprocessingOption, command
from seqsleepnet.data.sources import SOURCES, get_source
from seqsleepnet.errors import ConfigError

_HELP = (
    "Prepare a dataset for training: pair each PSG with its hypnogram, compute the "
    "features (E, C, 29, 129) and 30-s epochs, and write one <recording>.npz per "
    "recording plus manifest.json into the cache folder. Recordings that fail are "
    "reported and skipped (exit status 1 at the end); a rerun skips recordings "
    "already prepared with the same settings, so an interrupted run resumes.\n\n"
    "Sources: folder (<stem>.edf + <stem>.tsv|csv|txt|xml or <stem>-hypnogram.*, "
    "or a CSV manifest psg,hypnogram,subject[,night] as --input), sleep-edf, mass, shhs, "
    "isruc (<s>/<s>.rec + <s>/<s>_1.txt, scorer 1).\n\n"
    "On a cluster, run one job per shard (--shard 1/4 ... --shard 4/4) into the same "
    "cache, then 'seqsleepnet prepare --merge --out CACHE'.\n\n"
    "The preprocessing (roles, filters, rate, epoch length, STFT) is the paper's unless "
    "--preprocessing names a settings file; it is stored in the manifest, and every model "
    "trained on the cache keeps it in its checkpoint and stages with it.\n\n"
    "Example: seqsleepnet prepare --source sleep-edf --input sleep-cassette/ --out cache/ "
    "--roles eeg,eog,emg --jobs 2"
)


@command(name="prepare", help=_HELP)
def prepare(
    out: Annotated[Path, typer.Option("--out", "-o", help="Cache folder to write.")],
    source: Annotated[
        str | None,
        typer.Option("--source", help=f"Dataset naming: {', '.join(sorted(SOURCES))}."),
    ] = None,
    input_dir: Annotated[
        Path | None,
        typer.Option("--input", "-i", help="Dataset folder (or CSV manifest for 'folder')."),
    ] = None,
    roles: Annotated[
        str | None,
        typer.Option(
            "--roles",
            help="Channel roles in order, e.g. 'eeg' or 'eeg,eog,emg' (default: those of "
            "--preprocessing, else EEG, EOG and EMG).",
        ),
    ] = None,
    preprocessing: PreprocessingOption = None,
    eeg: Annotated[str | None, typer.Option("--eeg", help="EEG channel name to use.")] = None,
    eog: Annotated[str | None, typer.Option("--eog", help="EOG channel name to use.")] = None,
    emg: Annotated[str | None, typer.Option("--emg", help="EMG channel name to use.")] = None,
    in_bed: Annotated[
        bool | None,
        typer.Option(
            "--in-bed/--no-in-bed",
            help="Keep only 30 min of wake around the sleep period (default: on for sleep-edf).",
            show_default=False,
        ),
    ] = None,
    pattern: Annotated[
        str | None,
        typer.Option(
            "--pattern", help="Folder source: hypnogram name with {stem}, e.g. '{stem}.scores.csv'."
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.", min=1)] = 1,
    shard: Annotated[
        str | None, typer.Option("--shard", help="Prepare only shard k of N, written 'k/N'.")
    ] = None,
    merge: Annotated[
        bool, typer.Option("--merge", help="Merge the shard manifests in --out and stop.")
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            "--no-progress",
            help="No progress (a bar on a terminal, else one line per recording on stderr).",
        ),
    ] = False,
) -> None:
    from seqsleepnet.data.prepare import merge_shards, parse_shard, prepare_dataset
    from seqsleepnet.features.preprocessing import Preprocessing

    if merge:
        path = merge_shards(out)
        typer.echo(f"merged shard manifests into {path}")
        return
    if source is None or input_dir is None:
        raise ConfigError("prepare needs --source and --input (or --merge --out CACHE)")
    options = {"pattern": pattern} if pattern is not None else {}
    report = prepare_dataset(
        get_source(source, **options),
        input_dir,
        out,
        roles=roles,
        preprocessing=Preprocessing.from_file(preprocessing) if preprocessing else None,
        eeg=eeg,
        eog=eog,
        emg=emg,
        in_bed=in_bed,
        jobs=jobs,
        shard=parse_shard(shard) if shard is not None else None,
        progress=not quiet,
    )
    typer.echo(
        f"prepared {len(report.done)}, skipped {len(report.skipped)}, "
        f"failed {len(report.failed)} recording(s) into {out}"
    )
    for name in report.unpaired:
        typer.echo(f"  unpaired (ignored): {name}")
    for name, message in sorted(report.failed.items()):
        typer.echo(f"  failed {name}: {message}", err=True)
    if report.failed:
        raise typer.Exit(code=1)
