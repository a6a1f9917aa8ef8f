"""Compare hypnogram files: align two scorings of a night by onset and pool the metrics."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import AlignmentError, FileFormatError
from seqsleepnet.evaluation.metrics import StagingMetrics, compute_metrics
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import HYPNOGRAM_SUFFIXES, read_hypnogram
from seqsleepnet.progress import progress_steps

__all__ = ["NightComparison", "align_hypnograms", "compare_files", "pair_files"]

logger = logging.getLogger(__name__)


def align_hypnograms(
    true: Hypnogram, pred: Hypnogram
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    """Stages of the epochs both hypnograms cover, matched by onset.

    Parameters
    ----------
    true, pred : Hypnogram
        Two scorings of the same recording (onsets in seconds from its start).

    Returns
    -------
    true_stages, pred_stages : numpy.ndarray of int8, shape (N,)
        The overlapping epochs (N may be 0).

    Raises
    ------
    AlignmentError
        If the epoch lengths differ or the epochs are not on a common grid.
    """
    length = true.epoch_length
    if not math.isclose(length, pred.epoch_length, abs_tol=1e-6):
        raise AlignmentError(
            f"{pred.source}: epochs of {pred.epoch_length:g} s cannot be compared with the "
            f"{length:g}-s epochs of {true.source}; rescore with equal epoch lengths"
        )
    shift = (pred.onset - true.onset) / length
    offset = round(shift)
    if abs(shift - offset) > 1e-3:
        raise AlignmentError(
            f"{pred.source}: first epoch at {pred.onset:g} s is not on the {length:g}-s grid "
            f"of {true.source} (first epoch at {true.onset:g} s); align the onsets"
        )
    start_t, start_p = max(offset, 0), max(-offset, 0)
    n = max(min(true.n_epochs - start_t, pred.n_epochs - start_p), 0)
    return true.stages[start_t : start_t + n], pred.stages[start_p : start_p + n]


@dataclass(frozen=True)
class NightComparison:
    """One pair of files, how many epochs they share and the stages of that overlap."""

    true_file: Path
    pred_file: Path
    true_epochs: int
    pred_epochs: int
    compared: int  # epochs in the overlap
    metrics: StagingMetrics
    true_stages: npt.NDArray[np.int8]  # (compared,) the overlap, -1 unscored
    pred_stages: npt.NDArray[np.int8]  # (compared,)
    epoch_length: float  # seconds
    onset: float  # seconds from the expert recording's start to the first compared epoch

    @property
    def name(self) -> str:
        """The night's name: the predicted file's name up to its first dot."""
        return _key(self.pred_file)


def _key(path: Path) -> str:
    return path.name.split(".")[0]


def pair_files(true: Path, pred: Path) -> list[tuple[Path, Path]]:
    """Pair two files, or the hypnogram files of two folders by stem (name up to the first dot).

    Raises
    ------
    FileFormatError
        If a path is missing, one is a folder and the other not, or two
        folders share no stem.
    """
    for path in (true, pred):
        if not path.exists():
            raise FileFormatError(path, "not found", "check the path")
    if true.is_file() and pred.is_file():
        return [(true, pred)]
    if not (true.is_dir() and pred.is_dir()):
        raise FileFormatError(pred, "give two files or two folders", "pass --true and --pred alike")

    def listing(folder: Path) -> dict[str, Path]:
        found: dict[str, Path] = {}
        # by suffix priority: a night.edf beside night.csv is its PSG, not its hypnogram
        for suffix in HYPNOGRAM_SUFFIXES:
            for p in sorted(folder.iterdir()):
                if p.is_file() and p.suffix.lower() == suffix:
                    found.setdefault(_key(p), p)
        return found

    left, right = listing(true), listing(pred)
    common = sorted(set(left) & set(right))
    if not common:
        raise FileFormatError(
            pred,
            f"no file stem in common with {true}",
            "name predicted and true hypnograms alike (e.g. NIGHT.tsv and NIGHT.edf)",
        )
    unpaired = sorted(set(left) ^ set(right))
    if unpaired:
        logger.warning("no partner for %d file(s): %s", len(unpaired), unpaired[:10])
    return [(left[k], right[k]) for k in common]


def compare_files(
    true: Path, pred: Path, *, progress: bool = False
) -> tuple[StagingMetrics, list[NightComparison]]:
    """Metrics of predicted against true hypnograms, pooled over all pairs.

    Parameters
    ----------
    true, pred : Path
        Two hypnogram files, or two folders paired by file stem (any format
        :func:`read_hypnogram` reads).
    progress : bool
        Show one step per pair of folders' files with
        :func:`~seqsleepnet.progress.progress_steps` (nothing for two files).

    Returns
    -------
    pooled : StagingMetrics
        Over the overlapping, scored epochs of every pair.
    nights : list of NightComparison
    """
    nights, all_t, all_p = [], [], []
    pairs = pair_files(Path(true), Path(pred))
    with progress_steps("evaluate", len(pairs), enabled=progress and len(pairs) > 1) as steps:
        for t_file, p_file in pairs:
            t_hyp, p_hyp = read_hypnogram(t_file), read_hypnogram(p_file)
            t, p = align_hypnograms(t_hyp, p_hyp)
            if t.size < max(t_hyp.n_epochs, p_hyp.n_epochs):
                logger.warning(
                    "%s: comparing the %d overlapping epochs of %d and %d",
                    p_file,
                    t.size,
                    t_hyp.n_epochs,
                    p_hyp.n_epochs,
                )
            metrics = compute_metrics(t, p)
            nights.append(
                NightComparison(
                    t_file,
                    p_file,
                    t_hyp.n_epochs,
                    p_hyp.n_epochs,
                    int(t.size),
                    metrics,
                    t,
                    p,
                    t_hyp.epoch_length,
                    max(t_hyp.onset, p_hyp.onset),
                )
            )
            all_t.append(t)
            all_p.append(p)
            steps.done(p_file.name)
    return compute_metrics(np.concatenate(all_t), np.concatenate(all_p)), nights
