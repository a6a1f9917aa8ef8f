"""A synthetic cohort: one synthetic sleeper per real Sleep-EDF hypnogram.

Each real expert hypnogram (``SC4ssNEx-Hypnogram.edf``) drives one synthetic
night; both nights of a Sleep-EDF subject ``ss`` share one
:class:`SubjectProfile`, so subject-wise splits behave as with real data.
Nights are independent (each drawn from its own seeds), so ``jobs`` worker
processes may write several at once; each holds one night in memory.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

from seqsleepnet.data.synthetic.files import SyntheticFiles, write_synthetic_night
from seqsleepnet.data.synthetic.profile import SubjectProfile, subject_rng
from seqsleepnet.errors import FileFormatError
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.progress import progress_steps
from seqsleepnet.workers import run_tasks

__all__ = ["build_cohort", "packaged_hypnograms", "sleep_edf_identity", "write_cohort_manifest"]

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^SC4(\d\d)(\d)E.-Hypnogram\.edf$", re.IGNORECASE)
_DEFAULT_PSG = re.compile(r"synth-(\d\d)-night(\d)\.edf$")  # the layouts' default file names


def packaged_hypnograms() -> Path:
    """Folder of the 39 real Sleep-EDF hypnograms shipped with the package."""
    return Path(str(resources.files("seqsleepnet") / "resources" / "hypnograms"))


def sleep_edf_identity(path: str | Path) -> tuple[int, int]:
    """Subject and night of a Sleep-EDF hypnogram file name ``SC4ssNEx-Hypnogram.edf``.

    Raises
    ------
    FileFormatError
        If the name does not follow the Sleep-EDF scheme.
    """
    match = _NAME.match(Path(path).name)
    if match is None:
        raise FileFormatError(
            path,
            "is not named like a Sleep-EDF hypnogram",
            "expected SC4ssNEx-Hypnogram.edf (ss subject, N night)",
        )
    return int(match.group(1)), int(match.group(2))


def build_cohort(
    hypnogram_dir: str | Path,
    out_dir: str | Path,
    *,
    layout: str = "sleep-edf",
    seed: int = 0,
    in_bed: bool = True,
    fs: float = 256.0,
    progress: bool = True,
    randomise: bool = False,
    jobs: int = 1,
) -> list[SyntheticFiles]:
    """Write one synthetic night per Sleep-EDF hypnogram in ``hypnogram_dir``.

    Parameters
    ----------
    hypnogram_dir : str or Path
        Folder with ``SC4ssNEx-Hypnogram.edf`` files (e.g.
        :func:`packaged_hypnograms`).
    out_dir : str or Path
        Output folder (created if missing).
    layout : {"sleep-edf", "mass", "shhs", "aasm"}
        Dataset layout of the written files.
    seed : int
        Base seed; subject ``ss`` gets the profile drawn from ``(seed, ss)``.
    in_bed : bool
        Keep only 30 min of wake before the first and after the last sleep
        epoch (the usual cut of the day-long Sleep-EDF recordings).
    fs : float
        Generator base rate in Hz.
    progress : bool
        Show one step per night with :func:`~seqsleepnet.progress.progress_steps`
        (a bar on a terminal, a line on stderr elsewhere).
    randomise : bool
        Record each night under its own randomised conditions (domain
        randomisation, :mod:`~seqsleepnet.data.synthetic.randomise`).
    jobs : int
        Nights written side by side in worker processes (1: here, in turn).
        The files are the same whatever the number.

    Returns
    -------
    list of SyntheticFiles
        In file-name order.

    Raises
    ------
    FileFormatError
        If the folder is missing or holds no Sleep-EDF hypnogram.
    """
    folder = Path(hypnogram_dir)
    if not folder.is_dir():
        raise FileFormatError(folder, "is not a folder", "give the folder of the hypnograms")
    paths = sorted(p for p in folder.iterdir() if _NAME.match(p.name))
    if not paths:
        raise FileFormatError(
            folder, "holds no SC4ssNEx-Hypnogram.edf file", "point to the Sleep-EDF hypnograms"
        )
    night = partial(
        _write_night,
        out_dir=Path(out_dir),
        layout=layout,
        seed=seed,
        in_bed=in_bed,
        fs=fs,
        randomise=randomise,
    )
    with progress_steps("cohort", len(paths), enabled=progress) as steps:
        outcomes = run_tasks(
            night,
            paths,
            jobs=jobs,
            failure=lambda path, error, _: _Failed(path, error),
            on_done=lambda path, outcome: steps.done(_written_name(path, outcome)),
        )
    failed = [o for o in outcomes if isinstance(o, _Failed)]
    for other in failed[1:]:
        logger.error("%s: %s", other.path.name, other.error)
    if failed:  # the first failure as it was raised (a bad file names itself and its fix)
        raise failed[0].error
    return [o for o in outcomes if isinstance(o, SyntheticFiles)]


def _written_name(path: Path, outcome: object) -> str:
    """What one finished night's progress step names: its PSG file, or its failure."""
    if isinstance(outcome, SyntheticFiles):
        return outcome.psg.name
    return f"{path.name} failed"


@dataclass(frozen=True)
class _Failed:
    """A night that could not be written, and why."""

    path: Path
    error: Exception


def _write_night(
    path: Path,
    *,
    out_dir: Path,
    layout: str,
    seed: int,
    in_bed: bool,
    fs: float,
    randomise: bool,
) -> SyntheticFiles:
    """Write the synthetic night of one Sleep-EDF hypnogram (a task of :func:`build_cohort`)."""
    subject, night = sleep_edf_identity(path)
    hypnogram = read_hypnogram(path)
    if in_bed:
        hypnogram = hypnogram.in_bed(30.0)
    files = write_synthetic_night(
        hypnogram,
        out_dir,
        layout=layout,
        seed=seed,
        profile=SubjectProfile.draw(subject_rng(seed, subject)),
        subject=subject,
        night=night,
        fs=fs,
        randomise=randomise,
    )
    logger.info("%s -> %s", path.name, files.psg.name)
    return files


def write_cohort_manifest(cohort: str | Path) -> Path:
    """Write ``manifest.csv`` (psg, hypnogram, subject, night) for the ``folder`` source.

    For a cohort written with the default file names (``synth-ss-nightN.edf``
    with its ``.tsv`` hypnogram, as the ``aasm`` layout writes them); subject
    and night come from the names.

    Returns
    -------
    Path
        The manifest, inside ``cohort``.
    """
    manifest = Path(cohort) / "manifest.csv"
    with manifest.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["psg", "hypnogram", "subject", "night"])
        for psg in sorted(Path(cohort).glob("synth-*.edf")):
            match = _DEFAULT_PSG.search(psg.name)
            if match:
                writer.writerow([psg.name, psg.with_suffix(".tsv").name, *match.groups()])
    return manifest
