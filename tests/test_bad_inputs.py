"""Run the bad-input catalogue through the library entry points and through the CLI.

Every case of the first round must raise its package exception with a message
that names the file and the problem; the CLI must answer with exit status 1,
one ``error:`` line on stderr and no traceback, and leave no output file
behind. Every case of the second round (:mod:`bad_inputs.commands`) runs one
command on its prepared folder and must give its exit status and error line
within its time bound, leaving earlier files as they were and no temporary
file behind.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import warnings
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
from bad_inputs.commands import (
    COMMAND_CASES,
    GROUPS,
    CommandCase,
    Good,
    write_huge_edf_hypnogram,
    write_sparse_long_edf,
    write_zip_bomb,
)
from seqsleepnet.cli import app
from seqsleepnet.errors import MAX_MESSAGE_CHARS, SeqSleepNetError
from seqsleepnet.features.preprocessing import Preprocessing
from seqsleepnet.io.edf import CLIP_ERROR_FRACTION, SignalWarning
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.staging import SleepStager

runner = CliRunner()


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
    numbered = [*CASES, *COMMAND_CASES]
    assert len({case.id for case in numbered}) == len(numbered)
    assert [int(case.id.split("-")[1]) for case in numbered] == list(range(1, len(numbered) + 1))
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


# ---------------------------------------------------------------------- the second round


def test_second_round_has_60_cases_in_every_class() -> None:
    assert len(COMMAND_CASES) >= 60
    per_group = {group: sum(c.group == group for c in COMMAND_CASES) for group in GROUPS}
    assert min(per_group.values()) >= 2, per_group


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else []) for c in COMMAND_CASES],
)
def test_command_refuses_or_copes(
    case: CommandCase, good: Good, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = case.build(tmp_path, good)
    kept = {path: path.read_bytes() for path in scenario.keep}
    if scenario.fault is not None:
        scenario.fault(monkeypatch)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as seen:  # the CLI prints them on stderr
        warnings.simplefilter("always", SignalWarning)
        result = runner.invoke(app, scenario.args)
    elapsed = time.perf_counter() - start
    monkeypatch.undo()
    where = f"{result.stdout!r} {result.stderr!r} {result.exception!r}"
    assert result.exit_code == case.exit_code, where
    assert result.exception is None or isinstance(result.exception, SystemExit), where
    assert "Traceback" not in result.stdout + result.stderr, where
    errors = _error_lines(result.stderr)
    assert len(errors) == case.error_lines, where
    assert all(len(line) <= len("error: ") + MAX_MESSAGE_CHARS for line in errors), where
    warned = "\n".join(str(w.message) for w in seen)
    text = "\n".join(errors) if case.exit_code else f"{result.stdout}{result.stderr}{warned}"
    assert re.search(case.match, text, flags=re.MULTILINE), where
    if case.names is not None:
        assert any(case.names in line for line in errors), where
    assert not any(".set-" in line or ".tmp" in line for line in errors), where  # the target
    assert elapsed < case.seconds, f"{elapsed:.1f} s"
    for path, data in kept.items():
        assert path.is_file() and path.read_bytes() == data, f"{path} was changed or lost"
    for path in scenario.absent:
        assert not path.exists(), f"{path} was left"
    for folder in scenario.clean:
        hidden = (
            [p.name for p in folder.iterdir() if p.name.startswith(".")] if folder.is_dir() else []
        )
        assert hidden == [], f"left in {folder}: {hidden}"
    if scenario.check is not None:
        scenario.check()


# The child's own peak: VmHWM of its address space. ru_maxrss would not do, since Linux
# keeps it across exec, so it would include the RSS of the (v)forking pytest worker.
_PEAK_CHILD = """
import resource, sys
from pathlib import Path
from typer.testing import CliRunner
from seqsleepnet.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
status = Path("/proc/self/status")
lines = status.read_text().splitlines() if status.exists() else []
hwm = [int(line.split()[1]) for line in lines if line.startswith("VmHWM:")]
print(result.exit_code, hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
def test_hostile_files_are_refused_within_1_gib(good: Good, tmp_path: Path) -> None:
    """The checkpoint zip bomb, the 3,000-h header and the 2-GiB hypnogram, in a fresh process."""
    bomb = write_zip_bomb(tmp_path / "bomb.pt", unpacked=2**30)  # torch.load would need > 1 GiB
    commands = {
        "zip bomb": ["stage", str(good.psg), "--model", str(bomb), "--out", str(tmp_path / "o")],
        "huge header": ["info", str(write_sparse_long_edf(tmp_path / "long.edf"))],
        "huge hypnogram": ["hypnogram", str(write_huge_edf_hypnogram(tmp_path / "h.edf"))],
    }
    for name, args in commands.items():
        child = subprocess.run(
            [sys.executable, "-c", _PEAK_CHILD, *args], capture_output=True, text=True, check=True
        )
        exit_code, peak_kib = map(int, child.stdout.split())
        assert exit_code == 1, (name, child.stdout, child.stderr)
        assert peak_kib < 2**20, f"{name}: peak {peak_kib / 2**10:.0f} MiB"
