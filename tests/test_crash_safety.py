"""Killing ``seqsleepnet stage`` (SIGKILL) while it writes leaves no partial output set.

A real subprocess stages a batch of recordings; once the first recording's
files are written it is killed while the next ones are being written. Every
file present under its final name must then be complete and readable, each
night's outputs must be there all together or not at all, and a rerun with
``--overwrite`` must complete the batch, remove the staging folders the killed
run left and write the same bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from bad_inputs.cases import GOOD_EPOCHS, write_good_checkpoint, write_good_psg
from seqsleepnet.cli import app
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.report.outputs import OUTPUT_SUFFIXES

N_FILES = 6
PNG_END = b"IEND\xaeB`\x82"  # the IEND chunk with its CRC closes every PNG


def _check_complete(path: Path) -> None:
    """Raise AssertionError unless ``path`` is a whole, readable output file."""
    name = path.name
    if name.endswith(".hypnogram.tsv") or name.endswith(".annotations.edf"):
        assert read_hypnogram(path).n_epochs == GOOD_EPOCHS, name
    elif name.endswith(".csv"):
        table = pd.read_csv(path)
        assert len(table) == GOOD_EPOCHS and table.columns[-1] == "confidence", name
    elif name.endswith(".stats.json"):
        assert "recording" in json.loads(path.read_text()), name
    elif name.endswith(".png"):
        assert path.read_bytes().endswith(PNG_END), name
    elif name.endswith(".html"):
        assert path.read_text().rstrip().endswith("</html>"), name
    else:
        raise AssertionError(f"unexpected output {name}")


def _final(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _hidden(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("."))


def _seqsleepnet() -> list[str]:
    script = Path(sys.executable).with_name("seqsleepnet")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from seqsleepnet.cli import main; main()"]


def test_sigkill_during_stage_leaves_only_complete_files(tmp_path: Path) -> None:
    inputs = tmp_path / "psg"
    inputs.mkdir()
    for i in range(N_FILES):
        write_good_psg(inputs / f"night{i}.edf")
    model = write_good_checkpoint(tmp_path / "model.pt")
    out = tmp_path / "out"
    args = ["stage", str(inputs), "--out", str(out), "--model", str(model)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [*_seqsleepnet(), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    per_file = len(OUTPUT_SUFFIXES)
    deadline = time.monotonic() + 120.0
    try:
        # wait until the first recording's set is in place and the next one's staging folder
        # holds four files, then kill while its next file (the picture) is being written
        while time.monotonic() < deadline and process.poll() is None:
            staging = _hidden(out) if out.is_dir() else []
            if staging and len(_final(out)) >= per_file:
                with contextlib.suppress(FileNotFoundError):  # the set may just have moved
                    if len(_final(staging[0])) >= 4:
                        break
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "stage ended before it could be killed"
    survivors = _final(out)
    assert per_file <= len(survivors) < N_FILES * per_file
    assert len(survivors) % per_file == 0  # whole sets only
    for path in survivors:
        _check_complete(path)
    before = {path.name: path.read_bytes() for path in survivors}

    refused = CliRunner().invoke(app, [*args, "--quiet"])
    assert refused.exit_code == 1  # the finished nights are not overwritten without asking
    assert "already exists" in refused.stderr and "--overwrite" in refused.stderr
    for name, data in before.items():
        assert (out / name).read_bytes() == data
    result = CliRunner().invoke(app, [*args, "--overwrite"])
    assert result.exit_code == 0, result.output + result.stderr
    assert f"staged {N_FILES} of {N_FILES} file(s)" in result.output
    assert _hidden(out) == []  # temporary files of the killed run are gone
    final = _final(out)
    assert len(final) == N_FILES * per_file
    for path in final:
        _check_complete(path)
    for name, data in before.items():
        assert (out / name).read_bytes() == data, f"{name} was incomplete or differs"
