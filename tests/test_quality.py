"""Quality flags of a staged night: distribution, degenerate hypnogram, confidence, channels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from typer.testing import CliRunner

from seqsleepnet.cli import app
from seqsleepnet.data.synthetic import write_synthetic_night
from seqsleepnet.quality import THRESHOLDS, QualityReport, assess_night
from seqsleepnet.report.banner import quality_banner

runner = CliRunner()
HOURS_8 = 960  # epochs of 30 s


def _confident(stages: npt.NDArray[np.int8], top: float = 0.9) -> npt.NDArray[np.float32]:
    p = np.full((stages.size, 5), (1 - top) / 4, dtype=np.float32)
    p[np.arange(stages.size), stages] = top
    return p


def _night() -> npt.NDArray[np.int8]:
    return np.resize(np.repeat(np.array([0, 1, 2, 3, 2, 4], dtype=np.int8), 20), HOURS_8)


def _assess(stages: npt.NDArray[np.int8], **kwargs: object) -> QualityReport:
    kwargs.setdefault("probabilities", _confident(stages))
    return assess_night(stages, epoch_length=30.0, roles=("eeg",), **kwargs)  # type: ignore[arg-type]


def test_a_plausible_night_raises_nothing() -> None:
    rng = np.random.default_rng(0)
    report = _assess(_night(), inputs=rng.normal(size=(HOURS_8, 1, 29, 129)).astype(np.float32))
    assert report.ok and report.lines() == []
    assert report.measures["distribution"]["eeg"]["shift"] < 0.05
    assert report.to_dict()["thresholds"] == THRESHOLDS


@pytest.mark.parametrize(("offset", "scale"), [(2.0, 1.0), (0.0, 3.0)], ids=["shift", "spread"])
def test_input_far_from_the_training_data_is_flagged(offset: float, scale: float) -> None:
    rng = np.random.default_rng(0)
    z = (offset + scale * rng.normal(size=(HOURS_8, 1, 29, 129))).astype(np.float32)
    (flag,) = _assess(_night(), inputs=z).flags
    assert flag.kind == "distribution"
    assert flag.message.startswith("EEG input is far from the model's training data")
    assert flag.value is not None and flag.threshold is not None and flag.value > flag.threshold


def test_one_stage_all_night_is_degenerate() -> None:
    rem = np.full(HOURS_8, 4, dtype=np.int8)
    lines = _assess(rem).lines()
    assert lines == [
        "degenerate: REM covers 100% of a 8.0-h night (more than 90%): the model probably "
        "cannot read this recording",
        "degenerate: no stage transition in a 8.0-h night",
    ]


def test_no_sleep_is_degenerate() -> None:
    wake = _night() * 0
    wake[::7] = 0
    assert "degenerate: no sleep staged in a 8.0-h night" in _assess(wake).lines()


def test_short_recordings_are_not_judged_as_nights() -> None:
    nap = np.full(200, 4, dtype=np.int8)  # 100 minutes of REM
    assert _assess(nap).ok


def test_low_confidence_is_flagged() -> None:
    stages = _night()
    (flag,) = _assess(stages, probabilities=_confident(stages, 0.45)).flags
    assert flag.kind == "confidence" and flag.value == pytest.approx(0.45)


def test_channel_notes_are_flags() -> None:
    report = _assess(_night(), channel_notes={"emg": "EMG channel 'X' is sampled at 1 Hz"})
    assert report.lines() == ["channels: EMG channel 'X' is sampled at 1 Hz"]
    assert "<b>channels</b>: EMG channel &#x27;X&#x27; is sampled at 1 Hz" in quality_banner(report)


def test_the_banner_says_when_nothing_was_flagged() -> None:
    assert "nothing flagged" in quality_banner(_assess(_night()))
    assert quality_banner(None) == ""


def test_stage_reports_quality_in_console_stats_and_report(tmp_path: Path) -> None:
    """A Sleep-EDF-layout night: the 1-Hz EMG is named, left out, and flagged everywhere."""
    stages = np.repeat([0, 1, 2, 3, 2, 4, 2, 0], 6)
    files = write_synthetic_night(stages, tmp_path / "psg", layout="sleep-edf", seed=4)
    out = tmp_path / "out"
    result = runner.invoke(app, ["stage", str(files.psg), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "  quality: channels: EMG channel 'EMG submental' is sampled at 1 Hz" in result.stdout
    stats = json.loads((out / "SC4001E0-PSG.stats.json").read_text())
    quality = stats["quality"]
    assert not quality["ok"] and quality["flags"][0]["kind"] == "channels"
    assert "eeg" in quality["measures"]["distribution"]
    assert "emg" not in quality["measures"]["distribution"]  # the model read no EMG
    assert quality["thresholds"] == THRESHOLDS
    page = (out / "SC4001E0-PSG.html").read_text()
    assert "Quality flags: do not trust these stages as they are." in page


def test_bin_moments_over_chunks_equal_numpys_over_the_whole_night() -> None:
    from seqsleepnet.features.normalize import bin_moments

    x = np.random.default_rng(0).normal(0.3, 1.7, (700, 3, 29, 129)).astype(np.float32)
    mean, var = bin_moments(x[i : i + 64] for i in range(0, 700, 64))
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(axis=(0, 2)), atol=1e-12)
    np.testing.assert_allclose(np.sqrt(var), x.astype(np.float64).std(axis=(0, 2)), atol=1e-10)
