"""Tests of ``seqsleepnet models`` through the CLI runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import seqsleepnet.cli.models  # noqa: F401  (registers the command)
from seqsleepnet.cli._app import app
from seqsleepnet.models.registry import list_models


def test_models_json() -> None:
    result = CliRunner().invoke(app, ["models", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = [{k: e[k] for k in ("name", "parameters", "input")} for e in list_models()]
    assert data == {"models": expected}
    assert data["models"][0] == {"name": "seqsleepnet", "parameters": 158_053, "input": "tf"}


def test_models_table() -> None:
    result = CliRunner().invoke(app, ["models"])
    assert result.exit_code == 0, result.output
    for name in ("seqsleepnet", "arnn", "multitask-arnn", "deepsleepnet"):
        assert name in result.stdout
    assert "158,053" in result.stdout
