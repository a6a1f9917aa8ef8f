import json
import re
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from typer.testing import CliRunner

from conftest import EdfWriter, sleep_like
from seqsleepnet.batch import STAGE_PHASES
from seqsleepnet.cli import app
from seqsleepnet.features.model_input import ModelInput
from seqsleepnet.features.normalize import Normalizer
from seqsleepnet.features.preprocessing import InputKind, Preprocessing
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import read_hypnogram, write_hypnogram
from seqsleepnet.models.checkpoint import load_trained, save_trained
from seqsleepnet.models.deepsleepnet import DeepSleepNet
from seqsleepnet.models.registry import build_model
from seqsleepnet.report.outputs import OUTPUT_SUFFIXES

runner = CliRunner()


@pytest.fixture
def batch(night_edf: Path, tmp_path: Path) -> Path:
    """A folder with one good PSG (+ its expert hypnogram) and one corrupt PSG."""
    folder = tmp_path / "in"
    folder.mkdir()
    night_edf.rename(folder / "good.edf")
    (folder / "broken.edf").write_bytes((folder / "good.edf").read_bytes()[:3000])
    stages = np.tile(np.array([0, 1, 2, 2, 3, 2, 4, 4, 0, 2], dtype=np.int8), 5)
    write_hypnogram(Hypnogram(stages), folder / "good.tsv")
    return folder


def test_a_corrupt_file_is_reported_and_the_batch_goes_on(
    batch: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "stage",
            str(batch),
            "--out",
            str(out),
            "--model",
            str(tiny_checkpoint),
            "--true",
            str(batch),
            "--quiet",
        ],
    )
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {batch / 'broken.edf'}: truncated")
    assert (
        "note: good.edf: good.tsv gives no recording start time: good.edf and good.tsv are "
        "matched epoch by epoch from their first epochs (50 epochs each)"
    ) in result.stderr
    assert "good.edf: 50 epochs" in result.stdout and "agreement with expert" in result.stdout
    assert "staged 1 of 2 file(s)" in result.stdout and "1 failed: broken.edf" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(f"good{s}" for s in OUTPUT_SUFFIXES)
    assert read_hypnogram(out / "good.hypnogram.tsv").n_epochs == 50
    assert "Agreement with the expert hypnogram" in (out / "good.html").read_text()


def test_good_files_exit_zero_with_two_jobs(
    batch: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    (batch / "broken.edf").unlink()
    (batch / "copy.edf").write_bytes((batch / "good.edf").read_bytes())
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "stage",
            str(batch / "good.edf"),
            str(batch / "copy.edf"),
            "-o",
            str(out),
            "-m",
            str(tiny_checkpoint),
            "-j",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "copy.html").is_file() and (out / "good.html").is_file()
    assert (out / "copy.csv").read_bytes() == (out / "good.csv").read_bytes()


def test_bad_arguments_are_one_line_errors(
    batch: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    cases = [
        (["stage", str(tmp_path / "absent.edf"), "-o", str(tmp_path)], "file not found"),
        (
            ["stage", str(batch), "-o", str(tmp_path), "--backend", "tf"],
            "--backend='tf' is not allowed",
        ),
        (
            ["stage", str(batch / "good.edf"), "-o", str(tmp_path), "-m", str(batch / "good.tsv")],
            "not a readable checkpoint",
        ),
    ]
    for args, fragment in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert fragment in result.stderr and "Traceback" not in result.output


def test_export_onnx_writes_two_runnable_graphs(tiny_checkpoint: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["export-onnx", "--model", str(tiny_checkpoint), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "largest difference from PyTorch's encoder output" in result.stdout
    differences = [float(d) for d in re.findall(r"output (\S+?)(?:,|$)", result.stdout.strip())]
    assert len(differences) == 2 and max(differences) < 1e-4
    encoder = ort.InferenceSession(str(tmp_path / "encoder.onnx"))
    z, alpha = encoder.run(None, {"epochs": np.zeros((3, 3, 29, 129), np.float32)})
    assert z.shape == (3, 128) and alpha.shape == (3, 29)
    assert (tmp_path / "classifier.onnx").is_file()
    described = json.loads((tmp_path / "model_input.json").read_text())
    _, model_input, extra = load_trained(tiny_checkpoint)
    described_input = ModelInput.from_dict(described)
    assert described_input.preprocessing == model_input.preprocessing
    assert described_input.normalizer is not None and model_input.normalizer is not None
    np.testing.assert_array_equal(described_input.normalizer.mean, model_input.normalizer.mean)
    np.testing.assert_array_equal(described_input.normalizer.std, model_input.normalizer.std)
    assert described["seq_len"] == extra["seq_len"]
    assert described["stages"] == ["W", "N1", "N2", "N3", "REM"]


def _trained(path: Path, name: str, kind: InputKind, *, seq_len: int) -> Path:
    prep = Preprocessing(roles=("eeg",))
    stats = Normalizer(np.zeros((1, 129), np.float32), np.ones((1, 129), np.float32))
    model_input = ModelInput(prep, kind, stats if kind == "tf" else None)
    model = build_model(name, preprocessing=prep, seed=0)
    return save_trained(path, model, model_input, seq_len=seq_len)


def test_export_onnx_of_a_baseline_uses_the_checkpoint_window(tmp_path: Path) -> None:
    checkpoint = _trained(tmp_path / "arnn.pt", "arnn", "tf", seq_len=4)
    result = runner.invoke(app, ["export-onnx", "-m", str(checkpoint), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    classifier = ort.InferenceSession(str(tmp_path / "classifier.onnx"))
    (log_probs,) = classifier.run(None, {"embeddings": np.zeros((2, 4, 128), np.float32)})
    assert log_probs.shape == (2, 4, 5)


def test_export_onnx_refuses_models_without_a_separable_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoint = _trained(tmp_path / "dsn.pt", "deepsleepnet", "raw", seq_len=20)
    monkeypatch.setattr(DeepSleepNet, "separable_encoder", False)  # as a model without one
    result = runner.invoke(app, ["export-onnx", "-m", str(checkpoint), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "deepsleepnet has none" in result.stderr and "Traceback" not in result.output


def test_one_night_without_a_terminal_prints_one_line_per_phase(
    night_edf: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    args = [
        "stage",
        str(night_edf),
        "--out",
        str(tmp_path / "out"),
        "--model",
        str(tiny_checkpoint),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    phases = [re.fullmatch(r"stage night\.edf: (\d)/5 (\w+) \(\d+\.\d s\)", line) for line in lines]
    assert all(phases), result.stderr
    assert [(int(m.group(1)), m.group(2)) for m in phases if m] == list(
        enumerate(STAGE_PHASES, start=1)
    )
    assert "night.edf: 50 epochs" in result.stdout
    quiet = runner.invoke(app, [*args, "--quiet", "--overwrite"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_several_nights_without_a_terminal_print_one_line_per_file(
    batch: Path, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    result = runner.invoke(
        app, ["stage", str(batch), "--out", str(tmp_path / "out"), "--model", str(tiny_checkpoint)]
    )
    assert result.exit_code == 1  # broken.edf fails, good.edf is staged
    lines = result.stderr.splitlines()
    assert re.fullmatch(r"stage: 1/2 broken\.edf \(\d+\.\d s\)", lines[0]), result.stderr
    assert lines[1].startswith(f"error: {batch / 'broken.edf'}")
    assert re.fullmatch(r"stage: 2/2 good\.edf \(\d+\.\d s\)", lines[2]), result.stderr
    assert len(lines) == 3


def test_a_degenerate_hypnogram_is_written_but_the_exit_status_says_so(
    edf_writer: EdfWriter, tmp_path: Path
) -> None:
    import torch

    seconds = 2.5 * 3600  # the degenerate rule applies from 2 h
    psg = edf_writer(
        "night.edf",
        {
            "C4-M1": (sleep_like(seconds, 100, 1), 100.0),
            "E1-M2": (sleep_like(seconds, 100, 2), 100.0),
            "Chin1-Chin2": (sleep_like(seconds, 100, 3, scale=5.0), 100.0),
        },
    )
    prep = Preprocessing()
    rng = np.random.default_rng(0)
    features = rng.normal(0.0, 10.0, (20, 3, 29, 129)).astype(np.float32)
    model = build_model("seqsleepnet", preprocessing=prep, seed=0)
    with torch.no_grad():  # a model that can only say REM
        model.heads[0].bias[:] = torch.tensor([-50.0, -50.0, -50.0, -50.0, 50.0])
    checkpoint = save_trained(
        tmp_path / "rem.pt", model, ModelInput(prep, "tf", Normalizer().fit(features)), seq_len=20
    )
    result = runner.invoke(
        app, ["stage", str(psg), "--out", str(tmp_path / "out"), "-m", str(checkpoint)]
    )
    assert result.exit_code == 3, result.output
    assert "degenerate: REM covers 100% of a 2.5-h night" in result.stdout
    assert re.search(r"error: degenerate hypnogram for 1 file\(s\): night\.edf", result.stderr)
    assert (tmp_path / "out" / "night.hypnogram.tsv").is_file()  # written, and flagged
