from pathlib import Path

from conftest import EdfWriter, sleep_like
from seqsleepnet.io.info import describe_recording


def test_describe_reports_rates_roles_and_epochs(sleep_edf_psg: Path) -> None:
    info = describe_recording(sleep_edf_psg)
    assert info.n_epochs == 10
    # the 1-Hz chin EMG envelope cannot carry the EMG role, and a note says so
    assert info.roles == {"eeg": "EEG Fpz-Cz", "eog": "EOG horizontal", "emg": None}
    assert info.notes[0].startswith("EMG channel 'EMG submental' is sampled at 1 Hz")
    assert info.to_dict()["verdicts"][-1]["usable"] is False
    assert {c["name"]: c["sfreq"] for c in info.channels}["EMG submental"] == 1.0
    assert info.to_dict()["duration_s"] == 300.0


def test_missing_roles_are_none(edf_writer: EdfWriter) -> None:
    path = edf_writer("eeg.edf", {"EEG": (sleep_like(60, 125), 125.0)})
    assert describe_recording(path).roles == {"eeg": "EEG", "eog": None, "emg": None}


def test_signals_are_judged_when_asked(edf_writer: EdfWriter) -> None:
    path = edf_writer(
        "flat.edf",
        {"C4-M1": (sleep_like(60, 256) * 0, 256.0), "F4-M1": (sleep_like(60, 256), 256.0)},
    )
    assert describe_recording(path).roles["eeg"] == "C4-M1"  # the header cannot tell
    judged = describe_recording(path, signals=True)
    assert judged.roles["eeg"] == "F4-M1"
    assert judged.signals_checked and "'C4-M1' is flat" in judged.notes[0]
