"""The command line imports only what a command needs: help and the light commands never load
PyTorch, MNE, SciPy's signal module or Matplotlib (each run in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PACKAGED_HYPNOGRAMS, sleep_like, write_test_edf

HEAVY = ("torch", "mne", "scipy.signal", "matplotlib")

_PROBE = """
import json, sys
from seqsleepnet.cli import app
try:
    app(sys.argv[1:], prog_name="seqsleepnet")
except SystemExit as stop:
    code = stop.code
else:
    code = 0
heavy = sorted(m for m in sys.modules if m in {heavy!r})
print(json.dumps({{"code": code, "heavy": heavy}}), file=sys.stderr)
"""


def _loaded(*args: str | Path, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """Heavy modules loaded by ``seqsleepnet ARGS`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=heavy), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stdout + done.stderr
    return list(report["heavy"])


def test_the_probe_sees_a_heavy_import() -> None:
    assert "torch" in _loaded("models", "--json")  # the model registry builds networks


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["stage", "--help"],
        ["train", "--help"],
        ["cohort", "--help"],
    ],
    ids=" ".join,
)
def test_help_and_settings_load_nothing_heavy(command: list[str]) -> None:
    assert _loaded(*command) == []


def test_preprocessing_loads_nothing_heavy() -> None:
    assert _loaded("preprocessing") == []


def test_hypnogram_conversion_loads_nothing_heavy(tmp_path: Path) -> None:
    edf = PACKAGED_HYPNOGRAMS / "SC4001EC-Hypnogram.edf"
    assert _loaded("hypnogram", edf, "--out", tmp_path / "night.tsv") == []
    assert (tmp_path / "night.tsv").is_file()
    assert _loaded("hypnogram", tmp_path / "night.tsv") == []


def test_writing_a_table_hypnogram_needs_no_pandas(tmp_path: Path) -> None:
    edf = PACKAGED_HYPNOGRAMS / "SC4001EC-Hypnogram.edf"
    for name in ("night.tsv", "night.csv"):
        assert _loaded("hypnogram", edf, "--out", tmp_path / name, heavy=("pandas",)) == []


def test_info_reads_the_header_without_mne(tmp_path: Path) -> None:
    psg = write_test_edf(tmp_path / "night.edf", {"C4-M1": (sleep_like(60.0, 100, 1), 100.0)})
    assert _loaded("info", psg, "--json") == []


def test_evaluate_loads_nothing_heavy(tmp_path: Path) -> None:
    edf = PACKAGED_HYPNOGRAMS / "SC4001EC-Hypnogram.edf"
    assert _loaded("evaluate", "--true", edf, "--pred", edf, "--json") == []


def test_staging_a_file_loads_only_what_staging_computes_with(tmp_path: Path) -> None:
    """No MNE for an EDF the direct reader reads, no pandas for the tables, and none of
    PyTorch's compiler stack (torch._dynamo, sympy: over a second of a cold ``stage``)."""
    signal = sleep_like(600.0, 100, 1)
    psg = write_test_edf(
        tmp_path / "night.edf",
        {"C4-M1": (signal, 100.0), "E1-M2": (signal * 0.5, 100.0), "Chin1-Chin2": (signal, 100.0)},
    )
    unneeded = ("mne", "pandas", "torch._dynamo", "sympy")
    assert _loaded("stage", psg, "--out", tmp_path / "out", "--quiet", heavy=unneeded) == []
    assert (tmp_path / "out" / "night.html").is_file()


@pytest.mark.parametrize("backend", ["onnxruntime", "auto"])
def test_a_cold_stage_with_onnxruntime_needs_no_pytorch_once_its_graphs_are_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    monkeypatch.setenv("SEQSLEEPNET_CACHE_DIR", str(tmp_path / "cache"))  # nothing cached yet
    signal = sleep_like(600.0, 100, 1)
    psg = write_test_edf(
        tmp_path / "night.edf",
        {"C4-M1": (signal, 100.0), "E1-M2": (signal * 0.5, 100.0), "Chin1-Chin2": (signal, 100.0)},
    )
    args = ["stage", psg, "--backend", backend, "--quiet"]
    first = _loaded(*args, "--out", tmp_path / "first", heavy=("torch",))
    assert first == ["torch"]  # the checkpoint is read and its graphs exported, once
    assert _loaded(*args, "--out", tmp_path / "second", heavy=("torch",)) == []
    for name in ("night.hypnogram.tsv", "night.csv"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
