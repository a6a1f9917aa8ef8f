"""Progress: a bar on a terminal, one plain line per step on stderr elsewhere, nothing if quiet."""

from __future__ import annotations

import io
import re

import pytest

from seqsleepnet.progress import progress_steps


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_each_step_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_steps("cohort", 2) as steps:
        steps.done("a.edf")
        steps.done("b.edf")
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"cohort: 1/2 a\.edf \(\d+\.\d s\)", lines[0])
    assert re.fullmatch(r"cohort: 2/2 b\.edf \(\d+\.\d s\)", lines[1])
    assert steps.count == 2


def test_an_unknown_total_is_counted_without_it(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_steps("evaluate") as steps:
        steps.done("night.tsv")
    assert re.fullmatch(r"evaluate: 1 night\.tsv \(\d+\.\d s\)\n", capsys.readouterr().err)


def test_quiet_shows_nothing_but_counts(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_steps("stage", 3, enabled=False) as steps:
        for name in ("read", "features", "model"):
            steps.done(name)
    assert capsys.readouterr() == ("", "")
    assert steps.count == 3


def test_a_terminal_gets_a_bar_instead_of_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with progress_steps("prepare", 2) as steps:
        steps.done("SC4001")
        steps.done("SC4002")
    assert steps.count == 2
    assert "prepare: 1/2" not in terminal.getvalue()  # no plain lines on a terminal
