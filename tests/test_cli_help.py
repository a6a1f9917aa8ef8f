"""Help that reads like MNE's: ``--out PATH`` and bare flags, no typer ``<bool>`` or ``{file}``."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from seqsleepnet.cli import app

runner = CliRunner()

GROUP = typer.main.get_group(app)
COMMANDS = sorted(GROUP.commands)

# typer's own metavars: <bool>, <path>, <list[Path]>, <int range>; {file} for a required argument
TYPER_TYPE = re.compile(r"<(?:bool|str|int|float|path|file|dir|list\[.*?\]|\w+ range)>", re.I)
USAGE_BRACES = re.compile(r"Usage:.*\{\w+\}")


def _typer_metavars(text: str) -> list[str]:
    return TYPER_TYPE.findall(text) + USAGE_BRACES.findall(text)


def _help(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "100"}, terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_checked() -> None:
    assert {"stage", "hypnogram", "train", "cohort", "evaluate", "preprocessing"} <= set(COMMANDS)


def test_the_pattern_finds_typer_metavars() -> None:
    for text in (
        "--json <bool>",
        "<list[Path]>",
        "Usage: x stage [OPTIONS] {inputs}...",
        "<int range>",
    ):
        assert _typer_metavars(text), text
    assert not _typer_metavars("Usage: x stage INPUTS...\n --out PATH  one <recording>.npz, {stem}")


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)], ids=lambda c: " ".join(c))
def test_help_has_no_typer_metavars(command: list[str]) -> None:
    text = _help(*command)
    assert not _typer_metavars(text), text


def test_flags_have_no_type_and_values_an_upper_case_one() -> None:
    text = _help("stage")
    assert re.search(r"Usage: .* stage \[OPTIONS\] INPUTS\.\.\.", text)
    assert re.search(r"--out\s+-o\s+PATH\s+Output folder", text)
    assert re.search(r"--jobs\s+-j\s+INTEGER \[x>=1\]", text)
    assert re.search(r"--help\s+-h\s+Show this message", text)


@pytest.mark.parametrize("command", COMMANDS)
def test_no_sentence_is_broken_inside_a_paragraph(command: str) -> None:
    # a hard line break inside a paragraph shows up in the list of 'seqsleepnet --help'
    help_text = GROUP.commands[command].help or ""
    for paragraph in help_text.split("\n\n"):
        assert "\n" not in paragraph.strip(), paragraph
