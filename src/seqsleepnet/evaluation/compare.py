"""Compare hypnogram files: align two scorings of a night by absolute time and pool the metrics.

Each pair is aligned by :func:`seqsleepnet.alignment.align_hypnograms`, the
same function ``stage --true`` uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seqsleepnet.alignment import AlignedPair, align_hypnograms
from seqsleepnet.data.sources import find_hypnograms
from seqsleepnet.errors import FileFormatError
from seqsleepnet.evaluation.metrics import StagingMetrics, compute_metrics
from seqsleepnet.io.edf_header import PSG_SUFFIXES
from seqsleepnet.io.hypnogram import HYPNOGRAM_SUFFIXES, read_hypnogram
from seqsleepnet.progress import progress_steps

__all__ = ["NightComparison", "compare_files", "pair_files"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NightComparison:
    """One pair of files, how they were aligned, and the stages of the epochs they share."""

    true_file: Path
    pred_file: Path
    true_epochs: int
    pred_epochs: int
    compared: int  # epochs in the overlap
    metrics: StagingMetrics
    alignment: AlignedPair

    @property
    def true_stages(self) -> npt.NDArray[np.int8]:
        """(compared,) expert stages of the shared epochs, -1 unscored."""
        return self.alignment.true.stages

    @property
    def pred_stages(self) -> npt.NDArray[np.int8]:
        """(compared,) predicted stages of the shared epochs."""
        return self.alignment.pred.stages

    @property
    def epoch_length(self) -> float:
        """Seconds per epoch."""
        return self.alignment.true.epoch_length

    @property
    def onset(self) -> float:
        """Seconds from the expert recording's start to the first compared epoch."""
        return self.alignment.true.onset

    @property
    def name(self) -> str:
        """The night's name: the predicted file's name up to its first dot."""
        return _key(self.pred_file)


def _key(path: Path) -> str:
    return path.name.split(".")[0]


def pair_files(true: Path, pred: Path) -> list[tuple[Path, Path, str | None]]:
    """Pair two files, or the hypnogram files of two folders: ``(true, pred, true format)``.

    A predicted file ``<name>.hypnogram.tsv`` (or any hypnogram named
    ``<name>.<ext>``) is the hypnogram of the PSG ``<name>.edf``: its true
    hypnogram is found as ``stage --true`` finds it, by the dataset sources'
    naming (:func:`~seqsleepnet.data.sources.find_hypnograms`: Sleep-EDF,
    MASS, SHHS, ISRUC-Sleep, ``<name>.<ext>``); failing that, a true file of
    the same name up to the first dot. The format of the true file is the
    one its dataset's naming implies (ISRUC-Sleep's ``1_1.txt`` is not YASA
    text), or None to go by its extension.

    Raises
    ------
    FileFormatError
        If a path is missing, one is a folder and the other not, or no
        predicted file has a true partner.
    """
    for path in (true, pred):
        if not path.exists():
            raise FileFormatError(path, "not found", "check the path")
    if true.is_file() and pred.is_file():
        return [(true, pred, None)]
    if not (true.is_dir() and pred.is_dir()):
        raise FileFormatError(pred, "give two files or two folders", "pass --true and --pred alike")
    predicted = _listing(pred)
    psgs = {pred / f"{key}{suffix}": key for key in predicted for suffix in PSG_SUFFIXES}
    partners: dict[str, tuple[Path, str | None]] = {}
    for psg, spec in find_hypnograms(list(psgs), true).items():
        partners.setdefault(psgs[psg], (spec.hypnogram, spec.hypnogram_format))
    same_name = _listing(true)
    for key in predicted:
        if key not in partners and key in same_name:
            partners[key] = (same_name[key], None)
    if not partners:
        raise FileFormatError(
            pred,
            f"no predicted hypnogram has a partner in {true}",
            "name the true hypnograms as the datasets do (e.g. SC4001E0-PSG.hypnogram.tsv "
            "with SC4001EC-Hypnogram.edf) or alike (NIGHT.tsv and NIGHT.edf)",
        )
    unpaired = sorted(set(predicted) - set(partners))
    if unpaired:
        logger.warning("no true hypnogram for %d file(s): %s", len(unpaired), unpaired[:10])
    return [(partners[key][0], predicted[key], partners[key][1]) for key in sorted(partners)]


def _listing(folder: Path) -> dict[str, Path]:
    """Hypnogram files of a folder by name up to the first dot.

    Of two files of one name the first in :data:`HYPNOGRAM_SUFFIXES` order wins:
    a ``night.edf`` beside ``night.csv`` is the night's PSG, not its hypnogram.
    """
    found: dict[str, Path] = {}
    for suffix in HYPNOGRAM_SUFFIXES:
        for p in sorted(folder.iterdir()):
            if p.is_file() and p.suffix.lower() == suffix:
                found.setdefault(_key(p), p)
    return found


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
        for t_file, p_file, t_format in pairs:
            t_hyp, p_hyp = read_hypnogram(t_file, format=t_format), read_hypnogram(p_file)
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
