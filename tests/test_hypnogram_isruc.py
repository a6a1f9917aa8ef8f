"""Tests for seqsleepnet.io.hypnogram_isruc: ISRUC-Sleep scorer files (5 = REM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqsleepnet.errors import FileFormatError
from seqsleepnet.io.hypnogram import read_hypnogram
from seqsleepnet.stages import SleepStage


def _scores(tmp_path: Path, text: str | bytes, name: str = "1_1.txt") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_codes_map_to_stages(tmp_path: Path) -> None:
    path = _scores(tmp_path, "0\n1\n2\n3\n5\n5\n0\n\n\n")  # ISRUC files end in blank lines
    hyp = read_hypnogram(path, format="isruc")
    assert hyp.stages.tolist() == [0, 1, 2, 3, SleepStage.REM, SleepStage.REM, 0]
    assert (hyp.epoch_length, hyp.onset, hyp.start_time) == (30.0, 0.0, None)
    assert hyp.source == str(path)


def test_epoch_length_can_be_given(tmp_path: Path) -> None:
    hyp = read_hypnogram(_scores(tmp_path, "0\n5\n"), format="isruc", epoch_length=20.0)
    assert hyp.epoch_length == 20.0


def test_code_4_and_others_are_refused_and_listed(tmp_path: Path) -> None:
    path = _scores(tmp_path, "0\n4\n2\n7\n4\nW\n")
    with pytest.raises(FileFormatError, match=r"1_1\.txt: ISRUC stage code\(s\) \['4', '7', 'W'\]"):
        read_hypnogram(path, format="isruc")


def test_two_values_on_a_line(tmp_path: Path) -> None:
    path = _scores(tmp_path, "0\n1 2\n")
    with pytest.raises(FileFormatError, match=r"line 2 holds 2 values.*ISRUC stage code per line"):
        read_hypnogram(path, format="isruc")


def test_not_text(tmp_path: Path) -> None:
    path = _scores(tmp_path, b"\xff\xfe\x00\x01")
    with pytest.raises(FileFormatError, match="not a text file"):
        read_hypnogram(path, format="isruc")
