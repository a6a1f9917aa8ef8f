"""Evaluation figures (PNG, drawn without a display): confusion matrix, paired
differences between models, validation curves."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from seqsleepnet.errors import ConfigError
from seqsleepnet.evaluation.metrics import row_normalised
from seqsleepnet.evaluation.paired import PairedDifference
from seqsleepnet.io.atomic import atomic_path
from seqsleepnet.stages import STAGE_NAMES

__all__ = [
    "confusion_figure",
    "plot_confusion",
    "plot_paired_differences",
    "plot_validation_curves",
]


def confusion_figure(confusion: npt.ArrayLike, *, title: str = "Confusion matrix") -> Figure:
    """A confusion matrix, each cell the percent of its true stage and the count.

    Parameters
    ----------
    confusion : array_like of int, shape (5, 5)
        Counts; rows true stage, columns predicted stage (W, N1, N2, N3, REM).
    title : str
        Figure title.

    Returns
    -------
    Figure

    Raises
    ------
    ConfigError
        If ``confusion`` is not a (5, 5) matrix.
    """
    cm = np.asarray(confusion, dtype=np.int64)
    k = len(STAGE_NAMES)
    if cm.shape != (k, k):
        raise ConfigError(f"confusion must have shape ({k}, {k}), got {cm.shape}")
    percent = 100.0 * row_normalised(cm)
    fig = Figure(figsize=(5.2, 4.6), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(percent, cmap="Blues", vmin=0, vmax=100)
    for i in range(k):
        for j in range(k):
            colour = "white" if percent[i, j] > 60 else "black"
            ax.text(
                j,
                i,
                f"{percent[i, j]:.1f}%\n({cm[i, j]})",
                ha="center",
                va="center",
                fontsize=8,
                color=colour,
            )
    ax.set_xticks(range(k), STAGE_NAMES)
    ax.set_yticks(range(k), STAGE_NAMES)
    ax.set_xlabel("predicted stage")
    ax.set_ylabel("true stage")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="% of true stage")
    return fig


def plot_confusion(
    confusion: npt.ArrayLike, path: str | Path, *, title: str = "Confusion matrix"
) -> Path:
    """Draw :func:`confusion_figure` as a PNG, written atomically.

    Parameters
    ----------
    confusion : array_like of int, shape (5, 5)
        Counts; rows true stage, columns predicted stage (W, N1, N2, N3, REM).
    path : str or Path
        Output PNG.
    title : str
        Figure title.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ConfigError
        If ``confusion`` is not a (5, 5) matrix.
    """
    return _save(confusion_figure(confusion, title=title), path)


def _save(fig: Figure, path: str | Path) -> Path:
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return target


def plot_paired_differences(
    differences: Mapping[str, Mapping[str, PairedDifference]],
    path: str | Path,
    *,
    reference: str,
) -> Path:
    """Per-subject differences of each model from the reference, one panel per metric.

    Each subject is a dot; the mean difference is a bar with its 95% CI.
    Accuracy and macro F1 are drawn in percentage points, kappa as is.

    Parameters
    ----------
    differences : mapping of str to mapping of str to PairedDifference
        ``differences[label][metric]`` (e.g. :attr:`CVComparison.differences`).
    path : str or Path
        Output PNG, written atomically.
    reference : str
        Label of the model the differences are taken from (axis titles).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ConfigError
        If ``differences`` is empty.
    """
    if not differences:
        raise ConfigError("no paired differences to plot; compare at least two models")
    labels = list(differences)
    metrics = list(differences[labels[0]])
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(1.6 + 1.5 * len(labels) * len(metrics), 4.0), squeeze=False
    )
    for ax, metric in zip(axes[0], metrics, strict=True):
        scale = 1.0 if metric == "kappa" else 100.0
        for x, label in enumerate(labels):
            d = differences[label][metric]
            if not d.subjects:  # the metric is undefined for every subject
                continue
            jitter = np.linspace(-0.15, 0.15, len(d.subjects)) if len(d.subjects) > 1 else [0.0]
            ax.scatter(x + np.asarray(jitter), scale * d.differences, s=12, alpha=0.6)
            ax.errorbar(
                x,
                scale * d.mean,
                yerr=[[scale * (d.mean - d.ci_low)], [scale * (d.ci_high - d.mean)]],
                fmt="D",
                color="black",
                capsize=5,
            )
        ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right", fontsize=8)
        unit = "" if metric == "kappa" else " (pp)"
        ax.set_title(f"{metric}{unit}: model - {reference}", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def plot_validation_curves(
    curves: Mapping[str, Mapping[int, tuple[npt.ArrayLike, npt.ArrayLike]]],
    path: str | Path,
    *,
    title: str = "Validation accuracy during training",
) -> Path:
    """Validation accuracy against training step, one colour per run, one line per fold.

    Parameters
    ----------
    curves : mapping of str to mapping of int to (steps, values)
        Run label to fold index to arrays of shape (V,): steps and accuracy
        (fraction; drawn in percent). Folds without validations are skipped.
    path : str or Path
        Output PNG, written atomically.
    title : str
        Figure title.

    Returns
    -------
    Path
        The written file.
    """
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, folds) in enumerate(curves.items()):
        colour = colours[i % len(colours)]
        shown = False
        for steps, values in folds.values():
            if np.size(steps) == 0:
                continue
            ax.plot(
                steps,
                100 * np.asarray(values),
                color=colour,
                linewidth=1.0,
                alpha=0.8,
                label=None if shown else label,
            )
            shown = True
    ax.set_xlabel("training step")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)
