"""The console tables and CSV frames of an agreement study."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seqsleepnet.evaluation.agreement_tables import (
    bland_altman_frame,
    confusion_frame,
    confusion_markdown,
    epochs_frame,
    nights_frame,
    summary_markdown,
    transitions_line,
)
from seqsleepnet.evaluation.cohort_agreement import evaluate_agreement
from seqsleepnet.evaluation.transitions import TransitionAgreement
from test_evaluation_cohort_agreement import fake_nights


def test_confusion_gives_counts_and_row_shares() -> None:
    cm = np.diag([4, 0, 2, 1, 1])
    cm[0, 1] = 4
    text = confusion_markdown(cm)
    assert "| W | 4 (50.0%) | 4 (50.0%) | 0 (0.0%) |" in text
    frame = confusion_frame(cm)
    assert frame.loc[0, "count_N1"] == 4 and frame.loc[0, "fraction_W"] == 0.5
    assert frame.loc[1, "fraction_N1"] == 0.0  # a stage never scored stays 0


def test_transitions_line_handles_no_epochs() -> None:
    line = transitions_line(TransitionAgreement(0, None, 10, 0.9))
    assert line.endswith("no epoch; elsewhere: 90.0% of 10 epochs")


def test_summary_and_frames_of_a_small_cohort(tmp_path: Path) -> None:
    fake_nights(tmp_path, nights=3)
    cohort = evaluate_agreement(tmp_path / "t", tmp_path / "p", n_boot=50)
    text = summary_markdown(cohort)
    assert "Pooled over 3 night(s)" in text and "50 resamples, seed 0" in text
    assert "| TST (min) | 3 |" in text and "| Cohen's kappa |" in text
    nights = nights_frame(cohort)
    assert nights["night"].tolist() == ["night00", "night01", "night02"]
    differences = nights["tst_predicted"] - nights["tst_expert"]
    assert differences.mean() == pytest.approx(cohort.bland_altman["tst"].bias)
    ba = bland_altman_frame(cohort.bland_altman)
    assert ba["statistic"].tolist()[:2] == ["tst", "sleep_efficiency"] and ba["nights"].eq(3).all()
    epochs = epochs_frame(cohort.nights[0])
    assert list(epochs.columns) == ["onset", "duration", "true", "pred", "agree"]
    assert set(epochs["true"]) <= {"W", "N1", "N2", "N3", "REM"}
