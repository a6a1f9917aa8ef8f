"""Quality flags of a staged night: distribution, degenerate hypnogram, confidence, channels,
and what reading the recording found (clipping, EDF+D gaps)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import edfio
import numpy as np
import numpy.typing as npt
import pytest
from typer.testing import CliRunner

from bad_inputs.commands import GOOD_START, write_edf_d
from seqsleepnet.cli import app
from seqsleepnet.data.synthetic import generate_night, write_synthetic_night
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.edf import CLIP_WARN_FRACTION
from seqsleepnet.io.hypnogram import write_hypnogram
from seqsleepnet.io.notes import SignalNote
from seqsleepnet.quality import THRESHOLDS, QualityReport, assess_night
from seqsleepnet.report.banner import quality_banner
from seqsleepnet.staging import SleepStager

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


def test_signal_notes_are_flags_with_their_value_and_threshold() -> None:
    note = SignalNote(
        "signal",
        "clipping",
        "EEG channel 'C4' is partly clipped: 5.0% ...",
        "eeg",
        "C4",
        0.05,
        0.01,
    )
    report = _assess(_night(), signal_notes=[note])
    assert not report.ok
    assert report.lines() == ["signal: EEG channel 'C4' is partly clipped: 5.0% ..."]
    (flag,) = report.to_dict()["flags"]
    assert flag == {
        "kind": "signal",
        "message": note.message,
        "value": 0.05,
        "threshold": 0.01,
    }
    assert report.measures["signal"] == [
        {"check": "clipping", "role": "eeg", "channel": "C4", "value": 0.05, "threshold": 0.01}
    ]
    assert "<b>signal</b>: EEG channel &#x27;C4&#x27; is partly clipped" in quality_banner(report)
    assert THRESHOLDS["clipped_share"] == CLIP_WARN_FRACTION == 0.01


def test_a_recording_shorter_than_one_sequence_is_flagged() -> None:
    stages = np.array([0, 0, 1, 2, 2, 2, 3, 3, 2, 4], dtype=np.int8)
    (flag,) = _assess(stages, seq_len=20).flags
    assert (flag.kind, flag.value, flag.threshold) == ("recording", 10.0, 20.0)
    assert flag.message.startswith("the recording has 10 epochs (5 min), fewer than the 20 ")
    assert _assess(np.resize(stages, 20), seq_len=20).ok
    assert _assess(stages).ok  # no model, no sequence length


def test_little_signal_to_centre_on_is_flagged() -> None:
    stages = np.resize(np.array([0, 1, 2, 2, 3, 3, 2, 4], dtype=np.int8), 120)  # 1 h
    (flag,) = _assess(stages, seq_len=20, centred_hours=1.0).flags
    assert (flag.kind, flag.value, flag.threshold) == ("recording", 1.0, 1.5)
    assert flag.message.startswith("each frequency bin was centred on its median over 1 h")
    assert _assess(stages, seq_len=20, centred_hours=1.5).ok
    assert _assess(stages, seq_len=20).ok  # a model without recording centering
    # shorter than a sequence: that flag alone, which says it
    (short,) = _assess(stages[:10], seq_len=20, centred_hours=10 / 120).flags
    assert short.message.startswith("the recording has 10 epochs")


def _aasm_night(path: Path, eeg_range: tuple[float, float], epochs_per_stage: int = 8) -> Path:
    """A synthetic night of 8 stage runs (32 min by default; C4-M1, E1-M2, chin EMG at 256 Hz);
    the EEG's physical range is ``eeg_range`` microvolts, and the EEG is clipped to it as an
    amplifier would."""
    stages = np.repeat(np.array([0, 1, 2, 3, 2, 4, 2, 0]), epochs_per_stage)
    signals = generate_night(stages, seed=0, fs=256.0).signals

    def signal(key: str, label: str, limits: tuple[float, float]) -> edfio.EdfSignal:
        x = np.clip(np.asarray(signals[key], dtype=np.float64), *limits)
        return edfio.EdfSignal(
            x, 256.0, label=label, physical_dimension="uV", physical_range=limits
        )

    edfio.Edf(
        [
            signal("eeg_central", "C4-M1", eeg_range),
            signal("eog_left", "E1-M2", (-1000.0, 1000.0)),
            signal("emg", "Chin1-Chin2", (-1000.0, 1000.0)),
        ],
        data_record_duration=1.0,
    ).write(path)
    return path


def _signal_flags(report: QualityReport | None) -> list[str]:
    assert report is not None
    return [f.message for f in report.flags if f.kind in ("signal", "recording")]


def test_a_clipped_eeg_is_a_flag_of_the_python_result_not_only_a_warning(tmp_path: Path) -> None:
    psg = _aasm_night(tmp_path / "clipped.edf", (-20.0, 20.0))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = SleepStager.for_recording(psg).predict(psg)
    assert result.quality is not None and not result.quality.ok
    (flag,) = [f for f in result.quality.flags if f.kind == "signal"]
    assert flag.message.startswith("EEG channel 'C4-M1' is partly clipped: ")
    assert flag.value is not None and 0.2 < flag.value < 0.5  # the share of samples at the rails
    assert flag.threshold == CLIP_WARN_FRACTION
    assert [str(w.message) for w in seen if "clipped" in str(w.message)] == []  # a flag instead


def test_a_clean_night_has_no_signal_flag(tmp_path: Path) -> None:
    psg = _aasm_night(tmp_path / "clean.edf", (-500.0, 500.0), epochs_per_stage=24)  # 1.6 h
    result = SleepStager.for_recording(psg).predict(psg)
    assert _signal_flags(result.quality) == []
    assert result.quality is not None and result.quality.ok
    out = tmp_path / "out"
    staged = runner.invoke(app, ["stage", str(psg), "--out", str(out), "--quiet"])
    assert staged.exit_code == 0, staged.output
    assert "quality:" not in staged.stdout
    assert json.loads((out / "clean.stats.json").read_text())["quality"]["ok"] is True
    assert "nothing flagged" in (out / "clean.html").read_text()


def _staged_recording_flag(psg: Path, out: Path) -> tuple[str, dict[str, object]]:
    """Stage ``psg`` from the command line: its console output and its one ``recording`` flag."""
    staged = runner.invoke(app, ["stage", str(psg), "--out", str(out), "--quiet"])
    assert staged.exit_code == 0, staged.output
    quality = json.loads((out / f"{psg.stem}.stats.json").read_text())["quality"]
    (flag,) = [f for f in quality["flags"] if f["kind"] == "recording"]
    return staged.stdout, {**flag, "limits": quality["thresholds"]}


def test_stage_flags_a_recording_shorter_than_one_sequence(tmp_path: Path) -> None:
    psg = _aasm_night(tmp_path / "nap.edf", (-500.0, 500.0), epochs_per_stage=2)  # 8 min
    stdout, flag = _staged_recording_flag(psg, tmp_path / "out")
    assert "  quality: recording: the recording has 16 epochs (8 min), fewer than the 20" in stdout
    assert (flag["value"], flag["threshold"]) == (16.0, 20.0)


def test_stage_flags_a_recording_with_little_signal_to_centre_on(tmp_path: Path) -> None:
    psg = _aasm_night(tmp_path / "short.edf", (-500.0, 500.0))  # 32 min
    stdout, flag = _staged_recording_flag(psg, tmp_path / "out")
    assert "  quality: recording: each frequency bin was centred on its median over 0.53 h" in (
        stdout
    )
    limit = flag["limits"]["centred_min_hours"]  # type: ignore[index]
    assert (flag["value"], flag["threshold"]) == (0.533, limit) and limit == 1.5


def test_stage_reports_a_clipped_eeg_in_console_stats_and_report(tmp_path: Path) -> None:
    psg = _aasm_night(tmp_path / "clipped.edf", (-20.0, 20.0))
    out = tmp_path / "out"
    result = runner.invoke(app, ["stage", str(psg), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "  quality: signal: EEG channel 'C4-M1' is partly clipped: " in result.stdout
    quality = json.loads((out / "clipped.stats.json").read_text())["quality"]
    assert quality["ok"] is False
    (flag,) = [f for f in quality["flags"] if f["kind"] == "signal"]
    assert "'C4-M1'" in flag["message"] and f"{flag['value']:.1%}" in flag["message"]
    assert flag["value"] > flag["threshold"] == quality["thresholds"]["clipped_share"]
    assert quality["measures"]["signal"][0]["channel"] == "C4-M1"
    page = (out / "clipped.html").read_text()
    assert "Quality flags: do not trust these stages as they are." in page
    assert "<b>signal</b>: EEG channel &#x27;C4-M1&#x27; is partly clipped" in page


def test_an_edf_d_gap_is_flagged_with_its_duration_and_unscored_epochs(
    tiny_checkpoint: Path, tmp_path: Path
) -> None:
    psg = write_edf_d(tmp_path / "night.edf")  # a 1-h gap after 300 s
    result = SleepStager.from_checkpoint(tiny_checkpoint).predict(psg)
    assert _signal_flags(result.quality) == [
        "discontinuous recording (EDF+D) with 1 gap(s) of 3600 s in all (60.0 min), the first "
        "from 300 s to 3900 s: nothing was recorded there, the epochs in a gap are left "
        "unscored (UNS); the sleep statistics count them as unscored time in the time in bed "
        "and the sleep period, never as sleep or wake"
    ]
    assert (result.stages == -1).sum() == 120
    out = tmp_path / "out"
    staged = runner.invoke(
        app, ["stage", str(psg), "--out", str(out), "-m", str(tiny_checkpoint), "--quiet"]
    )
    assert staged.exit_code == 0, staged.output
    assert "  quality: recording: discontinuous recording (EDF+D) with 1 gap(s) of 3600 s" in (
        staged.stdout
    )
    quality = json.loads((out / "night.stats.json").read_text())["quality"]
    (flag,) = [f for f in quality["flags"] if f["kind"] == "recording"]
    assert flag["value"] == 3600.0
    page = (out / "night.html").read_text()
    assert "<b>recording</b>: discontinuous recording" in page
    assert "Mean confidence nan" not in page and "Mean confidence 0." in page  # gaps left out
    stats = json.loads((out / "night.stats.json").read_text())
    assert stats["tib"] == pytest.approx(result.stages.size / 2)  # gaps in TIB


def test_expert_epochs_in_an_edf_d_gap_are_said_to_be_left_out(
    tiny_checkpoint: Path, tmp_path: Path
) -> None:
    """An expert hypnogram that skips the gap scores epochs where nothing was recorded."""
    psg = write_edf_d(tmp_path / "night.edf")  # 10 epochs, a 1-h gap, 10 epochs
    expert = write_hypnogram(Hypnogram([2] * 20, start_time=GOOD_START), tmp_path / "e.tsv")
    args = ["stage", str(psg), "--out", str(tmp_path / "out"), "-m", str(tiny_checkpoint)]
    staged = runner.invoke(app, [*args, "--true", str(expert), "--quiet"])
    assert staged.exit_code == 0, staged.output
    assert "note: night.edf: 10 epoch(s) the expert scored are unscored in the prediction" in (
        staged.stderr
    )
    assert "give it with its epochs at their true times" in staged.stderr


def test_bin_moments_over_chunks_equal_numpys_over_the_whole_night() -> None:
    from seqsleepnet.features.normalize import bin_moments

    x = np.random.default_rng(0).normal(0.3, 1.7, (700, 3, 29, 129)).astype(np.float32)
    mean, var = bin_moments(x[i : i + 64] for i in range(0, 700, 64))
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(axis=(0, 2)), atol=1e-12)
    np.testing.assert_allclose(np.sqrt(var), x.astype(np.float64).std(axis=(0, 2)), atol=1e-10)
