"""Stage many PSG files and write their outputs: what ``seqsleepnet stage`` runs.

One file's failure never stops the batch: whatever goes wrong while a file is
staged (a bad file, an unexpected error, a worker process that dies) becomes
that file's one-line message, and the next file is staged, with ``jobs=1`` as
in a pool of worker processes. Each worker process loads its model once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from seqsleepnet.errors import (
    CheckpointError,
    ConfigError,
    FileFormatError,
    SeqSleepNetError,
    shorten,
)
from seqsleepnet.evaluation.agreement import NOTHING_COMPARABLE, night_agreement
from seqsleepnet.io.edf_header import PSG_SUFFIXES
from seqsleepnet.io.hypnogram import HYPNOGRAM_SUFFIXES, read_hypnogram
from seqsleepnet.report.outputs import refuse_existing_outputs, write_outputs
from seqsleepnet.staging import Backend, SleepStager, bundled_model_for

__all__ = [
    "STAGE_PHASES",
    "FileOutcome",
    "StageOptions",
    "agreement_line",
    "check_output_names",
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
    backend: Backend = "torch"
    eeg: str | None = None
    eog: str | None = None
    emg: str | None = None
    true: Path | None = None  # expert hypnogram file, or a folder of them (matched by stem)
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
    bundled: bool = False


def find_psg_files(inputs: Sequence[Path]) -> list[Path]:
    """Expand folders into their PSG files (sorted); keep files as given.

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
                and not p.name.endswith((".annotations.edf", "Hypnogram.edf"))
            )
            if not found:
                raise FileFormatError(item, f"folder holds no PSG file ({', '.join(PSG_SUFFIXES)})")
            files.extend(found)
        elif item.exists():
            files.append(item)
        else:
            raise FileFormatError(item, "file not found", "check the path")
    return files


def check_output_names(files: Sequence[Path], out: Path) -> None:
    """Refuse a batch in which two files would write outputs of the same name.

    Raises
    ------
    ConfigError
        Naming the two files and the shared name (``a/night.edf`` and
        ``b/night.edf`` both write ``night.*``).
    """
    seen: dict[str, Path] = {}
    for psg in files:
        other = seen.setdefault(psg.stem, psg)
        if other != psg:
            raise ConfigError(
                f"{other} and {psg} would both write their outputs as {psg.stem}.* into {out}; "
                "stage them into separate --out folders or rename one of them"
            )


def _expert_file(psg: Path, true: Path) -> Path:
    if true.is_file():
        return true
    if not true.is_dir():
        raise FileFormatError(
            true, "file not found", "give an expert hypnogram file or a folder of them"
        )
    for suffix in HYPNOGRAM_SUFFIXES:
        for name in (f"{psg.stem}{suffix}", f"{psg.stem}-hypnogram{suffix}"):
            if (true / name).is_file() and (true / name) != psg:
                return true / name
    raise FileFormatError(
        true, f"no hypnogram named {psg.stem}{'/'.join(HYPNOGRAM_SUFFIXES)} for {psg.name}"
    )


_stagers: dict[tuple[Path, str], SleepStager] = {}  # per process: load each model once


def _stager(checkpoint: Path, backend: Backend) -> SleepStager:
    key = (checkpoint, backend)
    if key not in _stagers:
        _stagers[key] = SleepStager.from_checkpoint(checkpoint, backend=backend)
    return _stagers[key]


STAGE_PHASES = ("checkpoint", "read", "features", "model", "outputs")
"""The phases of staging one file, in order, as ``on_phase`` names them."""


def stage_file(
    psg: Path, options: StageOptions, on_phase: Callable[[str], None] | None = None
) -> FileOutcome:
    """Stage one file and write its outputs; errors become the outcome's message.

    Parameters
    ----------
    psg : Path
        The PSG file.
    options : StageOptions
        Model, channels, expert hypnograms and output folder.
    on_phase : callable (str) -> None, optional
        Called as each of :data:`STAGE_PHASES` ends, with its name.

    Returns
    -------
    FileOutcome
    """
    outcome = FileOutcome(psg)
    try:
        _stage_into(outcome, options, on_phase)
    except CheckpointError as error:  # names the checkpoint, not the recording
        outcome.error = shorten(str(error))
    except (SeqSleepNetError, OSError) as error:
        message = shorten(str(error))
        # in a batch, say which recording failed even when the message names another file
        outcome.error = message if str(psg) in message else f"{psg}: {message}"
    except Exception as error:  # any other failure is this file's, and the batch goes on
        log.debug("staging %s failed", psg, exc_info=True)
        outcome.error = shorten(
            f"{psg}: unexpected {type(error).__name__} while staging: {error}; "
            "rerun with --debug for the traceback and report it"
        )
    return outcome


def _stage_into(
    outcome: FileOutcome, options: StageOptions, on_phase: Callable[[str], None] | None
) -> None:
    """Stage ``outcome.psg`` and fill in ``outcome``; errors propagate."""
    psg = outcome.psg
    if not options.overwrite:  # before the work; again, race-free, as the set is written
        refuse_existing_outputs(options.out, psg.stem)
    checkpoint = options.model or bundled_model_for(
        psg, eeg=options.eeg, eog=options.eog, emg=options.emg
    )
    outcome.bundled = options.model is None
    stager = _stager(checkpoint, options.backend)
    if on_phase is not None:
        on_phase("checkpoint")
    result = stager.predict(
        psg, eeg=options.eeg, eog=options.eog, emg=options.emg, on_phase=on_phase
    )
    true = None
    if options.true is not None:
        expert = read_hypnogram(_expert_file(psg, options.true))
        true = expert.align_to(result.n_epochs, result.start_time).stages
        agreement = night_agreement(true, result.stages, result.epoch_length)
        outcome.compared = True
        if agreement.comparable:
            outcome.agreement = agreement.metrics.accuracy
            outcome.kappa = agreement.metrics.kappa
    outcome.outputs = write_outputs(
        result, options.out, true=true, demo_model=outcome.bundled, overwrite=options.overwrite
    )
    if on_phase is not None:
        on_phase("outputs")
    stats = result.statistics()
    outcome.epochs, outcome.tst, outcome.efficiency = (
        result.n_epochs,
        stats.tst,
        stats.sleep_efficiency,
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
    CheckpointError
        If ``options.model`` cannot be loaded (before any file is staged).
    """
    if options.model is not None:
        _stager(options.model, options.backend)  # a bad checkpoint is one error, not one per file
    outcomes: list[FileOutcome] = []
    workers = min(jobs, len(files))  # no idle workers
    if workers <= 1:
        for f in files:
            outcome = stage_file(f, options, None if on_phase is None else partial(on_phase, f))
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
        return outcomes
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(stage_file, f, options) for f in files]
        for f, future in zip(files, futures, strict=True):
            outcome = _collect(f, future)
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes


def _collect(psg: Path, future: Future[FileOutcome]) -> FileOutcome:
    """The outcome a worker returned, or its failure (a worker killed, a result lost)."""
    try:
        return future.result()
    except Exception as error:  # BrokenProcessPool, an outcome that could not be sent, ...
        return FileOutcome(
            psg,
            error=shorten(
                f"{psg}: the worker process staging it failed ({type(error).__name__}: "
                f"{error}); stage it again, with --jobs 1 to see its own error"
            ),
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
        line += (
            f", agreement with expert {100 * outcome.agreement:.1f}% (kappa {outcome.kappa:.2f})"
        )
    elif outcome.compared:
        line += f", expert hypnogram: {NOTHING_COMPARABLE}"
    return line
