from pathlib import Path

import pytest
import yasa

from seqsleepnet.errors import ConfigError
from seqsleepnet.statistics import DEFINITIONS, sleep_statistics

W, N1, N2, N3, R, U = 0, 1, 2, 3, 4, -1


def test_hand_made_night() -> None:
    # 4 W | N1 N2 N2 | W W | N2 N3 N3 R R | W | U   (16 epochs = 8 min)
    night = [W, W, W, W, N1, N2, N2, W, W, N2, N3, N3, R, R, W, U]
    stats = sleep_statistics(night)
    assert stats.tib == 8.0
    assert stats.tst == 4.0  # 8 sleep epochs
    assert stats.sleep_onset_latency == 2.0
    assert stats.spt == 5.0  # epochs 4..13
    assert stats.waso == 1.0  # the two W inside the period; the final W is after the period
    assert stats.awakenings == 1
    assert stats.rem_latency == 4.0  # first REM is 8 epochs after onset
    assert stats.sleep_efficiency == pytest.approx(50.0)
    assert stats.minutes == {"W": 3.5, "N1": 0.5, "N2": 1.5, "N3": 1.0, "REM": 1.0}
    assert stats.percent["N2"] == pytest.approx(100 * 1.5 / 4.0)
    assert stats.percent["W"] == pytest.approx(100 * 3.5 / 8.0)
    assert stats.unscored == 0.5
    # W>N1>N2 | N2>W | W>N2>N3 | N3>R>W: changes between consecutive scored epochs
    assert stats.transitions == 7


def test_night_without_sleep() -> None:
    stats = sleep_statistics([W] * 10)
    assert stats.tst == 0.0
    assert stats.sleep_onset_latency is None and stats.rem_latency is None
    assert stats.percent["N2"] == 0.0
    assert stats.percent["W"] == 100.0


def test_no_rem_gives_no_rem_latency_and_epoch_length_scales() -> None:
    stats = sleep_statistics([W, N2, N2, W, N2], epoch_length=60.0)
    assert stats.rem_latency is None
    assert stats.waso == 1.0
    assert stats.tib == 5.0


def test_bad_stages() -> None:
    with pytest.raises(ConfigError, match=r"non-empty array of -1\.\.4"):
        sleep_statistics([])
    with pytest.raises(ConfigError, match=r"non-empty array of -1\.\.4"):
        sleep_statistics([0, 7])


def test_new_statistics_of_the_hand_made_night() -> None:
    # 4 W | N1 N2 N2 | W W | N2 N3 N3 R R | W | U   (16 epochs = 8 min)
    night = [W, W, W, W, N1, N2, N2, W, W, N2, N3, N3, R, R, W, U]
    stats = sleep_statistics(night, persistent_minutes=2.0)
    assert stats.nrem == 3.0  # N1 0.5 + N2 1.5 + N3 1.0
    assert stats.sleep_maintenance_efficiency == pytest.approx(100 * 4.0 / 5.0)
    assert stats.latency == {"N1": 2.0, "N2": 2.5, "N3": 5.0, "REM": 6.0}
    assert stats.persistent_sleep_latency == 4.5  # epochs 9..13 are the first 4-epoch sleep run
    assert stats.sleep_fragmentation_index == pytest.approx(2 / (4.0 / 60))  # N2>W, R>W
    assert stats.rem_latency_from == "sleep-onset" and stats.rem_latency == 4.0
    yasa_like = sleep_statistics(night, rem_latency_from="record-start")
    assert yasa_like.rem_latency == 6.0 and yasa_like.rem_latency_from == "record-start"
    assert yasa_like.persistent_sleep_latency is None  # no 10 minutes of continuous sleep


def test_awakenings_of_at_least_n_epochs() -> None:
    night = [N2, W, N2, W, W, N2, W, W, W, N2]
    assert sleep_statistics(night).awakenings == 3
    assert sleep_statistics(night, awakening_epochs=2).awakenings == 2
    assert sleep_statistics(night, awakening_epochs=3).awakenings == 1


def test_bad_settings() -> None:
    with pytest.raises(ConfigError, match="rem_latency_from='aasm' is not allowed"):
        sleep_statistics([W], rem_latency_from="aasm")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="persistent_minutes must be > 0"):
        sleep_statistics([W], persistent_minutes=0.0)
    with pytest.raises(ConfigError, match="awakening_epochs must be a whole number >= 1"):
        sleep_statistics([W], awakening_epochs=0)


def test_every_statistic_has_a_definition() -> None:
    fields = set(sleep_statistics([W, N2]).to_dict())
    settings = {"rem_latency_from", "persistent_minutes", "awakening_epochs"}
    assert set(DEFINITIONS) == fields - settings
    assert all(label and definition for label, definition in DEFINITIONS.values())


YASA_KEYS = {  # YASA's name -> ours, where the definitions match
    "TIB": "tib",
    "SPT": "spt",
    "WASO": "waso",
    "TST": "tst",
    "SE": "sleep_efficiency",
    "SME": "sleep_maintenance_efficiency",
    "SFI": "sleep_fragmentation_index",
    "SOL": "sleep_onset_latency",
    "SOL_5min": "persistent_sleep_latency",
    "Lat_REM": "rem_latency",
}


@pytest.mark.parametrize("seed", range(5))
def test_statistics_agree_with_yasa_where_the_definitions_match(seed: int) -> None:
    hyp = yasa.simulate_hypnogram(tib=300, seed=seed)
    names = {"WAKE": W, "N1": N1, "N2": N2, "N3": N3, "REM": R}
    stages = [names[v] for v in hyp.hypno.to_numpy()]
    theirs = hyp.sleep_statistics()
    ours = sleep_statistics(stages, rem_latency_from="record-start", persistent_minutes=5.0)
    values = ours.to_dict()
    for yasa_name, name in YASA_KEYS.items():
        assert values[name] == pytest.approx(theirs[yasa_name], abs=1e-4), yasa_name
    for stage in ("N1", "N2", "N3", "REM"):
        assert ours.minutes[stage] == pytest.approx(theirs[stage], abs=1e-4)
        assert ours.percent[stage] == pytest.approx(theirs[f"%{stage}"], abs=1e-4)
    assert ours.minutes["W"] == pytest.approx(theirs["WAKE"], abs=1e-4)
    aasm = sleep_statistics(stages)  # REM latency from sleep onset: YASA's Lat_REM - SOL
    assert aasm.rem_latency == pytest.approx(theirs["Lat_REM"] - theirs["SOL"], abs=1e-4)


def test_the_readme_gives_every_definition() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for label, definition in DEFINITIONS.values():
        assert f"| {label} | {definition} |" in readme
