import pytest

from seqsleepnet.errors import ConfigError
from seqsleepnet.statistics import sleep_statistics

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
