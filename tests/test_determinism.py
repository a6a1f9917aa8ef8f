"""The same recording, model and seed give byte-identical outputs, run after run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from bad_inputs.cases import GOOD_START, write_good_checkpoint, write_good_psg
from seqsleepnet.cli import app
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram
from seqsleepnet.report.outputs import OUTPUT_SUFFIXES

runner = CliRunner()


def _png_chunks(data: bytes) -> list[bytes]:
    """Chunk types of a PNG file, in order."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, position = [], 8
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        chunks.append(data[position + 4 : position + 8])
        position += 12 + length
    return chunks


def test_two_runs_write_byte_identical_files(tmp_path: Path) -> None:
    psg = write_good_psg(tmp_path / "night.edf")
    expert = write_hypnogram(
        Hypnogram([0, 0, 1, 2, 2, 2, 3, 3, 2, 4] * 2, start_time=GOOD_START), tmp_path / "e.tsv"
    )
    # two checkpoints built from the same seed, loaded separately by each run
    first = write_good_checkpoint(tmp_path / "first.pt")
    second = write_good_checkpoint(tmp_path / "second.pt")
    assert first.read_bytes() == second.read_bytes()
    for model, out in ((first, "out_a"), (second, "out_b")):
        result = runner.invoke(
            app,
            [
                "stage",
                str(psg),
                "--out",
                str(tmp_path / out),
                "--model",
                str(model),
                "--true",
                str(expert),
            ],
        )
        assert result.exit_code == 0, result.output + result.stderr
    names = sorted(p.name for p in (tmp_path / "out_a").iterdir())
    assert names == sorted(f"night{suffix}" for suffix in OUTPUT_SUFFIXES)
    assert sorted(p.name for p in (tmp_path / "out_b").iterdir()) == names
    for name in names:
        a, b = (tmp_path / "out_a" / name).read_bytes(), (tmp_path / "out_b" / name).read_bytes()
        assert a == b, f"{name} differs between two identical runs"


def test_outputs_carry_no_run_dependent_data(tmp_path: Path) -> None:
    psg = write_good_psg(tmp_path / "night.edf")
    model = write_good_checkpoint(tmp_path / "model.pt")
    result = runner.invoke(
        app, ["stage", str(psg), "--out", str(tmp_path / "out"), "--model", str(model)]
    )
    assert result.exit_code == 0, result.output + result.stderr
    out = tmp_path / "out"
    # the annotation file starts when the recording starts, not when it was written
    assert read_hypnogram(out / "night.annotations.edf").start_time == GOOD_START
    # no PNG time chunk; text chunks name the software only
    png = (out / "night.png").read_bytes()
    chunks = _png_chunks(png)
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND" and b"tIME" not in chunks
    today = date.today()
    for text in (
        (out / "night.html").read_text(),
        (out / "night.stats.json").read_text(),
        png.decode("latin-1"),
    ):
        for stamp in (today.isoformat(), today.strftime("%d.%m.%Y"), today.strftime("%b %d")):
            assert stamp not in text
    statistics = json.loads((out / "night.stats.json").read_text())
    # the outputs agree with each other: TSV, CSV and EDF+ hold the same stages
    tsv = read_hypnogram(out / "night.hypnogram.tsv")
    table = pd.read_csv(out / "night.csv")
    assert list(table["stage"]) == list(tsv.to_frame()["stage"])
    np.testing.assert_array_equal(read_hypnogram(out / "night.annotations.edf").stages, tsv.stages)
    assert statistics["recording"] == "night"
