import html
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from seqsleepnet.period import SleepPeriod
from seqsleepnet.report.html import render_report
from seqsleepnet.report.outputs import OUTPUT_SUFFIXES, write_outputs
from seqsleepnet.report.plots import plot_attention, plot_hypnogram, plot_probabilities
from seqsleepnet.result import StagingResult


def _result(name: str = "night <1>") -> StagingResult:
    rng = np.random.default_rng(0)
    stages = np.repeat(np.array([0, 1, 2, 3, 2, 4, 0], dtype=np.int8), 6)
    probabilities = rng.dirichlet(np.ones(5), size=stages.size).astype(np.float32)
    attention = rng.dirichlet(np.ones(29), size=stages.size).astype(np.float32)
    return StagingResult(
        stages,
        probabilities,
        np.arange(stages.size) * 30.0,
        attention,
        name=name,
        channels=["C4-M1"],
        roles=["eeg"],
        model="test model",
    )


def test_hypnogram_plot_draws_both_hypnograms_when_expert_given() -> None:
    stages = np.array([0, 1, 2, 3, 4, -1])
    figure = plot_hypnogram(stages, true=stages)
    axis = figure.axes[0]
    assert [t.get_text() for t in axis.get_yticklabels()] == ["N3", "N2", "N1", "REM", "W"]
    assert [t.get_text() for t in axis.get_legend().get_texts()] == ["expert", "predicted"]


def test_probability_and_attention_plots() -> None:
    result = _result()
    assert len(plot_probabilities(result.probabilities).axes[0].collections) == 5
    assert result.attention is not None
    lines = plot_attention(result.attention, result.stages).axes[0].get_lines()
    assert len(lines) == 6  # five stages + the uniform reference


def test_the_probability_band_greys_epochs_without_signal() -> None:
    p = np.full((6, 5), 0.2)
    p[2:4] = np.nan  # an EDF+D gap: nothing recorded, nothing staged
    (grey,) = plot_probabilities(p).axes[0].patches
    assert (grey.get_x() * 120, grey.get_width() * 120) == pytest.approx((2.0, 2.0))  # epochs


def test_a_single_unscored_epoch_is_grey_over_its_whole_30_s() -> None:
    patches = plot_hypnogram(np.array([2, 2, -1, 2])).axes[0].patches
    (grey,) = [p for p in patches if isinstance(p, Rectangle)]  # the stages are StepPatches
    assert (grey.get_x() * 120, grey.get_width() * 120) == pytest.approx((2.0, 1.0))  # epochs


def test_report_is_self_contained_and_escapes_names() -> None:
    page = render_report(_result(), true=_result().stages, demo_model=True)
    assert "night &lt;1&gt;" in page and "night <1>" not in page
    assert not re.search(r"(src|href)=[\"']https?://", page)
    assert page.count("data:image/png;base64,") == 3  # night, expert beside predicted, attention
    assert "Agreement with the expert hypnogram" in page and "100.0 %" in page
    assert "demonstration model trained on synthetic PSG" in page
    assert "Total sleep time (TST)" in page


def test_write_outputs_writes_every_file_and_no_temporary_file(tmp_path: Path) -> None:
    paths = write_outputs(_result("n1"), tmp_path / "out")
    assert set(paths) == set(OUTPUT_SUFFIXES)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"n1{s}" for s in OUTPUT_SUFFIXES
    )
    assert paths[".png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert '"tst": 15.0' in paths[".stats.json"].read_text()


def _expert() -> np.ndarray:
    """An expert scoring of :func:`_result`'s 42 epochs that differs in a few places."""
    true = _result().stages.copy()
    true[[5, 6, 20]] = [1, 1, 3]
    true[30] = -1
    return true


def test_report_with_expert_shows_confusion_statistics_side_by_side_and_definitions() -> None:
    page = render_report(_result(), true=_expert())
    assert 'class="cm"' in page and "expert \\ predicted" in page
    assert "Sleep statistics: expert and predicted" in page and "predicted - expert" in page
    assert "next to an expert stage change" in page
    terms = ("Total sleep time (TST)", "Sleep efficiency (SE)", "Wake after sleep onset (WASO)")
    for term in (*terms, "Sleep onset latency (SOL)", "REM latency", "Cohen&#x27;s kappa"):
        assert f"<dt>{term}</dt>" in page
    assert "from sleep onset to the first REM epoch (AASM)" in page  # REM latency: from where


def test_report_shows_no_per_stage_scores_for_a_stage_neither_scoring_uses() -> None:
    result = _result()
    result.stages[result.stages == 3] = 2  # no N3 predicted ...
    true = _expert()
    true[true == 3] = 2  # ... nor scored
    page = render_report(result, true=true)
    assert "<td>N3</td><td>n/a</td><td>n/a</td><td>n/a</td><td>1.000</td>" in page
    assert "n/a: a stage neither scoring uses has no F1" in page
    assert "<td>N2</td><td>n/a</td>" not in page
    assert "n/a: a stage" not in render_report(_result(), true=_expert())


def test_report_says_nothing_comparable_for_an_unscored_expert() -> None:
    page = render_report(_result(), true=np.full(42, -1, dtype=np.int8))
    assert "Nothing comparable" in page and "Accuracy <b>" not in page


def test_stats_json_has_the_agreement_evaluate_computes_for_the_same_pair(tmp_path: Path) -> None:
    from seqsleepnet.evaluation.cohort_agreement import evaluate_agreement
    from seqsleepnet.hypnogram import Hypnogram
    from seqsleepnet.io.hypnogram import write_hypnogram

    result, true = _result("n1"), _expert()
    paths = write_outputs(result, tmp_path / "out", true=true)
    stats = json.loads(paths[".stats.json"].read_text())["agreement"]
    expert = write_hypnogram(Hypnogram(true), tmp_path / "n1.tsv")
    night = evaluate_agreement(expert, paths[".hypnogram.tsv"]).to_dict()["nights"][0]
    for key in ("accuracy", "kappa", "macro_f1", "confusion", "statistics", "transitions"):
        assert stats[key] == night[key], key
    assert stats["statistics"]["tst"]["expert"] != stats["statistics"]["tst"]["predicted"]


def _gap_night() -> StagingResult:
    """:func:`_result` with a start time and 10 unscored epochs of no signal (an EDF+D gap)."""
    result = _result("gap")
    result.stages[12:22] = -1
    result.probabilities[12:22] = np.nan
    result.start_time = datetime(2020, 1, 1, 23, 40)
    return result


def _statistics_rows(page: str) -> dict[str, str]:
    """The first table of the statistics section: measure -> value."""
    section = page[page.index("<h2>Sleep statistics</h2>") :]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", section)
    return {html.unescape(k): html.unescape(v) for k, v in rows}


def test_report_shows_the_unscored_minutes_of_the_stats(tmp_path: Path) -> None:
    """Stage minutes of a night with a gap add up to the time in bed only with the unscored."""
    paths = write_outputs(_gap_night(), tmp_path / "out")
    stats = json.loads(paths[".stats.json"].read_text())
    rows = _statistics_rows(paths[".html"].read_text())
    assert stats["unscored"] == 5.0
    assert rows["Unscored (no signal, movement)"] == "5.0 min"
    assert rows["Time in bed (TIB)"] == f"{stats['tib']:.1f} min"


def test_report_and_plot_name_in_bed_bounds_and_say_what_the_rule_left_out() -> None:
    """Bounds derived by the in-bed rule are not lights off/on, and the period's note is shown."""
    result = _gap_night()
    note = "2 sleep epoch(s) outside the main sleep period were left out of the in-bed period"
    period = SleepPeriod(60.0, 1200.0, "in-bed", note)
    page = render_report(result, period=period)
    assert "in bed from 23:41, in bed to 00:00." in page
    assert f"{note[0].upper()}{note[1:]}." in page
    assert "lights off" not in page.split("<h2>Sleep statistics</h2>")[1].split("<table")[0]
    figure = result.plot(period=period)
    marks = [t.get_text() for t in figure.axes[0].texts]
    assert marks == ["in bed from", "in bed to"]
    lights = result.plot(period=SleepPeriod(60.0, 1200.0, "lights"))
    assert [t.get_text() for t in lights.axes[0].texts] == ["lights off", "lights on"]
    whole = render_report(result)
    assert "(the whole recording, no lights off/on given): recording start 23:40" in whole


def test_report_attention_plot_spans_the_night_s_own_epoch_length(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The attention plot's axis is time within the epoch: 20-s epochs end at 20 s, not 30 s."""
    import seqsleepnet.report.html as report_html

    result = _result()
    result.epoch_length = 20.0
    result.onsets = np.arange(result.n_epochs) * 20.0
    figures = []

    def plot(*args: object, **kwargs: Any) -> Figure:
        figures.append(plot_attention(*args, **kwargs))  # type: ignore[arg-type]
        return figures[-1]

    monkeypatch.setattr(report_html, "plot_attention", plot)
    render_report(result)
    times = figures[0].axes[0].get_lines()[0].get_xdata()
    assert min(times) > 0 and max(times) < 20.0
