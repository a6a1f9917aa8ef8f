"""Per-epoch signal checks: a span of a channel that is not its role's signal is flagged."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import edfio
import numpy as np
import numpy.typing as npt
import pytest
from typer.testing import CliRunner

from seqsleepnet.cli import app
from seqsleepnet.data.synthetic import generate_night
from seqsleepnet.features.epoch_signal import EpochSignal, epoch_signal
from seqsleepnet.quality import THRESHOLDS, QualityReport, assess_night
from seqsleepnet.staging import SleepStager

runner = CliRunner()
FS = 256.0
START = dt.datetime(2000, 1, 1, 22, 0, 0)
# 80 min: wake, two short cycles, wake; epochs 120-159 (21:00 + 60-80 min) are the last 20 min
STAGES = np.repeat(
    np.array([0, 1, 2, 3, 2, 4, 2, 3, 2, 4, 0]), [8, 6, 20, 20, 12, 16, 20, 14, 12, 20, 12]
)
Edit = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[np.float64]]


def _electrode_off(
    x: npt.NDArray[np.float64], t: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Mains hum and 10 uV of noise instead of EEG (what a lost electrode records)."""
    rng = np.random.default_rng(5)
    return 100.0 * np.sin(2 * np.pi * 50.0 * t) + rng.normal(0.0, 10.0, x.size)


def _psg(path: Path, eeg_edit: Edit | None = None, first_epoch: int = 120) -> Path:
    """A synthetic AASM night (C4-M1, E1-M2, chin EMG) starting at 22:00; the EEG from
    ``first_epoch`` on is replaced by ``eeg_edit(x, t)``."""
    signals = generate_night(STAGES, seed=3, fs=FS).signals
    eeg = np.asarray(signals["eeg_central"], dtype=np.float64).copy()
    if eeg_edit is not None:
        k = int(first_epoch * 30 * FS)
        eeg[k:] = eeg_edit(eeg[k:], np.arange(k, eeg.size) / FS)

    def signal(x: npt.ArrayLike, label: str, limit: float) -> edfio.EdfSignal:
        data = np.clip(np.asarray(x, dtype=np.float64), -limit, limit)
        return edfio.EdfSignal(
            data, FS, label=label, physical_dimension="uV", physical_range=(-limit, limit)
        )

    edfio.Edf(
        [
            signal(eeg, "C4-M1", 2500.0),
            signal(signals["eog_left"], "E1-M2", 1000.0),
            signal(signals["emg"], "Chin1-Chin2", 1000.0),
        ],
        starttime=START.time(),
        recording=edfio.Recording(startdate=START.date()),
        data_record_duration=1.0,
    ).write(path)
    return path


def _epoch_flags(report: QualityReport | None) -> list[str]:
    assert report is not None
    return [f.message for f in report.flags if f.kind == "signal" and "span(s)" in f.message]


def test_an_electrode_off_span_is_flagged_with_its_clock_time(tmp_path: Path) -> None:
    psg = _psg(tmp_path / "off.edf", _electrode_off)
    result = SleepStager.for_recording(psg).predict(psg)
    (message,) = _epoch_flags(result.quality)
    assert message.startswith("EEG channel 'C4-M1': 20 min (40 epochs) in 1 span(s) ")
    assert "23:00-23:20 (tilt " in message and "noise, not EEG" in message
    assert message.endswith("the stages there are unreliable")
    assert result.quality is not None
    eeg = result.quality.measures["epochs"]["eeg"]
    (span,) = eeg["spans"]
    assert (span["start"], span["end"], span["epochs"]) == ("23:00", "23:20", 40)
    assert span["start_s"] == 3600.0 and span["checks"] == ["tilt"]
    assert span["tilt_db"] < THRESHOLDS["epoch_tilt_eeg"]
    assert eeg["flagged_epochs"] == 40
    assert result.quality.measures["epochs"]["eog"]["flagged_epochs"] == 0
    assert result.quality.flagged_spans() == [(3600.0, 4800.0, "eeg")]
    hypnogram = result.plot().axes[0]
    (band,) = [p for p in hypnogram.patches if p.get_label() == "EEG flagged"]
    assert band.get_hatch() == "//"
    assert band.get_x() == pytest.approx(1.0) and band.get_width() == pytest.approx(1 / 3)
    assert "EEG flagged" in [t.get_text() for t in hypnogram.get_legend().get_texts()]


@pytest.mark.parametrize("gain", [5.0, 0.2])
def test_a_gain_change_is_flagged_with_its_size(tmp_path: Path, gain: float) -> None:
    psg = _psg(tmp_path / "gain.edf", lambda x, t: gain * x, first_epoch=100)
    result = SleepStager.for_recording(psg).predict(psg)
    (message,) = _epoch_flags(result.quality)
    assert message.startswith("EEG channel 'C4-M1': 30 min (60 epochs) in 1 span(s) ")
    assert "22:50-23:20 (level " in message and "a gain change" in message
    assert result.quality is not None
    (span,) = result.quality.measures["epochs"]["eeg"]["spans"]
    assert span["level_db"] == pytest.approx(20 * np.log10(gain), abs=2.0)


def test_a_clean_night_has_no_epoch_flag(tmp_path: Path) -> None:
    psg = _psg(tmp_path / "clean.edf")
    result = SleepStager.for_recording(psg).predict(psg)
    assert _epoch_flags(result.quality) == []
    assert result.quality is not None
    for role in ("eeg", "eog", "emg"):
        assert result.quality.measures["epochs"][role]["flagged_epochs"] == 0


def test_stage_writes_the_flag_and_its_measures_into_stats_json(tmp_path: Path) -> None:
    psg = _psg(tmp_path / "off.edf", _electrode_off)
    out = tmp_path / "out"
    staged = runner.invoke(app, ["stage", str(psg), "--out", str(out), "--quiet"])
    assert staged.exit_code == 0, staged.output
    assert "  quality: signal: EEG channel 'C4-M1': 20 min (40 epochs)" in staged.stdout
    quality = json.loads((out / "off.stats.json").read_text())["quality"]
    (flag,) = [f for f in quality["flags"] if f["kind"] == "signal"]
    assert flag["value"] == 20.0 and flag["threshold"] == THRESHOLDS["epoch_signal_minutes"]
    assert quality["thresholds"]["epoch_tilt_eeg"] == THRESHOLDS["epoch_tilt_eeg"]
    assert quality["measures"]["epochs"]["eeg"]["channel"] == "C4-M1"
    assert quality["measures"]["epochs"]["eeg"]["spans"][0]["start"] == "23:00"
    assert "<b>signal</b>: EEG channel &#x27;C4-M1&#x27;: 20 min" in (out / "off.html").read_text()


def _found(level: npt.NDArray[np.float32], tilt: npt.NDArray[np.float32]) -> EpochSignal:
    return EpochSignal(
        level=level[:, None],
        tilt=tilt[:, None],
        roles=("eeg",),
        channels=("Fpz-Cz",),
        recorded=np.ones(level.size, dtype=bool),
    )


def _report(found: EpochSignal, start: dt.datetime | None = None) -> QualityReport:
    n = found.level.shape[0]
    stages = np.tile(np.array([0, 2], dtype=np.int8), n // 2)
    probabilities = np.full((n, 5), 0.01, dtype=np.float32)
    probabilities[np.arange(n), stages] = 0.96
    return assess_night(
        stages,
        probabilities,
        epoch_length=30.0,
        roles=["eeg"],
        epoch_signal=found,
        start_time=start,
    )


def test_the_flag_needs_its_duration_and_names_spans_from_the_start_without_a_clock() -> None:
    limit = THRESHOLDS["epoch_signal_minutes"]
    n_bad = round(limit * 2)  # epochs of 30 s
    level = np.zeros(240, dtype=np.float32)
    tilt = np.full(240, 12.0, dtype=np.float32)
    level[100 : 100 + n_bad - 1] = 14.0  # one epoch short of the duration
    short = _report(_found(level, tilt))
    assert short.ok and short.flagged_spans() == []  # measured, not flagged, not drawn
    level[100 : 100 + n_bad] = 14.0
    report = _report(_found(level, tilt))
    assert report.flagged_spans() == [(3000.0, 3000.0 + 30.0 * n_bad, "eeg")]
    (flag,) = report.flags
    assert (flag.kind, flag.value, flag.threshold) == ("signal", limit, limit)
    assert f"+0:50-+{(100 + n_bad) // 120}:{(100 + n_bad) % 120 // 2:02d} (level +14.0 dB" in (
        flag.message
    )
    assert "Fpz-Cz" in flag.message
    at_clock = _report(_found(level, tilt), START)
    assert "22:50-23:00 (level +14.0 dB" in at_clock.flags[0].message


def test_epochs_in_a_gap_are_never_flagged() -> None:
    level = np.zeros(240, dtype=np.float32)
    level[100:140] = -150.0  # nothing recorded there (EDF+D), read as zeros
    found = _found(level, np.full(240, 12.0, dtype=np.float32))
    recorded = np.ones(240, dtype=bool)
    recorded[100:140] = False
    gap = EpochSignal(found.level, found.tilt, found.roles, found.channels, recorded)
    assert not _report(found).ok
    assert _report(gap).ok


def test_the_level_is_measured_from_the_typical_part_of_the_night(tmp_path: Path) -> None:
    """Half the night at x5 gain: one half departs by the full 14 dB, not both by 7 dB."""
    psg = _psg(tmp_path / "half.edf", lambda x, t: 5.0 * x, first_epoch=80)
    stager = SleepStager.for_recording(psg)
    found = epoch_signal(stager.read(psg, eeg="C4-M1"), stager.preprocessing)
    eeg = found.roles.index("eeg")
    first, second = np.median(found.level[:80, eeg]), np.median(found.level[80:, eeg])
    assert abs(second - first) == pytest.approx(14.0, abs=1.5)
    assert min(abs(first), abs(second)) < 2.0
