"""Stage many PSG files and write their outputs: what ``seqsleepnet stage`` runs.

One file's failure never stops the batch: whatever goes wrong while a file is
staged (a bad file, an unexpected error, a worker process that dies) becomes
that file's one-line message, and the next file is staged, with ``jobs=1`` as
in a pool of worker processes. Each worker process loads its model once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seqsleepnet.alignment import align_hypnograms
from seqsleepnet.data.sources import RecordingSpec, find_hypnograms
from seqsleepnet.data.sources.experts import is_hypnogram_name
from seqsleepnet.errors import (
    CheckpointError,
    ConfigError,
    FileFormatError,
    SeqSleepNetError,
    shorten,
)
from seqsleepnet.evaluation.agreement import NOTHING_COMPARABLE, night_agreement
from seqsleepnet.evaluation.metrics import kappa_text
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.edf_header import PSG_SUFFIXES
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.io.hypnogram_formats import refuse_model_output
from seqsleepnet.io.survey import survey_channels
from seqsleepnet.period import sleep_period
from seqsleepnet.report.outputs import output_names, refuse_existing_outputs, write_outputs
from seqsleepnet.stages import UNSCORED
from seqsleepnet.staging import Backend, SleepStager, bundled_model_for
from seqsleepnet.workers import run_tasks

__all__ = [
    "STAGE_PHASES",
    "FileOutcome",
    "StageOptions",
    "agreement_line",
    "check_output_names",
    "expert_hypnograms",
    "find_psg_files",
    "stage_file",
    "stage_files",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageOptions:
    """How to stage each file of a batch."""

    out: Path
    model: Path | None = None  # None: the bundled model that fits the channels
    backend: Backend = "auto"
    eeg: str | None = None
    eog: str | None = None
    emg: str | None = None
    true: Path | None = None  # expert hypnogram file, or a folder of them (see expert_hypnograms)
    lights_off: str | None = None  # HH:MM[:SS] or seconds from the recording start
    lights_on: str | None = None
    in_bed: bool = False  # analyse 30 min around the sleep period (as prepare --in-bed)
    overwrite: bool = False  # replace a night's existing outputs


@dataclass
class FileOutcome:
    """What happened to one file."""

    psg: Path
    error: str | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    epochs: int = 0
    tst: float = 0.0  # minutes
    efficiency: float = 0.0  # percent
    agreement: float | None = None  # accuracy against the expert hypnogram, 0..1
    kappa: float | None = None
    compared: bool = False  # an expert hypnogram was compared (agreement None: nothing comparable)
    expert: Path | None = None  # the expert hypnogram compared with, if any
    alignment: str | None = None  # how the expert hypnogram was aligned, if cropped or by order
    unscored_expert: str | None = None  # expert-scored epochs the prediction left unscored
    bundled: bool = False
    quality: list[str] = field(default_factory=list)  # one line per quality flag
    degenerate: bool = False  # a "degenerate" quality flag: the hypnogram cannot be right


def find_psg_files(inputs: Sequence[Path]) -> list[Path]:
    """Expand folders into their PSG files (sorted); keep files as given.

    In folders, hypnogram files named as a dataset names them (``*-Hypnogram.edf``,
    ``* Base.edf``, ``*-hypnogram.edf``) and ``*.annotations.edf`` outputs are skipped.

    Raises
    ------
    FileFormatError
        If an input does not exist, or a folder holds no PSG file (``PSG_SUFFIXES``).
    """
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(
                p
                for p in item.iterdir()
                if p.suffix.lower() in PSG_SUFFIXES
                and not p.name.endswith(".annotations.edf")
                and not is_hypnogram_name(p)
            )
            if not found:
                raise FileFormatError(item, f"folder holds no PSG file ({', '.join(PSG_SUFFIXES)})")
            files.extend(found)
        elif item.exists():
            files.append(item)
        else:
            raise FileFormatError(item, "file not found", "check the path")
    # a file given twice (itself and in its folder, or by two paths) is staged once
    unique: dict[tuple[int, int], Path] = {}
    for psg in files:
        unique.setdefault(_file_key(psg) or (-1, len(unique)), psg)
    return list(unique.values())


def _file_key(path: Path) -> tuple[int, int] | None:
    """Device and inode of an existing file (the same for any path or case that names it)."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def check_output_names(
    files: Sequence[Path], out: Path, experts: Mapping[Path, RecordingSpec] | None = None
) -> None:
    """Refuse a batch whose outputs would collide with each other or replace one of its inputs.

    Two files whose names differ only in case (``a/night.edf``, ``b/Night.edf``)
    would write the same outputs on a case-insensitive file system, so they
    are refused everywhere. An output that is an input of the batch (a PSG
    file, or an expert hypnogram: ``night.csv`` beside ``night.edf`` with
    ``--out`` that folder) is refused even with ``--overwrite``, which replaces
    earlier outputs, never inputs.

    Parameters
    ----------
    files : sequence of Path
        The PSG files of the batch.
    out : Path
        The output folder.
    experts : mapping, optional
        The expert hypnogram of each PSG file (:func:`expert_hypnograms`).

    Raises
    ------
    ConfigError
        Naming the two files and the shared name (``a/night.edf`` and
        ``b/night.edf`` both write ``night.*``), or the output and the input it
        would replace.
    """
    seen: dict[str, Path] = {}
    for psg in files:
        other = seen.setdefault(psg.stem.casefold(), psg)
        if other != psg:
            case = (
                f" (on a case-insensitive file system {other.stem}.* and {psg.stem}.* are the "
                "same files)"
                if other.stem != psg.stem
                else ""
            )
            raise ConfigError(
                f"{other} and {psg} would both write their outputs as {psg.stem}.* into {out}"
                f"{case}; stage them into separate --out folders or rename one of them"
            )
    inputs: dict[tuple[int, int], str] = {}
    for psg in files:
        if (key := _file_key(psg)) is not None:
            inputs.setdefault(key, f"the PSG file {psg}")
        spec = None if experts is None else experts.get(psg)
        if spec is not None and (key := _file_key(spec.hypnogram)) is not None:
            inputs.setdefault(key, f"the expert hypnogram {spec.hypnogram} of {psg.name}")
    for psg in files:
        for name in output_names(psg.stem):
            what = inputs.get(_file_key(out / name) or (-1, -1))
            if what is not None:
                raise ConfigError(
                    f"{out / name} is {what}, and staging {psg} would write its output "
                    f"{name} there (--overwrite replaces earlier outputs, never inputs); "
                    "choose another --out folder"
                )


def expert_hypnograms(psgs: Sequence[Path], true: Path) -> dict[Path, RecordingSpec]:
    """The expert hypnogram of each PSG file: ``true`` itself, or found in the folder ``true``.

    A folder is searched with :func:`~seqsleepnet.data.sources.find_hypnograms`
    (the naming of Sleep-EDF, MASS, SHHS, ISRUC-Sleep and ``<stem>.<ext>``);
    PSG files without a hypnogram there are left out.

    Raises
    ------
    FileFormatError
        If ``true`` does not exist, or a folder holds two hypnograms of one recording.
    """
    if true.is_file():
        return {psg: RecordingSpec(psg.stem, psg.stem, 1, psg, true) for psg in psgs}
    if not true.is_dir():
        raise FileFormatError(
            true, "file not found", "give an expert hypnogram file or a folder of them"
        )
    return find_hypnograms(psgs, true)


_stagers: dict[tuple[Path, str], SleepStager] = {}  # per process: load each model once


def _stager(checkpoint: Path, backend: Backend) -> SleepStager:
    key = (checkpoint, backend)
    if key not in _stagers:
        _stagers[key] = SleepStager.from_checkpoint(checkpoint, backend=backend)
    return _stagers[key]


STAGE_PHASES = ("checkpoint", "read", "features", "model", "outputs")
"""The phases of staging one file, in order, as ``on_phase`` names them."""


def stage_file(
    psg: Path,
    options: StageOptions,
    on_phase: Callable[[Path, str], None] | None = None,
    experts: Mapping[Path, RecordingSpec] | None = None,
) -> FileOutcome:
    """Stage one file and write its outputs; errors become the outcome's message.

    Parameters
    ----------
    psg : Path
        The PSG file.
    options : StageOptions
        Model, channels, expert hypnograms and output folder.
    on_phase : callable (Path, str) -> None, optional
        Called as each of :data:`STAGE_PHASES` ends, with the file and the phase.
    experts : mapping, optional
        :func:`expert_hypnograms` of the batch, when ``options.true`` is set;
        looked up for this file alone if not given. A file without an expert
        hypnogram is staged without agreement.

    Returns
    -------
    FileOutcome
    """
    outcome = FileOutcome(psg)
    try:
        _stage_into(outcome, options, None if on_phase is None else partial(on_phase, psg), experts)
    except CheckpointError as error:  # names the checkpoint, not the recording
        outcome.error = shorten(str(error))
    except (SeqSleepNetError, OSError) as error:
        message = shorten(str(error))
        # in a batch, say which recording failed even when the message names another file
        outcome.error = message if str(psg) in message else f"{psg}: {message}"
    except Exception as error:  # any other failure is this file's, and the batch goes on
        log.debug("staging %s failed", psg, exc_info=True)
        outcome.error = _failed(psg, error, in_worker=False).error
    return outcome


def _stage_into(
    outcome: FileOutcome,
    options: StageOptions,
    on_phase: Callable[[str], None] | None,
    experts: Mapping[Path, RecordingSpec] | None,
) -> None:
    """Stage ``outcome.psg`` and fill in ``outcome``; errors propagate."""
    psg = outcome.psg
    if options.true is not None and experts is None:
        experts = expert_hypnograms([psg], options.true)
    check_output_names([psg], options.out, experts)  # never write over an input
    spec = experts.get(psg) if experts is not None else None
    if spec is not None:  # before the work
        _refuse_model_output(spec, psg)
    if not options.overwrite:  # before the work; again, race-free, as the set is written
        refuse_existing_outputs(options.out, psg.stem)
    named = {"eeg": options.eeg, "eog": options.eog, "emg": options.emg}
    if options.model is None:  # the bundled model that fits the usable channels
        survey = survey_channels(psg, named=named)
        checkpoint = bundled_model_for(survey)
    else:  # the stager surveys the roles its model reads
        survey, checkpoint = None, options.model
    outcome.bundled = options.model is None
    stager = _stager(checkpoint, options.backend)
    if on_phase is not None:
        on_phase("checkpoint")
    result = stager.predict(
        psg,
        eeg=options.eeg,
        eog=options.eog,
        emg=options.emg,
        on_phase=on_phase,
        survey=survey,
    )
    true = None
    if spec is not None:
        outcome.expert = spec.hypnogram
        expert = read_hypnogram(spec.hypnogram, format=spec.hypnogram_format)
        predicted = result.to_hypnogram()
        pair = align_hypnograms(
            expert,
            Hypnogram(
                predicted.stages,
                predicted.epoch_length,
                predicted.onset,
                predicted.start_time,
                str(psg),
            ),
        )
        if pair.cropped or not pair.by_clock:
            outcome.alignment = pair.note
        true = np.full(result.n_epochs, UNSCORED, dtype=np.int8)
        true[slice(*pair.pred_span)] = pair.true.stages
        agreement = night_agreement(true, result.stages, result.epoch_length)
        outcome.unscored_expert = _expert_epochs_unscored(true, result.stages)
        outcome.compared = True
        if agreement.comparable:
            outcome.agreement = agreement.metrics.accuracy
            outcome.kappa = agreement.metrics.kappa
    period = sleep_period(
        result.to_hypnogram(),
        lights_off=options.lights_off,
        lights_on=options.lights_on,
        in_bed=options.in_bed,
    )
    outcome.outputs = write_outputs(
        result,
        options.out,
        true=true,
        demo_model=outcome.bundled,
        period=period,
        overwrite=options.overwrite,
    )
    if on_phase is not None:
        on_phase("outputs")
    stats = result.statistics(period)
    outcome.quality = result.quality.lines() if result.quality is not None else []
    if period.note is not None:  # what --in-bed left out of the analysed period
        outcome.quality.append(f"period: {period.note}")
    outcome.degenerate = result.quality is not None and any(
        flag.kind == "degenerate" for flag in result.quality.flags
    )
    outcome.epochs, outcome.tst, outcome.efficiency = (
        result.n_epochs,
        stats.tst,
        stats.sleep_efficiency,
    )


def _refuse_model_output(spec: RecordingSpec, psg: Path) -> None:
    """Raise :class:`FileFormatError` if the expert hypnogram of ``psg`` is a model's output:
    agreement with it would be agreement with a model."""
    refuse_model_output(
        spec.hypnogram,
        psg,
        "give the expert's hypnogram with --true (in a folder, move earlier outputs out "
        "of it); compare two stagings with 'seqsleepnet evaluate'",
    )


def stage_files(
    files: Sequence[Path],
    options: StageOptions,
    *,
    jobs: int = 1,
    on_done: Callable[[FileOutcome], None] | None = None,
    on_phase: Callable[[Path, str], None] | None = None,
) -> list[FileOutcome]:
    """Stage every file, in ``jobs`` processes.

    Parameters
    ----------
    files : sequence of Path
        PSG files.
    options : StageOptions
        How to stage each file.
    jobs : int
        Processes; 1 stages the files here, one after another.
    on_done : callable (FileOutcome) -> None, optional
        Called as each file finishes.
    on_phase : callable (Path, str) -> None, optional
        Called with the file and the phase name as each of :data:`STAGE_PHASES`
        ends; only when the files are staged here (one process).

    Returns
    -------
    list of FileOutcome
        In the order of ``files``.

    Raises
    ------
    FileFormatError
        If ``options.true`` does not exist or holds two hypnograms of one recording.
    ConfigError
        If two files would write outputs of the same name, or an output would
        replace an input of the batch (:func:`check_output_names`).
    CheckpointError
        If ``options.model`` cannot be loaded (before any file is staged).
    """
    experts = None if options.true is None else expert_hypnograms(files, options.true)
    check_output_names(files, options.out, experts)
    if options.model is not None:
        _stager(options.model, options.backend)  # a bad checkpoint is one error, not one per file
    local = jobs <= 1 or len(files) <= 1
    task = partial(
        stage_file, options=options, on_phase=on_phase if local else None, experts=experts
    )
    return run_tasks(
        task,
        list(files),
        jobs=jobs,
        failure=_failed,
        on_done=None if on_done is None else lambda _, outcome: on_done(outcome),
    )


def _failed(psg: Path, error: Exception, in_worker: bool) -> FileOutcome:
    """The outcome of a file whose staging raised, or whose worker failed (killed, result lost)."""
    if not in_worker:
        return FileOutcome(
            psg,
            error=shorten(
                f"{psg}: unexpected {type(error).__name__} while staging: {error}; "
                "rerun with --debug for the traceback and report it"
            ),
        )
    return FileOutcome(
        psg,
        error=shorten(
            f"{psg}: the worker process staging it failed ({type(error).__name__}: "
            f"{error}); stage it again, with --jobs 1 to see its own error"
        ),
    )


def _expert_epochs_unscored(true: npt.NDArray[np.int8], stages: npt.NDArray[np.int8]) -> str | None:
    """A note on the epochs the expert scored where the prediction is unscored, or None.

    The prediction is unscored only where nothing was recorded (the gaps of
    an EDF+D file, spans left out of a Raw), so those epochs are not compared;
    an expert who scored the recording without its gaps placed every later
    epoch too early.
    """
    lost = int(np.count_nonzero((true != UNSCORED) & (stages == UNSCORED)))
    if not lost:
        return None
    return (
        f"{lost} epoch(s) the expert scored are unscored in the prediction (nothing was "
        "recorded there: a gap of the recording or a span left out) and are not compared; "
        "if the expert hypnogram skips the recording's gaps, give it with its epochs at "
        "their true times (the gaps scored '?')"
    )


def agreement_line(outcome: FileOutcome) -> str:
    """One human-readable line about a staged file."""
    if outcome.error:
        return f"error: {outcome.error}"
    line = (
        f"{outcome.psg.name}: {outcome.epochs} epochs, TST {outcome.tst:.0f} min, "
        f"efficiency {outcome.efficiency:.0f}%"
    )
    if outcome.agreement is not None:
        kappa = kappa_text(outcome.kappa, 2) if outcome.kappa is not None else "-"
        line += f", agreement with expert {100 * outcome.agreement:.1f}% (kappa {kappa})"
    elif outcome.compared:
        line += f", expert hypnogram: {NOTHING_COMPARABLE}"
    return line
