"""Tests for seqsleepnet.io.atomic: complete files or none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from seqsleepnet.errors import ConfigError, FileFormatError
from seqsleepnet.io.atomic import atomic_path, atomic_write


class Boom(Exception):
    pass


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_text_write_creates_file(tmp_path: Path) -> None:
    target = tmp_path / "night.tsv"
    with atomic_write(target) as handle:
        handle.write("onset\tstage\n0\tW\n")
        assert not target.exists()  # nothing visible until the block ends
    assert target.read_text() == "onset\tstage\n0\tW\n"
    assert _leftovers(tmp_path) == []


def test_binary_write_replaces_existing(tmp_path: Path) -> None:
    target = tmp_path / "blob.bin"
    target.write_bytes(b"old")
    with atomic_write(target, "wb") as handle:
        handle.write(b"\x00\x01new")
    assert target.read_bytes() == b"\x00\x01new"


def test_failure_keeps_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("precious")
    with pytest.raises(Boom), atomic_write(target) as handle:
        handle.write("half a fi")
        raise Boom
    assert target.read_text() == "precious"
    assert _leftovers(tmp_path) == []


def test_failure_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    with pytest.raises(Boom), atomic_write(target) as handle:
        handle.write("partial")
        raise Boom
    assert list(tmp_path.iterdir()) == []


def test_new_file_respects_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "m.txt") as handle:
            handle.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "m.txt").stat().st_mode & 0o777 == 0o640


def test_missing_folder(tmp_path: Path) -> None:
    with (
        pytest.raises(FileFormatError, match="does not exist"),
        atomic_write(tmp_path / "absent" / "x.txt") as handle,
    ):
        handle.write("x")


def test_target_is_folder(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with (
        pytest.raises(FileFormatError, match="is a folder"),
        atomic_write(tmp_path / "dir") as handle,
    ):
        handle.write("x")


def test_bad_mode(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mode='a' is not allowed; choose one of 'w', 'wb'"):
        atomic_write(tmp_path / "x", "a")  # type: ignore[call-overload]


def test_atomic_path_keeps_suffix_and_moves(tmp_path: Path) -> None:
    target = tmp_path / "out.edf"
    with atomic_path(target) as temporary:
        assert temporary.parent == tmp_path
        assert temporary.suffix == ".edf"
        assert temporary != target
        temporary.write_bytes(b"data")
    assert target.read_bytes() == b"data"
    assert _leftovers(tmp_path) == []


def test_atomic_path_failure_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "out.edf"
    target.write_bytes(b"old")
    with pytest.raises(Boom), atomic_path(target) as temporary:
        temporary.write_bytes(b"partial")
        raise Boom
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_atomic_path_nothing_written(tmp_path: Path) -> None:
    with (
        pytest.raises(FileFormatError, match="nothing was written"),
        atomic_path(tmp_path / "x.edf"),
    ):
        pass
    assert list(tmp_path.iterdir()) == []
