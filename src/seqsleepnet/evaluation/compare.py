"""Compare hypnogram files: align two scorings of a night by absolute time and pool the metrics.

Each pair is aligned by :func:`seqsleepnet.alignment.align_hypnograms`, the
same function ``stage --true`` uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqsleepnet.alignment import AlignedPair, align_hypnograms
from seqsleepnet.errors import FileFormatError
from seqsleepnet.evaluation.metrics import StagingMetrics, compute_metrics
from seqsleepnet.io.hypnogram import HYPNOGRAM_SUFFIXES, read_hypnogram
from seqsleepnet.progress import progress_steps

__all__ = ["NightComparison", "compare_files", "pair_files"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NightComparison:
    """One pair of files, how they were aligned and how many epochs they share."""

    true_file: Path
    pred_file: Path
    true_epochs: int
    pred_epochs: int
    compared: int  # epochs in the overlap
    metrics: StagingMetrics
    alignment: AlignedPair


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
        return {
            _key(p): p
            for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in HYPNOGRAM_SUFFIXES
        }

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

    Raises
    ------
    AlignmentError
        If a pair cannot be aligned (see :func:`~seqsleepnet.alignment.align_hypnograms`).
    """
    nights, all_t, all_p = [], [], []
    pairs = pair_files(Path(true), Path(pred))
    with progress_steps("evaluate", len(pairs), enabled=progress and len(pairs) > 1) as steps:
        for t_file, p_file in pairs:
            t_hyp, p_hyp = read_hypnogram(t_file), read_hypnogram(p_file)
            pair = align_hypnograms(t_hyp, p_hyp)
            if pair.cropped or not pair.by_clock:
                logger.info("%s", pair.note)
            t, p = pair.true.stages, pair.pred.stages
            metrics = compute_metrics(t, p)
            nights.append(
                NightComparison(
                    t_file, p_file, t_hyp.n_epochs, p_hyp.n_epochs, int(t.size), metrics, pair
                )
            )
            all_t.append(t)
            all_p.append(p)
            steps.done(p_file.name)
    return compute_metrics(np.concatenate(all_t), np.concatenate(all_p)), nights
