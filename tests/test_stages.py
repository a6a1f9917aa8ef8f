import numpy as np
import pytest

from seqsleepnet.errors import UnknownStageError
from seqsleepnet.stages import (
    STAGE_NAMES,
    UNSCORED,
    SleepStage,
    parse_stage,
    parse_stages,
    stage_names,
)


@pytest.mark.parametrize(
    ("label", "stage"),
    [
        ("Sleep stage W", 0),
        ("Sleep stage 1", 1),
        ("Sleep stage 2", 2),
        ("Sleep stage 3", 3),
        ("Sleep stage 4", 3),
        ("Sleep stage R", 4),
        ("Sleep stage ?", UNSCORED),
        ("Movement time", UNSCORED),
        ("Wake|0", 0),
        ("Stage 1 sleep|1", 1),
        ("Stage 4 sleep|4", 3),
        ("REM sleep|5", 4),
        ("Unscored|9", UNSCORED),
        ("n2", 2),
        ("  rem ", 4),
        ("S4", 3),
        ("WAKE", 0),
        ("ART", UNSCORED),
        (-2, UNSCORED),
        (3, 3),
        (4, 4),
        ("4", 4),
        ("-1", UNSCORED),
    ],
)
def test_parse_stage_maps_every_convention_to_aasm(label: str | int, stage: int) -> None:
    assert parse_stage(label) == stage


def test_parse_stages_lists_every_unknown_label_once() -> None:
    with pytest.raises(UnknownStageError, match=r"\['Stage X', 'foo'\]"):
        parse_stages(["W", "foo", "Stage X", "foo"])


def test_parse_stages_returns_int8_with_unscored_kept() -> None:
    out = parse_stages(["W", "Sleep stage ?", "N3", "R"])
    assert out.dtype == np.int8
    assert out.tolist() == [0, UNSCORED, 3, 4]


def test_stage_order_and_names() -> None:
    assert STAGE_NAMES == ("W", "N1", "N2", "N3", "REM")
    assert [s.value for s in SleepStage] == [0, 1, 2, 3, 4]
    assert stage_names([0, 4, -1, 2]) == ["W", "REM", "UNS", "N2"]
