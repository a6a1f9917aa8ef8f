"""Stage many PSG files and write their outputs: what ``seqsleepnet stage`` runs.

One file's failure never stops the batch: it is reported with its message and
the next file is staged. Each worker process loads its model once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from seqsleepnet.errors import FileFormatError, SeqSleepNetError
from seqsleepnet.evaluation.agreement import NOTHING_COMPARABLE, night_agreement
from seqsleepnet.io.edf_header import PSG_SUFFIXES
from seqsleepnet.io.hypnogram import HYPNOGRAM_SUFFIXES, read_hypnogram
from seqsleepnet.io.survey import survey_channels
from seqsleepnet.report.outputs import write_outputs
from seqsleepnet.staging import Backend, SleepStager, bundled_model_for

__all__ = [
    "STAGE_PHASES",
    "FileOutcome",
    "StageOptions",
    "agreement_line",
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
    quality: list[str] = field(default_factory=list)  # one line per quality flag


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
        if options.true is not None:
            expert = read_hypnogram(_expert_file(psg, options.true))
            true = expert.align_to(result.n_epochs, result.start_time).stages
            agreement = night_agreement(true, result.stages, result.epoch_length)
            outcome.compared = True
            if agreement.comparable:
                outcome.agreement = agreement.metrics.accuracy
                outcome.kappa = agreement.metrics.kappa
        outcome.outputs = write_outputs(result, options.out, true=true, demo_model=outcome.bundled)
        if on_phase is not None:
            on_phase("outputs")
        stats = result.statistics()
        outcome.quality = result.quality.lines() if result.quality is not None else []
        outcome.epochs, outcome.tst, outcome.efficiency = (
            result.n_epochs,
            stats.tst,
            stats.sleep_efficiency,
        )
    except (SeqSleepNetError, OSError) as error:
        message = str(error).replace("\n", " ")
        # in a batch, say which recording failed even when the message names another file
        outcome.error = message if str(psg) in message else f"{psg}: {message}"
    return outcome


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
    """
    outcomes: list[FileOutcome] = []
    results: Iterator[FileOutcome]
    if jobs <= 1 or len(files) <= 1:
        results = (
            stage_file(f, options, None if on_phase is None else partial(on_phase, f))
            for f in files
        )
        for outcome in results:
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
        return outcomes
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for outcome in pool.map(stage_file, files, [options] * len(files)):
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes


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
