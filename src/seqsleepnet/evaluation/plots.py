"""Confusion-matrix figure (PNG, drawn without a display)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt

from seqsleepnet.errors import ConfigError
from seqsleepnet.io.atomic import atomic_path
from seqsleepnet.stages import STAGE_NAMES

__all__ = ["plot_confusion"]


def plot_confusion(
    confusion: npt.ArrayLike, path: str | Path, *, title: str = "Confusion matrix"
) -> Path:
    """Draw a confusion matrix as a PNG, rows normalised to percent of the true stage.

    Parameters
    ----------
    confusion : array_like of int, shape (5, 5)
        Counts; rows true stage, columns predicted stage (W, N1, N2, N3, REM).
    path : str or Path
        Output PNG, written atomically.
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
    cm = np.asarray(confusion, dtype=np.int64)
    k = len(STAGE_NAMES)
    if cm.shape != (k, k):
        raise ConfigError(f"confusion must have shape ({k}, {k}), got {cm.shape}")
    rows = cm.sum(axis=1, keepdims=True)
    percent = np.divide(100.0 * cm, rows, out=np.zeros(cm.shape), where=rows > 0)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
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
    fig.tight_layout()
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return target
