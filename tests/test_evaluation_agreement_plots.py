"""Bland-Altman plots: one panel per statistic with its lines."""

from __future__ import annotations

import numpy as np
import pytest

from seqsleepnet.errors import ConfigError
from seqsleepnet.evaluation.agreement_plots import bland_altman_figure
from seqsleepnet.evaluation.bland_altman import bland_altman


def test_one_panel_per_statistic_with_bias_limits_and_slope() -> None:
    expert = np.array([400.0, 420.0, 380.0, 450.0])
    predicted = expert + np.array([10.0, -5.0, 3.0, 12.0])
    results = {
        "tst": bland_altman(expert, predicted, "tst"),
        "waso": bland_altman(expert / 10, predicted / 10, "waso"),
    }
    values = {"tst": (expert, predicted), "waso": (expert / 10, predicted / 10)}
    figure = bland_altman_figure(results, values)
    shown = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == ["TST (min)", "WASO (min)"]
    lines = shown[0].get_lines()  # zero, bias, two limits, regression
    assert len(lines) == 5
    assert lines[1].get_ydata()[0] == pytest.approx(results["tst"].bias)


def test_nothing_to_draw_is_refused() -> None:
    with pytest.raises(ConfigError, match="no sleep statistic to draw"):
        bland_altman_figure({}, {})
