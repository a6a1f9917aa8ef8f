"""Compare finished cross-validations of several models on the same subjects.

For each cross-validation folder (``seqsleepnet cv``) the test predictions
of all folds are pooled into one set of metrics, as the paper's tables do.
Each further folder is compared with the first, subject by subject
(accuracy, kappa and macro F1 over each test subject's epochs), with a
bootstrap 95% confidence interval over subjects
(:mod:`seqsleepnet.evaluation.paired`). Pairs are only formed between
cross-validations that tested each subject on the same recordings and epochs.
:func:`write_comparison` writes the tables as Markdown, CSV and JSON and two
figures, as one set that never replaces an earlier one without ``overwrite``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from seqsleepnet.errors import ConfigError
from seqsleepnet.evaluation.metrics import StagingMetrics, compute_metrics, markdown_table
from seqsleepnet.evaluation.paired import PairedDifference, paired_difference
from seqsleepnet.evaluation.plots import plot_paired_differences, plot_validation_curves
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.io.output_set import output_set
from seqsleepnet.stages import STAGE_NAMES
from seqsleepnet.training.cv_results import CVResults, read_cv_results, validation_curve

__all__ = [
    "COMPARISON_FILES",
    "PAIRED_METRICS",
    "CVComparison",
    "RunSummary",
    "compare_cv",
    "compare_results",
    "write_comparison",
]

PAIRED_METRICS = ("accuracy", "kappa", "macro_f1")
_HEADS = {"accuracy": "ΔAcc (pp)", "kappa": "Δκ", "macro_f1": "ΔMF1 (pp)"}


@dataclass(frozen=True)
class RunSummary:
    """Pooled and per-subject metrics of one cross-validation.

    Attributes
    ----------
    label : str
        Row label (by default the folder name).
    folder : Path
    folds, total_folds : int
        Folds read and folds in ``folds.json``.
    pooled : StagingMetrics
        Over every test epoch of the read folds.
    per_subject : dict of str to StagingMetrics
        Over each test subject's epochs.
    fold_of : dict of str to int
        The fold that tested each subject.
    curves : dict of int to (steps, values)
        Validation accuracy against step per read fold, arrays of shape (V,).
    """

    label: str
    folder: Path
    folds: int
    total_folds: int
    pooled: StagingMetrics
    per_subject: dict[str, StagingMetrics]
    fold_of: dict[str, int]
    curves: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]

    @classmethod
    def of(cls, results: CVResults, label: str) -> RunSummary:
        """Metrics of the folds read into ``results``."""
        return cls(
            label=label,
            folder=results.folder,
            folds=len(results.read),
            total_folds=len(results.folds),
            pooled=compute_metrics(*results.pooled()),
            per_subject={s: compute_metrics(p.true, p.pred) for s, p in results.subjects.items()},
            fold_of={s: p.fold for s, p in results.subjects.items()},
            curves={k: validation_curve(results.folder, k) for k in results.read},
        )

    def subject_values(self, metric: str) -> dict[str, float]:
        """One metric (an attribute of StagingMetrics) per subject; NaN (undefined, left out
        of paired differences) for a subject without a scored epoch."""
        return {
            s: float(getattr(m, metric)) if m.epochs else float("nan")
            for s, m in self.per_subject.items()
        }


@dataclass(frozen=True)
class CVComparison:
    """Several cross-validations, each compared with the first.

    Attributes
    ----------
    runs : list of RunSummary
        ``runs[0]`` is the reference.
    differences : dict of str to dict of str to PairedDifference
        ``differences[label][metric]`` for every run after the first and
        every metric of :data:`PAIRED_METRICS`.
    n_boot, seed : int
        Bootstrap resamples and seed.
    """

    runs: list[RunSummary]
    differences: dict[str, dict[str, PairedDifference]]
    n_boot: int
    seed: int

    @property
    def reference(self) -> RunSummary:
        """The first run, which the others are compared with."""
        return self.runs[0]

    def pooled_table(self) -> str:
        """Markdown table of the pooled metrics (the paper's columns)."""
        return markdown_table({r.label: r.pooled for r in self.runs})

    def differences_table(self) -> str:
        """Markdown table of the mean paired differences and their 95% CIs."""
        head = ["vs " + self.reference.label, "subjects"]
        for metric in PAIRED_METRICS:
            head += [_HEADS[metric], "95% CI"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for label, by_metric in self.differences.items():
            subjects = len(by_metric[PAIRED_METRICS[0]].subjects)
            cells = [label, str(subjects)]
            for metric in PAIRED_METRICS:
                cells += _difference_cells(by_metric[metric], subjects)
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def markdown(self) -> str:
        """Both tables with a line on how the differences were computed."""
        return (
            f"{self.pooled_table()}\nPer-subject paired differences (other - "
            f"{self.reference.label}), mean over subjects with a bootstrap 95% CI "
            f"({self.n_boot} resamples of subjects, seed {self.seed}); pp: percentage "
            f"points.{self._undefined_note()}\n\n{self.differences_table()}"
        )

    def _undefined_note(self) -> str:
        """A sentence naming the subjects left out of a difference, or nothing."""
        left = sorted(
            {
                (metric, s)
                for by in self.differences.values()
                for metric, d in by.items()
                for s in d.undefined
            }
        )
        if not left:
            return ""
        by_metric: dict[str, list[str]] = {}
        for metric, subject in left:
            by_metric.setdefault(metric, []).append(subject)
        named = "; ".join(f"{m}: {', '.join(s)}" for m, s in by_metric.items())
        return (
            f" Subjects whose metric is undefined for a model (kappa of one stage only) are "
            f"left out of that difference ({named})."
        )

    def pooled_frame(self) -> pd.DataFrame:
        """One row per run: folds, pooled metrics and per-stage F1 (fractions)."""
        rows = []
        for r in self.runs:
            m = r.pooled
            rows.append(
                {
                    "label": r.label,
                    "folds": r.folds,
                    "accuracy": m.accuracy,
                    "kappa": m.kappa,
                    "macro_f1": m.macro_f1,
                    "sensitivity": m.sensitivity,
                    "specificity": m.specificity,
                    **{
                        f"f1_{s}": m.per_stage[s]["f1"] if m.stage_used(s) else float("nan")
                        for s in STAGE_NAMES
                    },
                    "epochs": m.epochs,
                }
            )
        return pd.DataFrame(rows)

    def differences_frame(self) -> pd.DataFrame:
        """One row per (run, metric): subjects, mean difference and CI."""
        return pd.DataFrame(
            [
                {
                    "label": label,
                    "reference": self.reference.label,
                    "metric": metric,
                    "subjects": len(d.subjects),
                    "mean": d.mean,
                    "ci_low": d.ci_low,
                    "ci_high": d.ci_high,
                }
                for label, by_metric in self.differences.items()
                for metric, d in by_metric.items()
            ]
        )

    def per_subject_frame(self) -> pd.DataFrame:
        """One row per (run, subject): fold, epochs and the paired metrics."""
        return pd.DataFrame(
            [
                {
                    "label": r.label,
                    "subject": s,
                    "fold": r.fold_of[s],
                    "epochs": m.epochs,
                    **{metric: float(getattr(m, metric)) for metric in PAIRED_METRICS},
                }
                for r in self.runs
                for s, m in r.per_subject.items()
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every run's pooled metrics and every paired difference."""
        return {
            "reference": self.reference.label,
            "bootstrap": self.n_boot,
            "seed": self.seed,
            "runs": {
                r.label: {
                    "folder": str(r.folder),
                    "folds": r.folds,
                    "total_folds": r.total_folds,
                    "subjects": len(r.per_subject),
                    "pooled": r.pooled.to_dict(),
                }
                for r in self.runs
            },
            "differences": {
                label: {metric: d.to_dict() for metric, d in by_metric.items()}
                for label, by_metric in self.differences.items()
            },
        }


def _difference_cells(d: PairedDifference, subjects: int) -> list[str]:
    """The mean and CI cells of one paired difference in the differences table.

    Accuracy and macro F1 in percentage points, kappa as is; ``undefined`` when
    no subject has the metric defined, and the subject count beside the mean
    when it is not the row's ``subjects`` (subjects with an undefined value are
    left out).
    """
    if not d.subjects:
        return ["undefined", "-"]
    scale, digits = (1.0, 3) if d.metric == "kappa" else (100.0, 1)
    mean = f"{scale * d.mean:+.{digits}f}"
    if len(d.subjects) != subjects:
        mean += f" ({len(d.subjects)} subjects)"
    return [mean, f"[{scale * d.ci_low:+.{digits}f}, {scale * d.ci_high:+.{digits}f}]"]


def _labels(folders: Sequence[Path]) -> list[str]:
    """Folder names, or the paths themselves where two names are equal."""
    names = [Path(f).name for f in folders]
    if len(set(names)) == len(names):
        return names
    return [str(f) for f in folders]


def compare_results(
    results: Sequence[CVResults],
    labels: Sequence[str],
    *,
    n_boot: int = 2000,
    seed: int = 0,
) -> CVComparison:
    """Compare cross-validation results with the first, over their common subjects.

    Parameters
    ----------
    results : sequence of CVResults
        Two or more, e.g. from :func:`read_cv_results` (possibly ``partial``).
    labels : sequence of str
        One distinct label per entry of ``results``.
    n_boot, seed : int
        Bootstrap resamples and seed; every comparison uses the same seed,
        so all of them resample subjects the same way when they share them.

    Returns
    -------
    CVComparison

    Raises
    ------
    ConfigError
        If fewer than two results or labels that are not one distinct label
        per result are given, or a result shares no test subject with the first.
    """
    if len(results) < 2:
        raise ConfigError(f"compare needs at least two cross-validations, got {len(results)}")
    if len(labels) != len(results) or len(set(labels)) != len(labels):
        raise ConfigError(f"labels {list(labels)} must be one distinct label per result")
    runs = [RunSummary.of(r, label) for r, label in zip(results, labels, strict=True)]
    reference = runs[0]
    differences = {}
    for run in runs[1:]:
        try:
            differences[run.label] = {
                metric: paired_difference(
                    metric,
                    reference.subject_values(metric),
                    run.subject_values(metric),
                    n_boot=n_boot,
                    seed=seed,
                )
                for metric in PAIRED_METRICS
            }
        except ConfigError as error:
            raise ConfigError(f"{run.folder} vs {reference.folder}: {error}") from error
    return CVComparison(runs, differences, n_boot, seed)


def _check_same_folds(reference: CVResults, other: CVResults) -> None:
    if len(other.folds) != len(reference.folds):
        raise ConfigError(
            f"{other.folder} has {len(other.folds)} folds but {reference.folder} has "
            f"{len(reference.folds)}; compare cross-validations made with the same folds "
            "(same data, --folds, --val-subjects and --seed)"
        )
    for mine, theirs in zip(other.folds, reference.folds, strict=True):
        if sorted(mine.test) != sorted(theirs.test):
            raise ConfigError(
                f"{other.folder}: fold {mine.index} tests subjects {sorted(mine.test)} but "
                f"fold {theirs.index} of {reference.folder} tests {sorted(theirs.test)}; "
                "compare cross-validations made with the same folds (same data, --folds, "
                "--val-subjects and --seed)"
            )
    _check_same_test_data(reference, other)


def _check_same_test_data(reference: CVResults, other: CVResults) -> None:
    """Refuse pairs whose test subjects were tested on other recordings or epochs."""
    for subject in sorted(set(reference.subjects) & set(other.subjects)):
        mine, theirs = other.subjects[subject], reference.subjects[subject]
        known = bool(mine.recording_ids and theirs.recording_ids)
        ids_differ = known and mine.recording_ids != theirs.recording_ids
        if ids_differ or mine.true.size != theirs.true.size:
            raise ConfigError(
                f"{other.folder} tested subject {subject} on recordings "
                f"{list(mine.recording_ids)} ({mine.true.size} epochs) but {reference.folder} on "
                f"{list(theirs.recording_ids)} ({theirs.true.size} epochs); compare "
                "cross-validations run on the same data (the same prepared recordings)"
            )
        if not np.array_equal(mine.true, theirs.true):
            differ = int(np.count_nonzero(mine.true != theirs.true))
            raise ConfigError(
                f"{other.folder} and {reference.folder} tested subject {subject} against other "
                f"expert stages ({differ} of {mine.true.size} epochs differ); compare "
                "cross-validations run on the same data (the same prepared recordings)"
            )


def compare_cv(
    folders: Sequence[Path],
    *,
    labels: Sequence[str] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> CVComparison:
    """Read finished cross-validation folders and compare them with the first.

    Parameters
    ----------
    folders : sequence of Path
        Two or more ``seqsleepnet cv`` folders, every fold finished, made
        with the same folds (the same test subjects in each fold).
    labels : sequence of str, optional
        Row labels; default the folder names (the paths if two names are equal).
    n_boot, seed : int
        Bootstrap resamples (2000) and seed (0).

    Returns
    -------
    CVComparison

    Raises
    ------
    FileFormatError
        If a folder is not a cross-validation folder or has unfinished folds
        (they are named).
    ConfigError
        If fewer than two folders are given, their folds differ, or a subject
        was tested on other recordings or another number of epochs.
    """
    if len(folders) < 2:
        raise ConfigError(
            f"compare needs at least two cross-validation folders, got {len(folders)}"
        )
    results = [read_cv_results(Path(f)) for f in folders]
    for other in results[1:]:
        _check_same_folds(results[0], other)
    chosen = list(labels) if labels is not None else _labels([Path(f) for f in folders])
    return compare_results(results, chosen, n_boot=n_boot, seed=seed)


COMPARISON_FILES = (
    "comparison.md",
    "comparison.json",
    "pooled.csv",
    "differences.csv",
    "per_subject.csv",
    "differences.png",
    "validation.png",
)
"""The files :func:`write_comparison` writes, as one set."""


def write_comparison(comparison: CVComparison, out: Path, *, overwrite: bool = False) -> list[Path]:
    """Write the comparison's tables and figures into ``out`` (created) as one set.

    Files (:data:`COMPARISON_FILES`): ``comparison.md``, ``comparison.json``
    (:meth:`CVComparison.to_dict`), ``pooled.csv``, ``differences.csv``,
    ``per_subject.csv``, ``differences.png`` (per-subject differences with
    mean and CI) and ``validation.png`` (validation accuracy against step of
    every fold). They appear together or not at all
    (:func:`~seqsleepnet.io.output_set.output_set`).

    Parameters
    ----------
    overwrite : bool
        Replace an earlier comparison in ``out``; otherwise it is refused
        before anything is written.

    Returns
    -------
    list of Path
        The written files.

    Raises
    ------
    FileFormatError
        If a file of the set exists in ``out`` without ``overwrite``, or writing failed.
    """
    folder = Path(out)
    texts = {
        "comparison.md": comparison.markdown(),
        "comparison.json": json.dumps(comparison.to_dict(), indent=1),
        "pooled.csv": comparison.pooled_frame().to_csv(index=False, float_format="%.6f"),
        "differences.csv": comparison.differences_frame().to_csv(index=False, float_format="%.6f"),
        "per_subject.csv": comparison.per_subject_frame().to_csv(index=False, float_format="%.6f"),
    }
    with output_set(folder, "comparison", COMPARISON_FILES, overwrite=overwrite) as staged:
        for name, text in texts.items():
            with atomic_write(staged[name]) as handle:
                handle.write(text)
        plot_paired_differences(
            comparison.differences,
            staged["differences.png"],
            reference=comparison.reference.label,
        )
        curves = {r.label: r.curves for r in comparison.runs}
        plot_validation_curves(curves, staged["validation.png"])
    return [folder / name for name in COMPARISON_FILES]
