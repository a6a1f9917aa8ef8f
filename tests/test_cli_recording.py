import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import EdfWriter, sleep_like
from seqsleepnet.cli import app

runner = CliRunner()


def test_info_prints_channels_rates_and_roles(sleep_edf_psg: Path) -> None:
    result = runner.invoke(app, ["info", str(sleep_edf_psg)])
    assert result.exit_code == 0, result.output
    assert "EMG submental" in result.output
    assert "10 epochs" in result.output
    assert "note: EMG channel 'EMG submental' is sampled at 1 Hz" in result.output
    assert "no usable channel for: EMG" in result.output


def test_info_signals_judges_the_samples(edf_writer: EdfWriter) -> None:
    path = edf_writer(  # volts under a microvolt label
        "volts.edf", {"C4-M1": (sleep_like(60, 256) * 1e-6, 256.0)}, physical_range=(-1e-3, 1e-3)
    )
    result = runner.invoke(app, ["info", str(path), "--signals", "--json"])
    payload = json.loads(result.stdout)
    assert payload["signals_checked"] and payload["roles"]["eeg"] is None
    assert "look like volts, not microvolts" in payload["verdicts"][0]["problems"][0]


def test_info_json(sleep_edf_psg: Path) -> None:
    result = runner.invoke(app, ["info", str(sleep_edf_psg), "--json"])
    payload = json.loads(result.stdout)
    assert payload["roles"]["eog"] == "EOG horizontal"
    assert payload["epochs"] == 10


def test_features_writes_float32_images_and_onsets(aasm_edf: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.npz"
    result = runner.invoke(app, ["features", str(aasm_edf), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with np.load(out) as data:
        assert data["features"].shape == (10, 3, 29, 129)
        assert data["features"].dtype == np.float32
        assert data["onsets"][-1] == 270.0
        assert data["channels"].tolist() == ["C4-M1", "E1-M2", "Chin1-Chin2"]


def test_features_eeg_only(aasm_edf: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.npz"
    assert (
        runner.invoke(app, ["features", str(aasm_edf), "-o", str(out), "--roles", "eeg"]).exit_code
        == 0
    )
    with np.load(out) as data:
        assert data["features"].shape == (10, 1, 29, 129)


def _bad_inputs(
    tmp_path: Path, edf_writer: EdfWriter, aasm_edf: Path
) -> dict[str, tuple[list[str], str]]:
    random = tmp_path / "random.edf"
    random.write_bytes(np.random.default_rng(0).bytes(2000))
    truncated = tmp_path / "truncated.edf"
    truncated.write_bytes(aasm_edf.read_bytes()[:-3000])
    sizes = tmp_path / "sizes.edf"
    raw = bytearray(aasm_edf.read_bytes())
    raw[184:192] = b"512     "
    sizes.write_bytes(bytes(raw))
    slow = edf_writer("slow.edf", {"EEG": (sleep_like(60, 50), 50.0)})
    flat = edf_writer("flat.edf", {"C4-M1": (np.zeros(256 * 60), 256.0)})
    short = edf_writer("short.edf", {"C4-M1": (sleep_like(10, 256), 256.0)}, record_duration=10.0)
    return {
        "missing": ([str(tmp_path / "absent.edf")], "file not found"),
        "not-edf": ([str(random)], "not an EDF or BDF file"),
        "truncated": ([str(truncated)], "truncated data section"),
        "sizes": ([str(sizes)], "header sizes do not add up"),
        "channel": ([str(aasm_edf), "--eeg", "Fpz-Cz"], "not found; available: ['C4-M1'"),
        "slow": ([str(slow), "--roles", "eeg"], "sampled at 50 Hz"),
        "flat": ([str(flat), "--roles", "eeg"], "is flat"),
        "short": ([str(short), "--roles", "eeg"], "only 10.0 s of signal"),
        "roles": ([str(aasm_edf), "--roles", "eeg,ecg"], "roles must be distinct"),
    }


@pytest.mark.parametrize(
    "case",
    ["missing", "not-edf", "truncated", "sizes", "channel", "slow", "flat", "short", "roles"],
)
def test_bad_input_gives_one_error_line_and_no_output(
    case: str, tmp_path: Path, edf_writer: EdfWriter, aasm_edf: Path
) -> None:
    args, fragment = _bad_inputs(tmp_path, edf_writer, aasm_edf)[case]
    out = tmp_path / "out.npz"
    result = runner.invoke(app, ["features", *args, "--out", str(out)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_info_error_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["info", str(tmp_path / "absent.edf")])
    assert result.exit_code == 1
    assert (
        result.stderr.strip() == f"error: {tmp_path / 'absent.edf'}: file not found; check the path"
    )


def test_help_teaches_with_an_example() -> None:
    result = runner.invoke(app, ["features", "--help"])
    assert result.exit_code == 0
    assert "Example: seqsleepnet features" in result.output
