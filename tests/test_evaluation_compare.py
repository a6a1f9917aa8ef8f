"""Aligning two scorings of a night and pairing files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seqsleepnet.errors import FileFormatError
from seqsleepnet.evaluation.compare import compare_files, pair_files
from seqsleepnet.hypnogram import Hypnogram
from seqsleepnet.io.hypnogram import write_hypnogram


def test_pairing_and_pooling(tmp_path: Path) -> None:
    for folder in ("t", "p"):
        (tmp_path / folder).mkdir()
    write_hypnogram(Hypnogram(np.array([0, 0, 2])), tmp_path / "t" / "n1.tsv")
    write_hypnogram(Hypnogram(np.array([3])), tmp_path / "t" / "lonely.tsv")
    write_hypnogram(Hypnogram(np.array([0, 1, 2])), tmp_path / "p" / "n1.tsv")
    pairs = pair_files(tmp_path / "t", tmp_path / "p")
    assert [(a.name, b.name, fmt) for a, b, fmt in pairs] == [("n1.tsv", "n1.tsv", None)]
    pooled, nights = compare_files(tmp_path / "t", tmp_path / "p")
    assert pooled.accuracy == pytest.approx(2 / 3) and nights[0].compared == 3
    with pytest.raises(FileFormatError, match="two files or two folders"):
        pair_files(tmp_path / "t" / "n1.tsv", tmp_path / "p")
    (tmp_path / "q").mkdir()
    with pytest.raises(FileFormatError, match="no predicted hypnogram has a partner in"):
        pair_files(tmp_path / "t", tmp_path / "q")


def test_an_isruc_scorer_file_is_read_in_its_format_not_as_yasa_text(tmp_path: Path) -> None:
    """ISRUC's 5 is REM: found by the dataset's naming, the file is read as ISRUC says."""
    scorer = tmp_path / "t" / "1_1.txt"  # beside where the PSG 1.rec would lie
    scorer.parent.mkdir(parents=True)
    scorer.write_text("0\n1\n2\n3\n5\n")
    (tmp_path / "p").mkdir()
    write_hypnogram(Hypnogram(np.array([0, 1, 2, 3, 4])), tmp_path / "p" / "1.hypnogram.tsv")
    pairs = pair_files(tmp_path / "t", tmp_path / "p")
    assert [(a.name, fmt) for a, _, fmt in pairs] == [("1_1.txt", "isruc")]
    pooled, _ = compare_files(tmp_path / "t", tmp_path / "p")
    assert pooled.accuracy == 1.0 and pooled.epochs == 5


def test_folders_show_one_step_per_night_and_two_files_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder in ("t", "p"):
        (tmp_path / folder).mkdir()
        for night in ("n1", "n2"):
            write_hypnogram(Hypnogram(np.array([0, 0, 2])), tmp_path / folder / f"{night}.tsv")
    compare_files(tmp_path / "t", tmp_path / "p", progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert [line.rsplit(" (", 1)[0] for line in lines] == [
        "evaluate: 1/2 n1.tsv",
        "evaluate: 2/2 n2.tsv",
    ]
    compare_files(tmp_path / "t" / "n1.tsv", tmp_path / "p" / "n1.tsv", progress=True)
    compare_files(tmp_path / "t", tmp_path / "p")
    assert capsys.readouterr().err == ""
