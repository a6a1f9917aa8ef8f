"""Tests for seqsleepnet.data.sources: the registry and the rules every source shares."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from seqsleepnet.data.sources import (
    SOURCES,
    FolderSource,
    IsrucSource,
    MassSource,
    RecordingSpec,
    ShhsSource,
    SleepEdfSource,
    get_source,
)
from seqsleepnet.data.sources.base import check_unique
from seqsleepnet.errors import ConfigError, FileFormatError


def test_get_source_by_name() -> None:
    assert isinstance(get_source("folder"), FolderSource)
    assert isinstance(get_source("Sleep-EDF"), SleepEdfSource)
    assert isinstance(get_source("sleep_edf"), SleepEdfSource)
    assert isinstance(get_source("mass"), MassSource)
    assert isinstance(get_source("shhs"), ShhsSource)
    assert isinstance(get_source("ISRUC"), IsrucSource)
    assert sorted(SOURCES) == ["folder", "isruc", "mass", "shhs", "sleep-edf"]


def test_unknown_source_name() -> None:
    with pytest.raises(
        ConfigError, match=r"source='physionet' is not allowed; choose .*'sleep-edf'"
    ):
        get_source("physionet")


def test_option_a_source_does_not_take() -> None:
    with pytest.raises(ConfigError, match=r"source 'shhs' does not take options \['pattern'\]"):
        get_source("shhs", pattern="{stem}.csv")


def test_in_bed_defaults() -> None:
    assert SleepEdfSource.in_bed_default
    assert not FolderSource.in_bed_default
    assert not MassSource.in_bed_default
    assert not ShhsSource.in_bed_default


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_empty_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(FileFormatError, match=f"no recording found for source '{name}'"):
        get_source(name).list_recordings(tmp_path)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_missing_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(FileFormatError, match="input folder not found; check the --input path"):
        get_source(name).list_recordings(tmp_path / "absent")


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    specs = [
        RecordingSpec("n1", "s", 1, tmp_path / "a" / "n1.edf", tmp_path / "a" / "n1.tsv"),
        RecordingSpec("n1", "s", 1, tmp_path / "b" / "n1.edf", tmp_path / "b" / "n1.tsv"),
    ]
    message = r"b/n1.edf: recording id 'n1' is also used by .*a/n1"
    with pytest.raises(FileFormatError, match=message):
        check_unique(specs)
    check_unique(specs[:1])


def test_unpaired_file_is_logged_when_others_pair(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("n1.edf", "n1.tsv", "lonely.edf"):
        (tmp_path / name).write_bytes(b"x")
    with caplog.at_level(logging.WARNING):
        listing = FolderSource().list_recordings(tmp_path)
    assert [s.recording for s in listing.recordings] == ["n1"]
    assert listing.unpaired == [tmp_path / "lonely.edf"]
    assert "lonely.edf: no matching PSG/hypnogram file" in caplog.text
