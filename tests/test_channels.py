import pytest

from seqsleepnet.errors import ChannelError, ConfigError
from seqsleepnet.io.channels import match_roles, parse_roles

MONTAGES = {
    "sleep-edf": (
        ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal", "Resp oro-nasal", "EMG submental"],
        ["EEG Fpz-Cz", "EOG horizontal", "EMG submental"],
    ),
    "mass": (
        ["EEG F4-CLE", "EEG C4-CLE", "EOG Left Horiz", "EOG Right Horiz", "EMG Chin1"],
        ["EEG C4-CLE", "EOG Right Horiz", "EMG Chin1"],
    ),
    "mass-ler": (
        ["EEG C4-LER", "EOG Right Horiz", "EMG Chin1"],
        ["EEG C4-LER", "EOG Right Horiz", "EMG Chin1"],
    ),
    "shhs": (["SaO2", "EEG(sec)", "EEG", "EOG(L)", "EOG(R)", "EMG"], ["EEG", "EOG(L)", "EMG"]),
    "aasm": (
        ["F4-M1", "C4-M1", "O2-M1", "E1-M2", "E2-M1", "Chin1-Chin2"],
        ["C4-M1", "E1-M2", "Chin1-Chin2"],
    ),
}


@pytest.mark.parametrize("montage", sorted(MONTAGES))
def test_alias_table_finds_each_datasets_montage(montage: str) -> None:
    available, expected = MONTAGES[montage]
    picks = match_roles(available)
    assert [p.name for p in picks] == expected
    assert [p.role for p in picks] == ["eeg", "eog", "emg"]


def test_named_channel_wins_and_matches_case_insensitively() -> None:
    picks = match_roles(["EEG Fpz-Cz", "EEG Pz-Oz"], ["eeg"], {"eeg": "eeg pz-oz"})
    assert picks[0].name == "EEG Pz-Oz"
    assert picks[0].how == "named"


def test_missing_named_channel_lists_available() -> None:
    with pytest.raises(
        ChannelError, match=r"EEG channel 'C3-A2' not found; available: \['C4-M1'\]"
    ):
        match_roles(["C4-M1"], ["eeg"], {"eeg": "C3-A2"}, source="x.edf")


def test_role_without_alias_says_how_to_name_it() -> None:
    with pytest.raises(ChannelError, match=r"no EMG channel found.*--emg NAME"):
        match_roles(["C4-M1", "E1-M2"])


def test_one_channel_cannot_serve_two_roles() -> None:
    with pytest.raises(ChannelError, match="one channel named for two roles"):
        match_roles(["C4-M1", "E1-M2"], ["eeg", "eog"], {"eeg": "C4-M1", "eog": "C4-M1"})


def test_parse_roles() -> None:
    assert parse_roles("EEG, eog") == ("eeg", "eog")
    with pytest.raises(ConfigError, match="roles must be distinct"):
        parse_roles("eeg,ecg")
    with pytest.raises(ConfigError, match="roles must be distinct"):
        parse_roles("eeg,eeg")
    with pytest.raises(ConfigError, match="roles must be distinct"):
        parse_roles("")
