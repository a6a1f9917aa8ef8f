"""Run the bad-input catalogue through the library entry points and through the CLI.

Every case must raise its package exception with a message that names the
file and the problem; the CLI must answer with exit status 1, one ``error:``
line on stderr and no traceback, and leave no output file behind.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bad_inputs.cases import (
    CASES,
    GOOD_EPOCHS,
    GOOD_START,
    ROLE_NAMES,
    Case,
    Inputs,
    signal_like,
    write_bdf,
    write_good_checkpoint,
    write_good_psg,
    write_psg,
)
from seqsleepnet.cli import app
from seqsleepnet.errors import SeqSleepNetError
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.io.edf import CLIP_ERROR_FRACTION, SignalWarning
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.staging import SleepStager

runner = CliRunner()


@dataclass(frozen=True)
class Good:
    """Undamaged inputs shared by the cases that damage something else."""

    psg: Path
    checkpoint: Path


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Good:
    folder = tmp_path_factory.mktemp("good")
    return Good(write_good_psg(folder / "good.edf"), write_good_checkpoint(folder / "good.pt"))


def _damaged(case: Case, inputs: Inputs) -> Path | None:
    """The file a case damaged, which its messages must name."""
    return {
        "psg": inputs.psg,
        "hypnogram": inputs.hypnogram,
        "alignment": inputs.hypnogram,
        "checkpoint": inputs.checkpoint,
    }.get(case.kind)


def _run_library(case: Case, inputs: Inputs, good: Good) -> None:
    """Call the public entry point of the case's kind; it must raise."""
    psg = inputs.psg or good.psg
    if case.kind == "psg":
        Preprocessing().read(psg)
    elif case.kind == "raw":
        Preprocessing().read(inputs.raw)
    elif case.kind in ("hypnogram", "alignment"):
        assert inputs.hypnogram is not None
        hypnogram = read_hypnogram(inputs.hypnogram)
        hypnogram.align_to(GOOD_EPOCHS, GOOD_START)
    else:
        assert inputs.checkpoint is not None
        SleepStager.from_checkpoint(inputs.checkpoint).predict(psg)


def _commands(case: Case, inputs: Inputs, good: Good, out: Path) -> list[list[str]]:
    """CLI invocations that must fail for this case (none for an in-memory Raw)."""
    psg = str(inputs.psg or good.psg)
    model = str(inputs.checkpoint or good.checkpoint)
    stage = ["stage", psg, "--out", str(out), "--model", model, "--quiet"]  # no progress lines
    if case.kind == "psg":
        commands = [["features", psg, "--out", str(out / "features.npz")], stage]
        return ([["info", psg]] if case.header_level else []) + commands
    if case.kind == "hypnogram":
        hypnogram = str(inputs.hypnogram)
        convert = ["hypnogram", hypnogram, "--out", str(out / "h.tsv")]
        return [convert, [*stage, "--true", hypnogram]]
    if case.kind == "alignment":
        return [[*stage, "--true", str(inputs.hypnogram)]]
    if case.kind == "checkpoint":
        return [stage]
    return []


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_catalogue_has_at_least_40_numbered_cases() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)
    assert [case.id[:8] for case in CASES] == [f"case-{i:02d}-" for i in range(1, len(CASES) + 1)]
    assert {case.kind for case in CASES} == {"psg", "raw", "hypnogram", "alignment", "checkpoint"}
    assert all(issubclass(case.error, SeqSleepNetError) for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_library_refuses_bad_input(case: Case, good: Good, tmp_path: Path) -> None:
    inputs = case.build(tmp_path)
    before = _listing(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SignalWarning)
        with pytest.raises(case.error, match=case.match) as raised:
            _run_library(case, inputs, good)
    damaged = _damaged(case, inputs)
    if case.names_file and damaged is not None:
        assert damaged.name in str(raised.value)
    assert _listing(tmp_path) == before  # nothing written beside the inputs, no temp files
    if inputs.marker is not None:
        assert not inputs.marker.exists()  # the pickled code never ran


CLI_CASES = [case for case in CASES if case.kind != "raw"]


@pytest.mark.parametrize("case", CLI_CASES, ids=[case.id for case in CLI_CASES])
def test_cli_refuses_bad_input_with_one_error_line(case: Case, good: Good, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    inputs = case.build(tmp_path / "in")
    before = _listing(tmp_path / "in")
    commands = _commands(case, inputs, good, tmp_path / "out")
    assert commands
    damaged = _damaged(case, inputs)
    for args in commands:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            result = runner.invoke(app, args)
        where = f"{args[0]}: {result.output!r} {result.stderr!r}"
        # a warning would print more lines on a real terminal's stderr
        assert [str(w.message) for w in seen] == [], where
        assert result.exit_code == 1, where
        assert isinstance(result.exception, SystemExit), where  # no escaped exception
        assert "Traceback" not in result.output + result.stderr, where
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), where
        assert re.search(case.match, lines[0]), where
        if case.names_file and damaged is not None:
            assert damaged.name in lines[0], where
        out = tmp_path / "out"
        assert not out.exists() or _listing(out) == [], where  # no output, no hidden temp file
    assert _listing(tmp_path / "in") == before
    if inputs.marker is not None:
        assert not inputs.marker.exists()


# ---------------------------------------------------------------------- inputs that must work


def test_partly_clipped_channel_warns_with_its_name_and_fraction(tmp_path: Path) -> None:
    x = signal_like(600.0, 100.0, 0)
    limit = float(np.quantile(np.abs(x), 0.9))  # about 10% of samples beyond the rails
    clipped = np.clip(x * 100.0 / limit, -100.0, 100.0)
    path = write_psg(
        tmp_path / "night.edf",
        {
            "C4-M1": clipped,
            "E1-M2": signal_like(600.0, 100.0, 1) / 4,
            "Chin1-Chin2": signal_like(600.0, 100.0, 2) / 4,
        },
        physical_range=(-100.0, 100.0),
    )
    with pytest.warns(SignalWarning, match=r"'C4-M1' is partly clipped: (9\.\d|10\.\d)%") as seen:
        recording = Preprocessing().read(path)
    assert recording.data.shape == (3, 60000)
    assert not any("'E1-M2'" in str(w.message) and "clipped" in str(w.message) for w in seen)
    assert CLIP_ERROR_FRACTION > 0.1


def test_unclipped_signal_does_not_warn(tmp_path: Path) -> None:
    path = write_good_psg(tmp_path / "night.edf")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SignalWarning)
        Preprocessing().read(path)


def test_valid_bdf_is_read(tmp_path: Path) -> None:
    """The BDF writer of the catalogue makes readable files: its damaged copies test something."""
    signals = {name: signal_like(120.0, 100.0, i) for i, name in enumerate(ROLE_NAMES)}
    recording = Preprocessing().read(write_bdf(tmp_path / "night.bdf", signals))
    assert recording.data.shape == (3, 12000)
    # 24-bit samples over +-1000 uV keep the signal to about 1e-4 uV before filtering
    assert np.corrcoef(recording.data[0, 500:-500], signals["C4-M1"][500:-500])[0, 1] > 0.9


def test_48_hour_recording_is_read_and_staged(tmp_path: Path) -> None:
    """Two days at 100 Hz (17.3 M samples): read, features and staging all complete."""
    seconds = 48 * 3600.0
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 10.0, round(seconds * 100))  # low-amplitude noise, microvolts
    path = write_psg(tmp_path / "long.edf", {"C4-M1": noise}, physical_range=(-200.0, 200.0))
    del noise
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SignalWarning)
        recording = Preprocessing(roles=("eeg",)).read(path)
    assert recording.data.shape == (1, 48 * 3600 * 100)
    images, onsets = Preprocessing(roles=("eeg",)).model_input(recording, "tf")
    assert images.shape == (5760, 1, 29, 129)
    assert onsets[-1] == (5760 - 1) * 30.0
    assert np.isfinite(images).all()
    stager = SleepStager.from_checkpoint(
        write_good_checkpoint(tmp_path / "eeg.pt", channels=1, roles=("eeg",))
    )
    output = stager.predict_inputs(stager.model_input.normalise(images))
    probabilities = np.exp(output.log_probs)
    assert probabilities.shape == (5760, 5)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-4)
