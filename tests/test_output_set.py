"""A night's outputs appear together or not at all, also when the writer is killed while
they are moved into place."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import seqsleepnet.io.output_set as output_set_module
from seqsleepnet.errors import FileFormatError
from seqsleepnet.io.atomic import atomic_write
from seqsleepnet.io.output_set import output_set

NAMES = ["night.tsv", "night.csv", "night.json", "night.html"]


def _write_set(folder: Path, text: str, *, overwrite: bool = False) -> None:
    with output_set(folder, "night", NAMES, overwrite=overwrite) as paths:
        for path in paths.values():
            with atomic_write(path) as handle:
                handle.write(text)


def _contents(folder: Path) -> set[str]:
    return {(folder / name).read_text() for name in NAMES if (folder / name).exists()}


def test_a_set_is_moved_in_whole_and_replaced_only_when_asked(tmp_path: Path) -> None:
    _write_set(tmp_path, "old")
    assert _contents(tmp_path) == {"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(NAMES)  # no staging left
    with pytest.raises(FileFormatError, match=r"already exists \(4 of the 4 outputs"):
        _write_set(tmp_path, "new")
    assert _contents(tmp_path) == {"old"}
    _write_set(tmp_path, "new", overwrite=True)
    assert _contents(tmp_path) == {"new"}


def test_a_folder_in_a_targets_place_is_refused_before_anything_moves(tmp_path: Path) -> None:
    """A rename onto a folder would fail half-way: the set is refused whole instead."""
    _write_set(tmp_path, "old")
    (tmp_path / "night.json").unlink()
    (tmp_path / "night.json").mkdir()
    with pytest.raises(FileFormatError, match=r"night.json: is not a file \(a folder\?\)"):
        _write_set(tmp_path, "new", overwrite=True)
    kept = {(tmp_path / n).read_text() for n in NAMES if n != "night.json"}
    assert kept == {"old"}  # the other three kept, nothing half-replaced
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_without_a_helper_process_the_set_is_moved_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise OSError("cannot start a process")

    monkeypatch.setattr(output_set_module.subprocess, "Popen", no_process)
    _write_set(tmp_path, "new")
    assert _contents(tmp_path) == {"new"}


_KILLED_WRITER = """
import sys
from pathlib import Path
import seqsleepnet.io.output_set as module
from seqsleepnet.io.atomic import atomic_write

module._MOVER = (  # the helper announces itself, then renames slowly
    "import os, sys, time\\n"
    "staging, folder, *names = sys.argv[1:]\\n"
    "open(os.path.join(folder, '..', 'moving'), 'w').close()\\n"
    "for name in names:\\n"
    "    time.sleep(0.3)\\n"
    "    os.replace(os.path.join(staging, name), os.path.join(folder, name))\\n"
)
with module.output_set(Path(sys.argv[1]), "night", {names!r}, overwrite=True) as paths:
    for path in paths.values():
        with atomic_write(path) as handle:
            handle.write("new")
"""


def test_a_writer_killed_between_the_renames_still_leaves_the_whole_new_set(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    _write_set(out, "old")
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_KILLED_WRITER.format(names=NAMES)), str(out)],
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "moving").exists():
        assert writer.poll() is None and time.monotonic() < deadline, "the writer never moved"
        time.sleep(0.01)
    os.killpg(writer.pid, signal.SIGKILL)  # the writer and its process group, mid-move
    writer.wait()
    assert "old" in _contents(out)  # killed before the renames were done ...
    deadline = time.monotonic() + 20
    while _contents(out) != {"new"} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _contents(out) == {"new"}  # ... which the helper finished all the same
