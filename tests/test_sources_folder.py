"""Tests for the folder source: pairing by name, custom patterns and CSV manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EdfWriter, sleep_like
from seqsleepnet.data.sources import FolderSource
from seqsleepnet.data.sources.folder import DEFAULT_PATTERNS
from seqsleepnet.errors import ConfigError, FileFormatError


def _psg(edf_writer: EdfWriter, name: str) -> Path:
    return edf_writer(name, {"C4-M1": (sleep_like(60, 100), 100.0)})


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("onset,duration,stage\n0,30,W\n")
    return path


def test_default_naming_pairs_every_extension(edf_writer: EdfWriter, tmp_path: Path) -> None:
    expected = {}
    for i, template in enumerate(DEFAULT_PATTERNS):
        stem = f"night{i}"
        _psg(edf_writer, f"{stem}.edf")
        expected[stem] = _touch(tmp_path / template.format(stem=stem))
    listing = FolderSource().list_recordings(tmp_path)
    assert {s.recording: s.hypnogram for s in listing.recordings} == expected
    assert all(s.subject == s.recording and s.night == 1 for s in listing.recordings)
    assert [s.recording for s in listing.recordings] == sorted(expected)
    assert listing.unpaired == []


def test_edf_hypnogram_is_not_taken_for_a_psg(edf_writer: EdfWriter, tmp_path: Path) -> None:
    psg = _psg(edf_writer, "a.edf")
    hypnogram = _psg(edf_writer, "a-Hypnogram.edf")  # case-insensitive suffix
    listing = FolderSource().list_recordings(tmp_path)
    assert [(s.psg, s.hypnogram) for s in listing.recordings] == [(psg, hypnogram)]


def test_two_possible_hypnograms_are_an_error_naming_both(
    edf_writer: EdfWriter, tmp_path: Path
) -> None:
    _psg(edf_writer, "a.edf")
    _touch(tmp_path / "a.tsv")
    _touch(tmp_path / "a-hypnogram.xml")
    with pytest.raises(FileFormatError, match=r"2 files could be its hypnogram \(a.tsv, a-hyp"):
        FolderSource().list_recordings(tmp_path)


def _stage_output(path: Path) -> Path:
    """What ``seqsleepnet stage`` writes as <name>.csv: stages and their probabilities."""
    path.write_text(
        "onset,duration,stage,p_W,p_N1,p_N2,p_N3,p_REM,confidence\n"
        "0,30,W,0.9,0.05,0.03,0.01,0.01,0.9\n"
    )
    return path


def test_a_staging_output_beside_the_psg_is_never_its_hypnogram(
    edf_writer: EdfWriter, tmp_path: Path
) -> None:
    _psg(edf_writer, "a.edf")
    _stage_output(tmp_path / "a.csv")
    expert = _touch(tmp_path / "a-hypnogram.tsv")
    assert FolderSource().list_recordings(tmp_path).recordings[0].hypnogram == expert
    expert.unlink()
    _psg(edf_writer, "b.edf")
    _touch(tmp_path / "b.tsv")
    listing = FolderSource().list_recordings(tmp_path)
    assert [s.recording for s in listing.recordings] == ["b"]
    assert listing.unpaired == [tmp_path / "a.edf"]  # a model's output is no hypnogram


def test_staging_pairs_its_own_nights_among_a_folder_of_expert_hypnograms(
    edf_writer: EdfWriter, tmp_path: Path
) -> None:
    """An ambiguous night in the experts' folder stops only the staging of that night."""
    from seqsleepnet.data.sources.experts import find_hypnograms

    a, b = _psg(edf_writer, "a.edf"), _psg(edf_writer, "b.edf")
    expert = _touch(tmp_path / "a.tsv")
    _touch(tmp_path / "b.tsv")
    _touch(tmp_path / "b-hypnogram.xml")
    assert find_hypnograms([a], tmp_path)[a].hypnogram == expert
    with pytest.raises(FileFormatError, match="2 files could be its hypnogram"):
        find_hypnograms([b], tmp_path)


def test_subfolders_are_searched_and_duplicate_stems_rejected(
    edf_writer: EdfWriter, tmp_path: Path
) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    _psg(edf_writer, "x/n1.edf")
    _touch(tmp_path / "x" / "n1.tsv")
    assert FolderSource().list_recordings(tmp_path).recordings[0].psg == tmp_path / "x" / "n1.edf"
    _psg(edf_writer, "y/n1.edf")
    _touch(tmp_path / "y" / "n1.tsv")
    with pytest.raises(FileFormatError, match="recording id 'n1' is also used by"):
        FolderSource().list_recordings(tmp_path)


def test_custom_pattern(edf_writer: EdfWriter, tmp_path: Path) -> None:
    _psg(edf_writer, "p1.edf")
    _psg(edf_writer, "p2.edf")
    scores = _touch(tmp_path / "scores" / "p1_staging.csv")
    _touch(tmp_path / "p2.tsv")  # default naming, ignored with a pattern
    listing = FolderSource("scores/{stem}_staging.csv").list_recordings(tmp_path)
    assert [(s.recording, s.hypnogram) for s in listing.recordings] == [("p1", scores.resolve())]
    assert listing.unpaired == [tmp_path / "p2.edf"]


def test_pattern_matching_two_files(edf_writer: EdfWriter, tmp_path: Path) -> None:
    _psg(edf_writer, "p1.edf")
    _touch(tmp_path / "p1.a.csv")
    _touch(tmp_path / "p1.b.csv")
    with pytest.raises(FileFormatError, match=r"pattern '\{stem\}\.\*\.csv' matches 2 files"):
        FolderSource("{stem}.*.csv").list_recordings(tmp_path)


def test_pattern_without_stem() -> None:
    with pytest.raises(ConfigError, match=r"pattern must contain '\{stem\}' .*got 'hyp\.csv'"):
        FolderSource("hyp.csv")


def test_only_unpaired_files_are_listed_in_the_error(edf_writer: EdfWriter, tmp_path: Path) -> None:
    _psg(edf_writer, "lonely.edf")
    _touch(tmp_path / "other-hypnogram.tsv")
    with pytest.raises(
        FileFormatError,
        match=r"no PSG file has a matching hypnogram .*unpaired: lonely.edf, other-hypnogram.tsv",
    ):
        FolderSource().list_recordings(tmp_path)


def test_csv_manifest(edf_writer: EdfWriter, tmp_path: Path) -> None:
    _psg(edf_writer, "a.edf")
    _psg(edf_writer, "b.edf")
    _touch(tmp_path / "h" / "a.txt")
    _touch(tmp_path / "h" / "b.txt")
    manifest = tmp_path / "list.csv"
    manifest.write_text(
        "psg,hypnogram,subject,night,recording\na.edf,h/a.txt,S01,2,S01-N2\nb.edf,h/b.txt,S02,,\n"
    )
    specs = FolderSource().list_recordings(manifest).recordings
    assert [(s.recording, s.subject, s.night) for s in specs] == [
        ("S01-N2", "S01", 2),
        ("b", "S02", 1),
    ]
    assert specs[0].psg == tmp_path / "a.edf"
    assert specs[0].hypnogram == tmp_path / "h" / "a.txt"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("psg,hypnogram\na.edf,a.tsv\n", r"lacks column\(s\) \['subject'\]"),
        ("psg,hypnogram,subject\n", "lacks column"),
        ("psg,hypnogram,subject\nmissing.edf,a.tsv,S1\n", "line 2: psg file 'missing.edf'"),
        ("psg,hypnogram,subject\na.edf,nope.tsv,S1\n", "line 2: hypnogram file 'nope.tsv'"),
        ("psg,hypnogram,subject,night\na.edf,a.tsv,S1,zero\n", "line 2: night must be"),
        ("psg,hypnogram,subject\na.edf,a.tsv,\n", "line 2: empty subject"),
    ],
)
def test_bad_csv_manifest(edf_writer: EdfWriter, tmp_path: Path, text: str, message: str) -> None:
    _psg(edf_writer, "a.edf")
    _touch(tmp_path / "a.tsv")
    manifest = tmp_path / "list.csv"
    manifest.write_text(text)
    with pytest.raises(FileFormatError, match=message):
        FolderSource().list_recordings(manifest)


def test_input_file_that_is_not_csv(edf_writer: EdfWriter) -> None:
    psg = _psg(edf_writer, "a.edf")
    with pytest.raises(FileFormatError, match=r"takes a folder or a \.csv manifest"):
        FolderSource().list_recordings(psg)
