"""Confusion-matrix PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from seqsleepnet.errors import ConfigError
from seqsleepnet.evaluation.plots import plot_confusion


def test_png_is_drawn_and_darker_where_counts_are_high(tmp_path: Path) -> None:
    diagonal = plot_confusion(np.eye(5, dtype=int) * 50, tmp_path / "d.png")
    uniform = plot_confusion(np.ones((5, 5), dtype=int), tmp_path / "u.png")
    a, b = imread(diagonal), imread(uniform)
    assert a.shape == b.shape and a.shape[0] > 300
    # a perfect diagonal puts saturated blue cells on the image; uniform 20% rows do not
    blue = lambda img: ((img[..., 2] > 0.3) & (img[..., 0] < 0.2)).sum()  # noqa: E731
    assert blue(a) > blue(b)


def test_bad_shape_raises(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"shape \(5, 5\)"):
        plot_confusion(np.ones((3, 3)), tmp_path / "x.png")
