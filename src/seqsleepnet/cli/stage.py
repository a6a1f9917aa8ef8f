"""Commands that stage nights: ``stage`` and ``export-onnx``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from seqsleepnet.cli._app import QuietOption, command
from seqsleepnet.errors import ConfigError, check_option
from seqsleepnet.stages import STAGE_NAMES

if TYPE_CHECKING:
    from seqsleepnet.batch import FileOutcome
    from seqsleepnet.staging import Backend


DEGENERATE_EXIT = 3
"""Exit status of a batch whose files were all staged, one with a degenerate hypnogram."""
EXPORT_INPUT_NAME = "model_input.json"
"""What ``export-onnx`` writes beside the graphs: the input they expect, L, the stage order."""


@command(
    help=(
        "Stage PSG files: write a hypnogram (.hypnogram.tsv), per-epoch probabilities "
        "(.csv), EDF+ annotations (.annotations.edf), sleep statistics (.stats.json), a "
        "picture (.png) and a report (.html) per file. Folders are expanded to their "
        ".edf/.bdf files. A file that fails is reported and the batch goes on. Exit status: "
        "0 when every file was staged; 1 if any failed; 3 if all were staged but a hypnogram "
        "is degenerate (its 'degenerate' quality flag says why: the model cannot read that "
        "recording, so do not use its stages). A night's outputs appear together or not at "
        "all; earlier outputs are kept unless --overwrite is given.\n\n"
        "Each role is read from the first channel that can carry it: a channel whose rate, "
        "unit or content cannot (a 1-Hz EMG envelope, a flat channel, volts under a "
        "microvolt label) is passed over with a message. Without --model, the bundled "
        "demonstration model that fits the usable channels is used (EEG+EOG+EMG, else "
        "EEG+EOG, else EEG); it was trained on synthetic data only. Quality flags (input "
        "far from the training data, a degenerate hypnogram, low confidence, channels "
        "dropped) are printed one per line and written to .stats.json and the report.\n\n"
        "Example: seqsleepnet stage night1.edf night2.edf --out results/ --true expert/ "
        "--lights-off 22:30 --lights-on 06:45"
    )
)
def stage(
    inputs: Annotated[list[Path], typer.Argument(help="PSG files or folders.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created).")],
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="Checkpoint from 'seqsleepnet train'.")
    ] = None,
    eeg: Annotated[str | None, typer.Option("--eeg", help="EEG channel name.")] = None,
    eog: Annotated[str | None, typer.Option("--eog", help="EOG channel name.")] = None,
    emg: Annotated[str | None, typer.Option("--emg", help="EMG channel name.")] = None,
    true: Annotated[
        Path | None,
        typer.Option(
            "--true",
            help="Expert hypnogram (one PSG) or a folder of them, paired with the PSG files "
            "as 'prepare' pairs them (Sleep-EDF SC4ssN*-PSG.edf + SC4ssN*-Hypnogram.edf, MASS "
            "'<id> PSG.edf' + '<id> Base.edf', SHHS <id>.edf + <id>-nsrr.xml, ISRUC <s>.rec + "
            "<s>_1.txt, or <stem>.tsv/csv/txt/xml/-hypnogram.edf); aligned by clock time. "
            "Adds agreement and kappa to the report; a PSG without one is staged without.",
        ),
    ] = None,
    lights_off: Annotated[
        str | None,
        typer.Option(
            "--lights-off",
            help="Start of the analysed period: clock time HH:MM[:SS] or seconds from the "
            "recording start. Statistics and report describe lights off to lights on.",
        ),
    ] = None,
    lights_on: Annotated[
        str | None,
        typer.Option("--lights-on", help="End of the analysed period (as --lights-off)."),
    ] = None,
    in_bed: Annotated[
        bool,
        typer.Option(
            "--in-bed",
            help="Analyse 30 min before the first to 30 min after the last predicted sleep "
            "epoch (the rule of 'prepare --in-bed'), e.g. for day-long recordings.",
        ),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", min=1, help="Files staged in parallel (capped at the files)."),
    ] = 1,
    backend: Annotated[
        str,
        typer.Option(
            "--backend",
            help="Runtime: 'auto' (onnxruntime for models that allow it, else torch), "
            "'torch' or 'onnxruntime'.",
        ),
    ] = "auto",
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a night's earlier outputs in --out.")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    from seqsleepnet.batch import (
        STAGE_PHASES,
        StageOptions,
        agreement_line,
        check_output_names,
        find_psg_files,
        stage_files,
    )
    from seqsleepnet.progress import progress_steps
    from seqsleepnet.staging import BACKENDS, DEMO_WARNING

    check_option("--backend", backend, BACKENDS)
    files = find_psg_files(inputs)
    check_output_names(files, out)
    if true is not None and true.is_file() and len(files) > 1:
        raise ConfigError(
            "--true names one hypnogram file but several PSG files are staged; "
            "give a folder of hypnograms named like the PSG files"
        )
    runtime = cast("Backend", backend)
    if in_bed and (lights_off is not None or lights_on is not None):
        raise ConfigError("--in-bed chooses the period itself; give --in-bed or --lights-off/on")
    options = StageOptions(
        out, model, runtime, eeg, eog, emg, true, lights_off, lights_on, in_bed, overwrite
    )
    failed: list[FileOutcome] = []
    noted: list[bool] = []  # the demonstration-model note is printed once
    one = len(files) == 1  # one long night: show its phases, else one step per file
    label, total = (f"stage {files[0].name}", len(STAGE_PHASES)) if one else ("stage", len(files))
    with progress_steps(label, total, enabled=not quiet) as steps:

        def phase(psg: Path, name: str) -> None:
            steps.done(name)

        def report(outcome: FileOutcome) -> None:
            if not one:
                steps.done(outcome.psg.name)
            if outcome.bundled and not outcome.error and not noted:
                noted.append(True)
                typer.echo(f"note: {DEMO_WARNING}", err=True)
            if outcome.error:
                failed.append(outcome)
                typer.echo(f"error: {outcome.error}", err=True)
            else:
                if outcome.alignment:
                    typer.echo(f"note: {outcome.psg.name}: {outcome.alignment}", err=True)
                if outcome.unscored_expert:
                    typer.echo(f"note: {outcome.psg.name}: {outcome.unscored_expert}", err=True)
                typer.echo(agreement_line(outcome))
                for line in outcome.quality:
                    typer.echo(f"  quality: {line}")

        outcomes = stage_files(
            files, options, jobs=jobs, on_done=report, on_phase=phase if one else None
        )
    done = len(files) - len(failed)
    alone = [o.psg.name for o in outcomes if true is not None and not o.error and not o.expert]
    typer.echo(
        f"staged {done} of {len(files)} file(s) into {out}"
        + (f"; {len(failed)} failed: {', '.join(o.psg.name for o in failed)}" if failed else "")
        + (f"; no expert hypnogram for {len(alone)}: {', '.join(alone)}" if alone else "")
    )
    if failed:
        raise typer.Exit(code=1)
    degenerate = [o.psg.name for o in outcomes if o.degenerate]
    if degenerate:
        typer.echo(
            f"error: degenerate hypnogram for {len(degenerate)} file(s): {', '.join(degenerate)}; "
            "the model cannot read these recordings (see their quality flags): do not use "
            "their stages; check the channels and units, or stage with a model trained on "
            "such recordings",
            err=True,
        )
        raise typer.Exit(code=DEGENERATE_EXIT)


@command(
    name="export-onnx",
    help=(
        "Export a checkpoint of a model with a separable epoch encoder (seqsleepnet, arnn, "
        "multitask-arnn, deepsleepnet) to ONNX for onnxruntime: the epoch encoder "
        "(encoder.onnx) and the sequence classifier (classifier.onnx), both with a dynamic "
        "batch axis, into a folder. The classifier reads windows of the checkpoint's "
        "sequence length. Beside them, model_input.json records what the graphs expect: "
        "the preprocessing (roles, filters, rates, STFT), the input normaliser, the "
        "sequence length and the stage order of the output. An earlier export in the "
        "folder is kept unless --overwrite is given.\n\n"
        "Example: seqsleepnet export-onnx --model run/best.pt --out onnx/"
    ),
)
def export_onnx_command(
    model: Annotated[Path, typer.Option("--model", "-m", help="Checkpoint to export.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created).")],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an earlier export in --out.")
    ] = False,
) -> None:
    from seqsleepnet.io.output_set import output_set
    from seqsleepnet.models.checkpoint import load_trained
    from seqsleepnet.models.onnx_export import example_input, onnx_max_difference
    from seqsleepnet.onnx_backend import OnnxParts

    network, model_input, extra = load_trained(model)
    if not network.separable_encoder:
        raise ConfigError(
            f"{model}: ONNX export needs a model with a separable epoch encoder; "
            f"{network.name} has none"
        )
    seq_len = int(extra["seq_len"])
    names = [f"{part}.onnx" for part in ("encoder", "classifier")] + [EXPORT_INPUT_NAME]
    with output_set(out, "onnx", names, overwrite=overwrite) as staged:
        folder = staged[names[0]].parent
        OnnxParts.export(network, folder, seq_len=seq_len)
        description = {
            "checkpoint": str(model),
            "model": network.name,
            "seq_len": seq_len,
            "stages": list(STAGE_NAMES),  # the order of the classifier's last axis
            **model_input.to_dict(),
        }
        text = json.dumps(description, indent=1, default=lambda a: a.tolist())  # the arrays
        staged[EXPORT_INPUT_NAME].write_text(text + "\n")
        checks = {
            part: onnx_max_difference(
                network,
                folder / f"{part}.onnx",
                part,
                example_input(network, part, seq_len=seq_len),
            )
            for part in ("encoder", "classifier")
        }
    typer.echo(
        f"wrote {out / 'encoder.onnx'}, {out / 'classifier.onnx'} and what they expect as "
        f"input, {out / EXPORT_INPUT_NAME}; largest difference from "
        + ", ".join(f"PyTorch's {part} output {diff:.1e}" for part, diff in checks.items())
    )
