"""Tests for ``seqsleepnet prepare`` through the typer runner and as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import seqsleepnet.cli.prepare  # noqa: F401  (registers the command)
from seqsleepnet.cli import app
from seqsleepnet.data.cache import MANIFEST_NAME, load_manifest, read_cached
from seqsleepnet.data.prepare import prepare_dataset
from test_prepare import assert_same_cache, write_dataset, write_recording

runner = CliRunner()

# Runs the CLI with the prepare command registered, whether or not the package wires it.
MAIN = "import seqsleepnet.cli.prepare; from seqsleepnet.cli import main; main()"
CLI = [sys.executable, "-c", MAIN]


def test_help_has_an_example() -> None:
    result = runner.invoke(app, ["prepare", "--help"])
    assert result.exit_code == 0
    assert "Example: seqsleepnet prepare --source sleep-edf" in result.output
    assert "--shard" in result.output and "--merge" in result.output


def test_summary_and_exit_status_with_a_failed_recording(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["night-a", "night-c"], broken="night-b")
    out = tmp_path / "cache"
    args = ["prepare", "--source", "folder", "--input", str(data), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert f"prepared 2, skipped 0, failed 1 recording(s) into {out}" in result.stdout
    assert "failed night-b:" in result.stderr and "Dozing" in result.stderr
    assert [e.recording for e in load_manifest(out)[0]] == ["night-a", "night-c"]

    (data / "night-b.tsv").unlink()
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "prepared 0, skipped 2, failed 0" in again.stdout
    assert "unpaired (ignored):" in again.stdout and "night-b.edf" in again.stdout


def test_options_reach_the_library(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["n1"])
    out = tmp_path / "cache"
    result = runner.invoke(
        app,
        ["prepare", "--source", "folder", "--input", str(data), "--out", str(out),
         "--roles", "eeg,emg", "--eeg", "C4-M1", "--in-bed", "--jobs", "1", "--no-progress"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (entry,), info = load_manifest(out)
    assert entry.channels == ["C4-M1", "Chin1-Chin2"]
    assert info["channels"] == {"eeg": "C4-M1"} and info["in_bed"] is True
    assert read_cached(out / "n1.npz").features.shape[1] == 2


def test_pattern_option(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["n1"])
    (data / "n1.tsv").rename(data / "n1.scores.tsv")
    out = tmp_path / "cache"
    base = ["prepare", "--source", "folder", "--input", str(data), "--out", str(out)]
    assert runner.invoke(app, base).exit_code == 1
    result = runner.invoke(app, [*base, "--pattern", "{stem}.scores.tsv"])
    assert result.exit_code == 0, result.output
    assert "prepared 1, skipped 0, failed 0" in result.stdout


def test_shards_then_merge(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", ["r1", "r2", "r3"])
    out = tmp_path / "cache"
    base = ["prepare", "--source", "folder", "--input", str(data), "--out", str(out)]
    for k in (1, 2):
        result = runner.invoke(app, [*base, "--shard", f"{k}/2"])
        assert result.exit_code == 0, result.output
    assert not (out / MANIFEST_NAME).exists()
    merged = runner.invoke(app, ["prepare", "--merge", "--out", str(out)])
    assert merged.exit_code == 0, merged.output
    assert [e.recording for e in load_manifest(out)[0]] == ["r1", "r2", "r3"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--source", "edfx", "--input", "."],
            "error: source='edfx' is not allowed",
        ),
        (["--input", "."], "error: prepare needs --source and --input"),
        (["--source", "folder", "--input", ".", "--shard", "3/2"], "error: shard must be 'k/N'"),
        (["--source", "mass", "--input", ".", "--pattern", "{stem}.x"], "does not take options"),
        (["--source", "folder", "--input", "absent"], "input folder not found"),
        (["--merge"], "no manifest.json and no shard manifests"),
    ],
)
def test_bad_input_gives_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["prepare", "--out", str(tmp_path / "cache"), *extra])
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_killed_run_resumes_to_the_same_cache(tmp_path: Path) -> None:
    names = [f"rec{i}" for i in range(6)]
    data = tmp_path / "data"
    data.mkdir()
    for seed, name in enumerate(names):  # 20-min nights, so that the kill lands mid-run
        write_recording(data, name, seed, n_epochs=40)
    out = tmp_path / "cache"
    command = [*CLI, "prepare", "--source", "folder", "--input", str(data), "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(out.glob("rec*.npz")) and process.poll() is None:
        assert time.monotonic() < deadline, "prepare wrote nothing in 120 s"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read() if process.stderr else ""
    done_before = sorted(p.stem for p in out.glob("rec*.npz"))
    assert 1 <= len(done_before) < len(names)
    for path in out.glob("rec*.npz"):  # whatever is visible is complete
        read_cached(path)
    listed = len(load_manifest(out)[0]) if (out / MANIFEST_NAME).exists() else 0

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"prepared {len(names) - listed}, skipped {listed}, failed 0" in rerun.stdout
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    reference = tmp_path / "reference"
    prepare_dataset("folder", data, reference, progress=False)
    assert_same_cache(out, reference)
