"""Agreement of predicted with expert hypnograms over a set of nights: what ``evaluate`` computes.

The pairs are found, read and aligned by
:func:`seqsleepnet.evaluation.compare.compare_files`. Each night is then
(optionally) cut to the Sleep-EDF window (:mod:`~seqsleepnet.evaluation.wake_trim`)
and compared by :func:`~seqsleepnet.evaluation.agreement.night_agreement`.
Over the comparable nights this module gives

- the pooled metrics (from the summed confusion matrices), with bootstrap 95%
  confidence intervals over nights (:mod:`~seqsleepnet.evaluation.pooled`);
- the mean, standard deviation, minimum and maximum of each night's metrics;
- the pooled agreement next to expert stage changes and elsewhere;
- the Bland-Altman agreement (:mod:`~seqsleepnet.evaluation.bland_altman`) of
  every statistic of :data:`~seqsleepnet.evaluation.sleep_stats.COMPARED_STATISTICS`
  over the nights where both values are defined.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import HypnogramError
from seqsleepnet.evaluation.agreement import (
    NOTHING_COMPARABLE,
    NightAgreement,
    left_out,
    night_agreement,
)
from seqsleepnet.evaluation.bland_altman import BlandAltman, bland_altman
from seqsleepnet.evaluation.compare import NightComparison, compare_files
from seqsleepnet.evaluation.metrics import StagingMetrics, kappa_text, row_normalised
from seqsleepnet.evaluation.pooled import (
    POOLED_METRICS,
    bootstrap_pooled_ci,
    check_bootstrap,
    metric_values,
)
from seqsleepnet.evaluation.sleep_stats import COMPARED_STATISTICS
from seqsleepnet.evaluation.transitions import TransitionAgreement, transition_counts
from seqsleepnet.evaluation.wake_trim import WakeTrim, check_wake_trim, trim_wake

__all__ = ["CohortAgreement", "EvaluatedNight", "evaluate_agreement", "evaluate_night"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluatedNight:
    """One night as compared: the aligned (and trimmed) stages and their agreement.

    Attributes
    ----------
    comparison : NightComparison
        The pair of files and their overlap.
    trim : WakeTrim or None
        The epochs of the overlap kept by ``--wake-trim-min``, if given.
    true, pred : numpy.ndarray of int8, shape (E,)
        The compared epochs (-1 unscored).
    onset : float
        Seconds from the expert recording's start to the first compared epoch.
    agreement : NightAgreement
    """

    comparison: NightComparison
    trim: WakeTrim | None
    true: npt.NDArray[np.int8]
    pred: npt.NDArray[np.int8]
    onset: float
    agreement: NightAgreement

    @property
    def name(self) -> str:
        """The night's name (the predicted file's name up to its first dot)."""
        return self.comparison.name

    def line(self) -> str:
        """One line for the console: the epochs compared and the night's agreement.

        The epochs compared are those both scored; the line also gives the
        epochs of each file, the epochs they share and, when some of those are
        not compared, how many each side scored alone.
        """
        c = self.comparison
        head = (
            f"{c.pred_file.name}: {self.agreement.metrics.epochs} epochs compared "
            f"(true {c.true_epochs}, predicted {c.pred_epochs}"
        )
        if self.trim is not None:
            head += f", {self.trim.kept} kept by --wake-trim-min"
        omitted = left_out(self.true, self.pred)
        if omitted is not None:
            kept = "kept" if self.trim is not None else "shared"
            head += f"; left out of the {self.true.size} {kept}: {omitted}"
        head += ")"
        if not self.agreement.comparable:
            return f"{head}: {NOTHING_COMPARABLE}"
        m = self.agreement.metrics
        return f"{head}, accuracy {m.accuracy:.3f}, kappa {kappa_text(m.kappa)}"


def evaluate_night(comparison: NightComparison, wake_trim_min: float | None) -> EvaluatedNight:
    """Trim one aligned night (if asked) and compare its scorings.

    Raises
    ------
    HypnogramError
        With ``wake_trim_min``, if the expert scored no sleep in the overlap.
    """
    true, pred, onset = comparison.true_stages, comparison.pred_stages, comparison.onset
    trim = None
    if wake_trim_min is not None:
        trim = trim_wake(
            true, comparison.epoch_length, wake_trim_min, source=str(comparison.true_file)
        )
        true, pred = true[trim.first : trim.stop], pred[trim.first : trim.stop]
        onset += trim.first * comparison.epoch_length
    agreement = night_agreement(true, pred, comparison.epoch_length)
    return EvaluatedNight(comparison, trim, true, pred, onset, agreement)


@dataclass(frozen=True)
class CohortAgreement:
    """Agreement over a set of nights; see the module docstring for each part.

    Attributes
    ----------
    nights : list of EvaluatedNight
        Every pair, comparable or not, in pairing order.
    pooled : StagingMetrics
        Over every epoch of the comparable nights.
    ci : dict of str to (low, high), or None
        Bootstrap interval of each of :data:`~seqsleepnet.evaluation.pooled.POOLED_METRICS`;
        None with fewer than two comparable nights.
    across_nights : dict of str to dict of str to float
        ``{metric: {"mean", "sd", "min", "max"}}`` of the comparable nights' metrics, over
        the nights where the metric is defined (NaN where none is)
        (``sd`` with ``ddof=1``, 0 for one night).
    transitions : TransitionAgreement
        Pooled over the comparable nights.
    bland_altman : dict of str to BlandAltman
        Keyed by statistic; a statistic defined in no night is left out.
    wake_trim_min : float or None
    n_boot, seed : int
    level : float
    """

    nights: list[EvaluatedNight]
    pooled: StagingMetrics
    ci: dict[str, tuple[float, float]] | None
    across_nights: dict[str, dict[str, float]]
    transitions: TransitionAgreement
    bland_altman: dict[str, BlandAltman]
    wake_trim_min: float | None
    n_boot: int
    seed: int
    level: float = 0.95

    @property
    def comparable(self) -> list[EvaluatedNight]:
        """The nights with at least one epoch scored by both."""
        return [n for n in self.nights if n.agreement.comparable]

    def paired_statistic(self, key: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Expert and predicted values of a statistic over the comparable nights defining it.

        Parameters
        ----------
        key : str
            A key of :data:`~seqsleepnet.evaluation.sleep_stats.COMPARED_STATISTICS`.

        Returns
        -------
        expert, predicted : numpy.ndarray of float64, shape (n,)
            The values behind :attr:`bland_altman` ``[key]``.
        """
        return _paired(self.comparable, key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the pooled metrics under the keys of ``evaluate --json``, then the rest.

        An undefined metric (NaN: kappa of one stage, F1 of an unused stage) is ``None``.
        """
        return _json_safe(self._fields())

    def _fields(self) -> dict[str, Any]:
        return {
            **self.pooled.to_dict(),
            "confusion_normalised": row_normalised(self.pooled.confusion).tolist(),
            "ci": None if self.ci is None else {k: list(v) for k, v in self.ci.items()},
            "bootstrap": {"resamples": self.n_boot, "seed": self.seed, "level": self.level},
            "across_nights": self.across_nights,
            "transitions": self.transitions.to_dict(),
            "bland_altman": {k: v.to_dict() for k, v in self.bland_altman.items()},
            "wake_trim_min": self.wake_trim_min,
            "n_nights": len(self.nights),
            "n_comparable": len(self.comparable),
            "nights": [
                {
                    "name": n.name,
                    "true_file": str(n.comparison.true_file),
                    "pred_file": str(n.comparison.pred_file),
                    "overlap_epochs": n.comparison.compared,
                    "alignment": {
                        "by_clock": n.comparison.alignment.by_clock,
                        "cropped": n.comparison.alignment.cropped,
                        "note": n.comparison.alignment.note,
                    },
                    "onset": n.onset,
                    **n.agreement.to_dict(),
                }
                for n in self.nights
            ],
        }


def _across(nights: list[EvaluatedNight]) -> dict[str, dict[str, float]]:
    """Mean, SD, min and max of each metric over the nights where it is defined (else NaN)."""
    table = np.array([list(metric_values(n.agreement.metrics).values()) for n in nights])
    out = {}
    for i, name in enumerate(POOLED_METRICS):
        values = table[:, i][~np.isnan(table[:, i])]
        if not values.size:
            out[name] = dict.fromkeys(("mean", "sd", "min", "max"), float("nan"))
            continue
        out[name] = {
            "mean": float(values.mean()),
            "sd": float(values.std(ddof=1)) if values.size > 1 else 0.0,
            "min": float(values.min()),
            "max": float(values.max()),
        }
    return out


def _json_safe(value: Any) -> Any:
    """NaN (an undefined metric) as None, in nested dicts and lists, so the JSON stays valid."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _paired(
    nights: list[EvaluatedNight], key: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Expert and predicted values of one statistic, over the nights where both are defined."""
    pairs = [
        (s.expert[key], s.predicted[key])
        for n in nights
        if (s := n.agreement.statistics) is not None
        and s.expert[key] is not None
        and s.predicted[key] is not None
    ]
    table = np.array(pairs, dtype=np.float64).reshape(-1, 2)  # (n, 2)
    return table[:, 0], table[:, 1]


def _bland_altman(nights: list[EvaluatedNight]) -> dict[str, BlandAltman]:
    found = {}
    for statistic in COMPARED_STATISTICS:
        expert, predicted = _paired(nights, statistic.key)
        if expert.size:
            found[statistic.key] = bland_altman(expert, predicted, statistic.key)
    return found


def _pooled_transitions(nights: list[EvaluatedNight]) -> TransitionAgreement:
    counts = np.array([np.ravel(transition_counts(n.true, n.pred)) for n in nights])  # (S, 4)
    near_hit, near_all, other_hit, other_all = (int(v) for v in counts.sum(axis=0))
    return TransitionAgreement.from_counts((near_hit, near_all), (other_hit, other_all))


def evaluate_agreement(
    true: str | Path,
    pred: str | Path,
    *,
    wake_trim_min: float | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    progress: bool = False,
) -> CohortAgreement:
    """Agreement of predicted with expert hypnograms, night by night and over all nights.

    Parameters
    ----------
    true, pred : str or Path
        Two hypnogram files, or two folders of them (paired as
        :func:`~seqsleepnet.evaluation.compare.pair_files` does).
    wake_trim_min : float, optional
        Keep only this many minutes of wake before the expert's first and after
        the last sleep epoch (the Sleep-EDF convention: 30).
    n_boot, seed : int
        Bootstrap resamples of the nights and the seed of the resampling.
    progress : bool
        Show one step per pair of folders' files.

    Returns
    -------
    CohortAgreement

    Raises
    ------
    ConfigError
        If ``n_boot < 1`` or ``wake_trim_min`` is negative.
    HypnogramError
        If no pair has an epoch scored by both (nothing comparable), or with
        ``wake_trim_min`` a night whose expert scored no sleep.
    FileFormatError, AlignmentError
        From pairing, reading and aligning the files.
    """
    check_bootstrap(n_boot)
    if wake_trim_min is not None:
        check_wake_trim(wake_trim_min)
    _, comparisons = compare_files(Path(true), Path(pred), progress=progress)
    nights = [evaluate_night(c, wake_trim_min) for c in comparisons]
    comparable = [n for n in nights if n.agreement.comparable]
    if not comparable:
        raise HypnogramError(
            f"{pred}: {NOTHING_COMPARABLE} in {len(nights)} pair(s) of files; check that the "
            "predicted and expert hypnograms are of the same nights and overlap in time"
        )
    for night in nights:
        if not night.agreement.comparable:
            logger.warning("%s: %s; left out", night.comparison.pred_file, NOTHING_COMPARABLE)
    confusions = np.stack([n.agreement.metrics.confusion for n in comparable])  # (S, 5, 5)
    ci = bootstrap_pooled_ci(confusions, n_boot=n_boot, seed=seed) if len(comparable) > 1 else None
    return CohortAgreement(
        nights=nights,
        pooled=StagingMetrics.from_confusion(confusions.sum(axis=0)),
        ci=ci,
        across_nights=_across(comparable),
        transitions=_pooled_transitions(comparable),
        bland_altman=_bland_altman(comparable),
        wake_trim_min=wake_trim_min,
        n_boot=n_boot,
        seed=seed,
    )
