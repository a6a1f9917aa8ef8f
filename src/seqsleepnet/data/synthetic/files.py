"""Write one synthetic night (PSG EDF + hypnogram) in a dataset layout."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seqsleepnet.data.synthetic.edf_writer import night_to_edf, write_psg
from seqsleepnet.data.synthetic.layouts import LAYOUTS
from seqsleepnet.data.synthetic.night import generate_night
from seqsleepnet.data.synthetic.profile import SubjectProfile
from seqsleepnet.errors import FileFormatError, HypnogramError, check_option
from seqsleepnet.hypnogram import Hypnogram, clock_after
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram
from seqsleepnet.progress import progress_steps
from seqsleepnet.stages import EPOCH_SECONDS

__all__ = ["SyntheticFiles", "write_synthetic_night"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyntheticFiles:
    """Paths of a written synthetic night."""

    psg: Path
    hypnogram: Path


def _as_hypnogram(source: npt.ArrayLike | Hypnogram | str | Path) -> Hypnogram:
    if isinstance(source, Hypnogram):
        hypnogram = source
    elif isinstance(source, str | Path):
        hypnogram = read_hypnogram(source)
    else:
        hypnogram = Hypnogram(np.asarray(source))
    if hypnogram.epoch_length != EPOCH_SECONDS:
        raise HypnogramError(
            f"{hypnogram.source or 'hypnogram'}: epochs of {hypnogram.epoch_length:g} s; the "
            "generator renders 30-s epochs; rescore or resample the hypnogram to 30 s"
        )
    if hypnogram.n_epochs == 0:
        raise HypnogramError(f"{hypnogram.source or 'hypnogram'}: no epochs to render")
    return hypnogram


def write_synthetic_night(
    stages_or_hypnogram: npt.ArrayLike | Hypnogram | str | Path,
    out_dir: str | Path,
    *,
    layout: str = "sleep-edf",
    seed: int = 0,
    profile: SubjectProfile | None = None,
    subject: int = 0,
    night: int = 1,
    fs: float = 256.0,
    name: str | None = None,
    progress: bool = False,
    randomise: bool = False,
) -> SyntheticFiles:
    """Generate a night and write its PSG EDF and hypnogram in a dataset layout.

    Parameters
    ----------
    stages_or_hypnogram : array-like of int (E,), Hypnogram, str or Path
        Stages per 30-s epoch (0..4 = W..REM, -1 = unscored), a
        :class:`~seqsleepnet.hypnogram.Hypnogram`, or a hypnogram file.
    out_dir : str or Path
        Folder for the two files (created if missing).
    layout : {"sleep-edf", "mass", "shhs", "aasm"}
        Dataset whose channel names, rates, header and file names to use.
    seed : int
        Base seed; the output is identical for identical arguments.
    profile : SubjectProfile, optional
        The sleeper; by default drawn from ``(seed, subject)``.
    subject, night : int
        Subject (0..99) and night (1..9) numbers, used in file names and seeds.
    fs : float
        Generator base rate in Hz (the ``aasm`` layout is written at this rate).
    name : str, optional
        Record name for the ``aasm`` layout (default ``synth-SS-nightN``).
    progress : bool
        Show the three phases (signals, EDF, files) with
        :func:`~seqsleepnet.progress.progress_steps`.
    randomise : bool
        Record the night under randomised conditions (gain, spectrum, mains,
        filters, stage signatures; :mod:`~seqsleepnet.data.synthetic.randomise`).

    Returns
    -------
    SyntheticFiles
        ``psg`` (EDF) and ``hypnogram`` (EDF+, NSRR XML or TSV, per layout).

    Raises
    ------
    ConfigError
        Unknown layout, or subject/night outside the file-name scheme.
    HypnogramError, FileFormatError
        Unusable stages or hypnogram file.
    """
    check_option("layout", layout, sorted(LAYOUTS))
    spec = LAYOUTS[layout]
    psg_name, hyp_name = spec.names(subject, night, name)
    hypnogram = _as_hypnogram(stages_or_hypnogram)
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise FileFormatError(folder, "is a file, not a folder", "give a folder for --out")
    folder.mkdir(parents=True, exist_ok=True)

    start = None
    if hypnogram.start_time is not None:
        start = clock_after(hypnogram.start_time, hypnogram.onset)
    if start is None:
        start = dt.datetime(2000, 1, 1, 22, 0, 0) + dt.timedelta(days=night - 1)
    start = start.replace(microsecond=0, tzinfo=None)
    with progress_steps(f"synth {psg_name}", 3, enabled=progress) as steps:
        synthetic = generate_night(
            hypnogram.stages,
            profile=profile,
            seed=seed,
            subject=subject,
            night=night,
            fs=fs,
            randomise=randomise,
        )
        steps.done(f"signals ({hypnogram.n_epochs} epochs)")
        edf = night_to_edf(
            synthetic, layout, start=start, subject=subject, night_index=night, seed=seed
        )
        del synthetic
        steps.done("EDF")
        psg = write_psg(edf, folder / psg_name)
        written = Hypnogram(
            hypnogram.stages,
            epoch_length=EPOCH_SECONDS,
            onset=0.0,
            start_time=start,
            source=str(folder / hyp_name),
        )
        hyp = write_hypnogram(written, folder / hyp_name)
        steps.done("files")
    logger.info("wrote %s and %s", psg, hyp)
    return SyntheticFiles(psg=psg, hypnogram=hyp)
