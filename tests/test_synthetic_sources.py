"""Synthetic nights in each dataset layout read back through the matching loaders."""

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from seqsleepnet.cli import app
from seqsleepnet.data.cache import load_manifest, read_cached
from seqsleepnet.data.prepare import prepare_dataset
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram
from seqsleepnet.io.info import describe_recording

SOURCE_OF_LAYOUT = {"sleep-edf": "sleep-edf", "mass": "mass", "shhs": "shhs", "aasm": "folder"}
STAGES = np.array([0] * 4 + [1, 2, 2, 2, 3, 3, 3, 2, 4, 4, -1, 2, 2, 1, 0, 0], dtype=np.int8)
runner = CliRunner()


@pytest.mark.parametrize("layout", sorted(SOURCE_OF_LAYOUT))
def test_synth_output_reads_back_through_info_hypnogram_and_prepare(
    layout: str, tmp_path: Path
) -> None:
    hypnogram = tmp_path / "input.tsv"
    write_hypnogram(Hypnogram(STAGES), hypnogram)
    data = tmp_path / "data"
    result = runner.invoke(
        app,
        [
            "synth",
            "--hypnogram",
            str(hypnogram),
            "--out",
            str(data),
            "--layout",
            layout,
            "--seed",
            "3",
            "--subject",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    psg = next(p for p in data.rglob("*.edf") if "ypnogram" not in p.name and "Base" not in p.name)

    info = describe_recording(psg)
    if layout == "sleep-edf":  # its chin EMG is a 1-Hz envelope, which cannot carry EMG
        assert info.roles["emg"] is None and "'EMG submental' is sampled at 1 Hz" in info.notes[0]
        assert info.roles["eeg"] and info.roles["eog"]
    else:
        assert all(info.roles.values()), info.roles
    assert info.n_epochs == STAGES.size

    hypnogram_file = next(p for p in data.rglob("*") if p.is_file() and p != psg)
    np.testing.assert_array_equal(read_hypnogram(hypnogram_file).stages, STAGES)
    cli = runner.invoke(app, ["hypnogram", str(hypnogram_file)])
    assert cli.exit_code == 0 and "REM" in cli.output

    report = prepare_dataset(
        SOURCE_OF_LAYOUT[layout], data, tmp_path / "cache", in_bed=False, progress=False
    )
    assert report.ok and len(report.done) == 1
    entries, _ = load_manifest(tmp_path / "cache")
    cached = read_cached(tmp_path / "cache" / entries[0].file)
    np.testing.assert_array_equal(cached.labels, STAGES)
    assert cached.features.shape == (STAGES.size, 3, 29, 129)
