"""Rules and BENCHMARKS.md sections of the bundled-model, quality and adaptation studies."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import report
from _common import write_study
from _nights import OTHER_SPECTRUM
from bundled_models import targets
from quality_calibration import detection, extremes, false_alarms, suggested_limits
from seqsleepnet.data.synthetic.randomise import RANGES
from short_recordings import summary

EMG_NOTE = (
    "channels: EMG channel 'EMG submental' is sampled at 1 Hz; at least 50 Hz is needed for a "
    "chin EMG (10-50 Hz muscle activity); a slower channel is an envelope: not used for EMG"
)


def cell(accuracy: float, kappa: float) -> dict[str, Any]:
    return {"accuracy": accuracy, "kappa": kappa, "nights": 2, "refused": 0}


def staged(flags: list[str], quality: list[str], share: float = 0.5) -> dict[str, Any]:
    return {"model": "EEG", "accuracy": 0.9, "kappa": 0.8, "dominant_share": share,
            "flags": flags, "quality": quality}  # fmt: skip


def bundled_result(edf_flags: list[str]) -> dict[str, Any]:
    refused = {"EEG+EOG+EMG": "/x.edf: no EMG; name a channel with --eeg ..."}
    edf = {"auto": cell(0.82, 0.69), "EEG": cell(0.8, 0.7), "auto_model": ["EEG"]}
    table = {
        "aasm": {"randomised": {"auto": cell(0.85, 0.75), "EEG": None, "auto_model": ["EEG"]}},
        "sleep-edf": {"randomised": {**edf, "refused_because": refused}},
    }
    nights = [{"layout": "sleep-edf", "staged": {"auto": staged(edf_flags, [EMG_NOTE])}}]
    return {
        "subjects": [0],
        "hours": None,
        "models": {"EEG": {"file": "seqsleepnet-eeg.pt", "bytes": 500_000, "sha256": "abc"}},
        "table": table,
        "targets": targets(table, nights),
    }


def test_the_bundled_targets_follow_accuracy_kappa_and_the_sleep_edf_messages() -> None:
    t = bundled_result(["channels"])["targets"]
    assert t["per_layout"]["aasm"]["randomised"]["met"]
    assert not t["per_layout"]["sleep-edf"]["randomised"]["met"]  # kappa 0.69 < 0.7
    assert t["sleep_edf_never_degenerate"]
    assert t["sleep_edf_emg_message"] == EMG_NOTE
    assert not targets(
        {}, [{"layout": "sleep-edf", "staged": {"auto": staged(["degenerate"], [])}}]
    )["sleep_edf_never_degenerate"]


def test_the_expected_sleep_edf_note_is_no_false_alarm_but_other_flags_are() -> None:
    rows = [
        {"subject": 0, **staged(["channels"], [EMG_NOTE])},
        {"subject": 1, **staged(["distribution"], ["distribution: EEG input is far from ..."])},
        *({"subject": 2, **staged([], [])} for _ in range(18)),
    ]
    fa = false_alarms(rows)
    assert fa["channels"]["nights"] == 0 and fa["expected_emg_note"]["nights"] == 1
    assert fa["distribution"]["nights"] == 1 and fa["any"]["rate"] == 1 / 20
    assert fa["held_out_only_any"]["nights"] == 0 and fa["met"]
    assert not false_alarms(rows[:2])["met"]


def test_a_night_is_silently_wrong_when_unflagged_and_bad_or_degenerate_without_the_flag() -> None:
    def night(kind: str, accuracy: float, flags: list[str], share: float, hours: float) -> dict:
        return {"kind": kind, "accuracy": accuracy, "flags": flags, "quality": ["q"] * len(flags),
                "dominant_share": share, "hours": hours}  # fmt: skip

    rows = [
        night("gain x10", 0.6, [], 0.5, 2.0),  # unflagged and below 70%
        night("gain x10", 0.6, ["distribution"], 0.5, 2.0),  # flagged: detected
        night("gain x10", 0.8, [], 0.95, 1.5),  # too short for the degenerate rule
        night("gain x10", 0.8, ["confidence"], 0.95, 2.0),  # degenerate without its flag
        {"kind": "volts", "error": "/v.edf: EEG channel 'C4-M1' ... look like volts"},
    ]
    d = detection(rows)
    assert d["gain x10"]["nights"] == 4 and d["gain x10"]["detected"] == 2
    assert d["gain x10"]["silently_wrong"] == 2
    assert d["volts"]["refused"] == 1 and d["volts"]["detection_rate"] == 1.0
    assert d["flat EEG"]["nights"] == 0 and d["flat EEG"]["detection_rate"] is None


def test_the_other_spectrum_lies_outside_every_randomised_range() -> None:
    def outside(value: float, name: str) -> bool:
        low, high = RANGES[name]
        return not low <= value <= high

    assert outside(OTHER_SPECTRUM["tilt"], "tilt")
    assert all(outside(g, "band_gain") for g in OTHER_SPECTRUM["band_gain"])
    for name in ("highpass_hz", "lowpass_hz", "mains_uv"):
        assert outside(OTHER_SPECTRUM[name], name)


def test_the_three_sections_render_with_their_marks(tmp_path: Path) -> None:
    largest = {"shift": 0.4, "spread": 0.1, "mean_confidence": 0.9}
    rows = [{"subject": 0, **staged([], []), "largest": largest}]
    quality = {
        "false_alarms": false_alarms(rows),
        "extremes": extremes(rows),
        "detection": detection([]),
        "suggested_limits": suggested_limits(rows),
        "settings": {"hours": 2.0, "subjects": [0, 1, 2], "layouts_per_crop": 2, "seed": 2000},
    }
    tuned = {**cell(0.7, 0.6), "nights": 1}
    adaptation = {
        "style": "other spectrum",
        "rows": {"base, own style": cell(0.9, 0.8), "fine-tuned, 1 night": tuned},
        "nights": {"base": ["a"], "adaptation": ["b"], "test": ["c"]},
        "settings": {"steps": 300, "hours": 2.0},
    }
    bundled = "\n".join(report.bundled_models(bundled_result([])))
    assert "| sleep-edf | EEG | 82.0 / 0.690 | 80.0 / 0.700 |" in bundled
    assert "randomised 82.0 / 0.690 **MISSED**" in bundled and "85.0 / 0.750 **met**" in bundled
    assert "- sleep-edf, EEG+EOG+EMG: no EMG" in bundled and "SYNTHETIC DATA" in bundled
    text = "\n".join(report.quality_calibration(quality))
    assert "| any (false alarm) | 0 (0.0%) |" in text and "**met**" in text
    assert "| mean_confidence | min 0.900 | 0.86 |" in text
    assert "(`--seed 2000`) took no part in setting them" in text
    assert "the limits would be" in text and "and 0.9." in text
    assert "| distribution_shift | max 0.400 | 1.5 |" in text
    table = "\n".join(report.adaptation(adaptation))
    assert "| fine-tuned, 1 night | 1 | 70.0 | 0.600 |" in table


def test_short_recordings_count_what_only_the_short_flag_catches() -> None:
    def crop(hours: float, accuracy: float | None, short: bool, other: list[str]) -> dict:
        return {"hours": hours, "accuracy": accuracy, "short_flag": short, "other_flags": other}

    rows = [
        crop(0.5, 0.4, True, []),  # below 70%, caught by the short-recording flag only
        crop(0.5, 0.5, True, ["confidence"]),  # caught by another flag too
        crop(0.5, 0.9, True, []),
        crop(0.5, None, False, []),  # refused
        crop(2.0, 0.6, False, []),  # silently wrong
        crop(2.0, 0.8, False, []),
    ]
    s = summary(rows)
    assert s["0.5"]["nights"] == 3 and s["0.5"]["refused"] == 1
    assert s["0.5"]["below_70"] == 2 and s["0.5"]["below_70_without_other_flags"] == 1
    assert s["0.5"]["short_flag"] == 3 and s["0.5"]["silently_wrong"] == 0
    assert s["0.5"]["mean_agreement"] == 0.6 and s["0.5"]["lowest_agreement"] == 0.4
    assert s["2"]["silently_wrong"] == 1 and s["2"]["short_flag"] == 0
    table = "\n".join(report.short_recordings({"summary": s, "settings": {"crops": 3}}))
    assert "| 0.5 | 3 | 60.0 | 40.0 | 2 | 1 | 3 | 0 |" in table
    assert "| 2 | 2 | 70.0 | 60.0 | 1 | 1 | 0 | **1** |" in table
    assert "SYNTHETIC DATA" in table
    refused = summary([crop(1.0, None, False, [])])["1"]  # every crop of a length refused
    assert refused["nights"] == 0 and refused["refused"] == 1
    table = "\n".join(
        report.short_recordings({"summary": {"1": refused}, "settings": {"crops": 1}})
    )
    assert "| 1 | 0 | - | - | 0 | 0 | 0 | 0 |" in table


def test_a_study_result_holds_its_fields_settings_wall_time_and_machine(tmp_path: Path) -> None:
    out = tmp_path / "results" / "study.json"
    args = argparse.Namespace(json=out, work=tmp_path / "work", seed=3, threads=1)
    write_study(args, "example", time.perf_counter() - 2.0, {"cpu": "x"}, rows=[1, 2])
    result = json.loads(out.read_text())
    assert list(result) == ["study", "synthetic", "rows", "settings", "wall_s", "machine"]
    assert result["study"] == "example" and result["synthetic"] is True
    assert result["settings"] == {"seed": 3, "threads": 1}  # not the paths it wrote to
    assert 2.0 <= result["wall_s"] < 60 and result["machine"] == {"cpu": "x"}
