"""Bland-Altman plots of the sleep statistics (matplotlib, no pyplot state)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from seqsleepnet.errors import ConfigError
from seqsleepnet.evaluation.bland_altman import BlandAltman
from seqsleepnet.evaluation.sleep_stats import COMPARED_STATISTICS

__all__ = ["bland_altman_figure"]


def bland_altman_figure(
    results: Mapping[str, BlandAltman],
    values: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]],
    *,
    columns: int = 5,
) -> Figure:
    """One Bland-Altman panel per statistic: difference against mean, night by night.

    Each night is a dot at (mean of both, predicted - expert); the bias is a
    solid line, the 95% limits of agreement dashed, the regression of the
    difference on the mean (proportional bias) dotted.

    Parameters
    ----------
    results : mapping of str to BlandAltman
        Keyed by the statistic's key in
        :data:`~seqsleepnet.evaluation.sleep_stats.COMPARED_STATISTICS`.
    values : mapping of str to (expert, predicted)
        The nights' values behind each result, arrays of shape (n,).
    columns : int
        Panels per row.

    Returns
    -------
    Figure

    Raises
    ------
    ConfigError
        If ``results`` is empty.
    """
    shown = [s for s in COMPARED_STATISTICS if s.key in results]
    if not shown:
        raise ConfigError("no sleep statistic to draw: no night has both scorings defined")
    rows = math.ceil(len(shown) / columns)
    width = min(columns, len(shown))
    fig = Figure(figsize=(2.9 * width, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, width, squeeze=False)
    for ax in axes.flat[len(shown) :]:
        ax.set_visible(False)
    for ax, statistic in zip(axes.flat, shown, strict=False):
        ba = results[statistic.key]
        expert, predicted = (np.asarray(v, dtype=np.float64) for v in values[statistic.key])
        mean, difference = (predicted + expert) / 2, predicted - expert
        ax.axhline(0.0, color="0.75", linewidth=0.8)
        ax.scatter(mean, difference, s=14, color="#3a78b5", alpha=0.8, zorder=3)
        ax.axhline(ba.bias, color="black", linewidth=1.2)
        for limit in (ba.loa_low, ba.loa_high):
            if limit is not None:
                ax.axhline(limit, color="#d1495b", linestyle="--", linewidth=1.0)
        if ba.slope is not None and ba.intercept is not None:
            span = np.array([mean.min(), mean.max()])
            ax.plot(span, ba.intercept + ba.slope * span, color="0.3", linestyle=":")
        ax.set_title(f"{statistic.label} ({statistic.unit})", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("mean of both", fontsize=8)
        ax.set_ylabel("predicted - expert", fontsize=8)
    return fig
