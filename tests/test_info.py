from pathlib import Path

from conftest import EdfWriter, sleep_like
from seqsleepnet.io.info import describe_recording


def test_describe_reports_rates_roles_and_epochs(sleep_edf_psg: Path) -> None:
    info = describe_recording(sleep_edf_psg)
    assert info.n_epochs == 10
    assert info.roles == {"eeg": "EEG Fpz-Cz", "eog": "EOG horizontal", "emg": "EMG submental"}
    assert {c["name"]: c["sfreq"] for c in info.channels}["EMG submental"] == 1.0
    assert info.to_dict()["duration_s"] == 300.0


def test_missing_roles_are_none(edf_writer: EdfWriter) -> None:
    path = edf_writer("eeg.edf", {"EEG": (sleep_like(60, 125), 125.0)})
    assert describe_recording(path).roles == {"eeg": "EEG", "eog": None, "emg": None}
