"""The channel survey: the first alias candidate that can carry each role, with notes."""

from __future__ import annotations

from pathlib import Path

import mne
import numpy as np
import pytest

from conftest import EdfWriter, sleep_like
from seqsleepnet.data.synthetic import write_synthetic_night
from seqsleepnet.errors import ChannelError
from seqsleepnet.io.survey import survey_channels

STAGES = np.repeat([0, 1, 2, 3, 2, 4], 4)  # 12 minutes


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("layouts")
    return {
        layout: write_synthetic_night(STAGES, folder / layout, layout=layout, seed=3).psg
        for layout in ("sleep-edf", "aasm", "mass", "shhs")
    }


def test_the_sleep_edf_emg_envelope_is_not_used(layouts: dict[str, Path]) -> None:
    survey = survey_channels(layouts["sleep-edf"])
    assert survey.picks == {"eeg": "EEG Fpz-Cz", "eog": "EOG horizontal"}
    assert survey.roles == ("eeg", "eog")
    assert survey.notes["emg"].startswith("EMG channel 'EMG submental' is sampled at 1 Hz")
    assert survey.notes["emg"].endswith("not used for EMG, and no other channel can carry EMG")


@pytest.mark.parametrize(
    ("layout", "picks"),
    [
        ("aasm", {"eeg": "C4-M1", "eog": "E1-M2", "emg": "Chin1-Chin2"}),
        ("mass", {"eeg": "EEG C4-CLE", "eog": "EOG Right Horiz", "emg": "EMG Chin1"}),
        ("shhs", {"eeg": "EEG", "eog": "EOG(L)", "emg": "EMG"}),
    ],
)
def test_real_layouts_keep_every_role(layouts: dict[str, Path], layout: str, picks: dict) -> None:
    survey = survey_channels(layouts[layout])
    assert survey.picks == picks
    assert survey.notes == {}
    assert all(v.usable for v in survey.verdicts)


def test_header_only_survey_judges_rate_and_unit(layouts: dict[str, Path]) -> None:
    survey = survey_channels(layouts["sleep-edf"], content=False)
    assert not survey.content_checked
    assert survey.roles == ("eeg", "eog")
    assert all(v.measures == {} for v in survey.verdicts)


def test_a_flat_eeg_is_replaced_by_the_next_candidate(edf_writer: EdfWriter) -> None:
    path = edf_writer(
        "flat.edf",
        {
            "C4-M1": (np.zeros(256 * 300), 256.0),
            "F4-M1": (sleep_like(300, 256, 1), 256.0),
            "E1-M2": (sleep_like(300, 256, 2), 256.0),
        },
    )
    survey = survey_channels(path, ("eeg", "eog"))
    assert survey.picks == {"eeg": "F4-M1", "eog": "E1-M2"}
    assert survey.notes["eeg"] == (
        "EEG channel 'C4-M1' is flat in 100% of its epochs (disconnected or empty): not used for "
        "EEG; 'F4-M1' is used instead"
    )


def test_a_named_channel_is_used_with_a_note(layouts: dict[str, Path]) -> None:
    survey = survey_channels(layouts["sleep-edf"], named={"emg": "EMG submental"})
    assert survey.picks["emg"] == "EMG submental"
    assert survey.notes["emg"].endswith("used for EMG because it was named")


def test_require_explains_and_says_what_to_do(layouts: dict[str, Path]) -> None:
    survey = survey_channels(layouts["sleep-edf"])
    survey.require(("eeg", "eog"), fix="unused")
    with pytest.raises(ChannelError, match=r"PSG\.edf: EMG channel 'EMG submental' is sampled"):
        survey.require(("eeg", "eog", "emg"), fix="use another model")
    with pytest.raises(ChannelError, match=r"no EEG channel found among \['X'\]"):
        survey_channels(_raw(["X"])).require(("eeg",), fix="unused")


def _raw(names: list[str]) -> mne.io.RawArray:
    info = mne.create_info(names, 100.0, "eeg")
    return mne.io.RawArray(np.ones((len(names), 3000)), info, verbose="error")


def test_a_raw_in_volts_is_judged_in_microvolts() -> None:
    info = mne.create_info(["C4-M1", "E1-M2"], 256.0, "eeg")
    data = np.stack([sleep_like(300, 256, 1), sleep_like(300, 256, 2)]) * 1e-6
    survey = survey_channels(mne.io.RawArray(data, info, verbose="error"), ("eeg", "eog"))
    assert survey.source == "Raw"
    assert survey.picks == {"eeg": "C4-M1", "eog": "E1-M2"}
    assert 10.0 < survey.verdicts[0].measures["median_sd_uv"] < 60.0
