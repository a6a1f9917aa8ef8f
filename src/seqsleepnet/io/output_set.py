"""Write a set of output files so that they appear together or not at all.

:func:`output_set` hands out paths in a hidden staging folder beside the
targets (``.<set>.set-<token>/``). When the ``with`` block ends normally (the
block writes each file with :func:`~seqsleepnet.io.atomic.atomic_write`, which
flushes it to disk) a marker file records that the set is complete, and the
files are renamed onto their targets, by a helper process that a SIGKILL of
the writing process does not stop. If the block fails (a bad input, a full or
read-only disk) the staging folder is removed and earlier outputs are
untouched. Should the renames still be cut short (the machine stops), the
staging folder keeps its marker: the next :func:`output_set` of the same set
finishes the move before doing anything else, and a staging folder without a
marker (a run killed while writing) is removed. Existing targets are replaced only
with ``overwrite=True``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from seqsleepnet.errors import FileFormatError, SeqSleepNetError
from seqsleepnet.io.atomic import fsync_folder, write_failure

__all__ = ["output_set", "refuse_existing"]

log = logging.getLogger(__name__)

_COMPLETE = ".complete"  # marker written once every file of the set is on disk


def _staging_folders(folder: Path, set_name: str) -> list[Path]:
    prefix = f".{set_name}.set-"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and p.is_dir())


_MOVER = (  # run as ``python -S -I -c _MOVER STAGING FOLDER NAME...``
    "import os, sys\n"
    "staging, folder, *names = sys.argv[1:]\n"
    "for name in names:\n"
    "    os.replace(os.path.join(staging, name), os.path.join(folder, name))\n"
)


def _move_in(staging: Path, folder: Path, names: Sequence[str]) -> None:
    """Rename the staged files onto their targets, then remove the staging folder.

    The renames run in a short helper process of its own session, which this
    process waits for: a SIGKILL of this process (or of its process group)
    between two renames does not stop the helper, so the set is never left
    half moved. Where no helper can be started the renames run here.
    """
    present = [name for name in names if (staging / name).exists()]
    try:  # Popen, not run: run kills its child when the wait is interrupted (Ctrl-C)
        helper = subprocess.Popen(
            [sys.executable, "-S", "-I", "-c", _MOVER, str(staging), str(folder), *present],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, ValueError):
        moved = False
    else:
        moved = helper.wait() == 0
    if not moved:
        for name in present:
            if (staging / name).exists():
                os.replace(staging / name, folder / name)
    fsync_folder(folder)
    shutil.rmtree(staging, ignore_errors=True)


def _finish_interrupted(folder: Path, set_name: str, names: Sequence[str]) -> None:
    """Complete a set whose move was interrupted; drop sets that were never complete."""
    for staging in _staging_folders(folder, set_name):
        if (staging / _COMPLETE).is_file():
            log.info("completing the outputs of %s left by an interrupted run", set_name)
            _move_in(staging, folder, names)
        else:
            log.info("removing %s, left by an interrupted run", staging)
            shutil.rmtree(staging, ignore_errors=True)


def refuse_existing(folder: Path, set_name: str, names: Sequence[str]) -> None:
    """Raise :class:`FileFormatError` if a file of the set already exists in ``folder``."""
    present = [folder / name for name in names if (folder / name).exists()]
    if present:
        raise FileFormatError(
            present[0],
            "already exists"
            + (
                f" ({len(present)} of the {len(names)} outputs of {set_name} are there)"
                if len(names) > 1
                else ""
            ),
            "pass --overwrite to replace it, or choose another output",
        )


def _naming_target(error: OSError, staging: Path, folder: Path) -> OSError:
    """``error`` told of the target folder's files instead of the staging folder's."""
    if isinstance(error, FileFormatError) and error.path.parent == staging:
        problem = str(error)[len(str(error.path)) + 2 :]
        return FileFormatError(folder / error.path.name, problem)
    if isinstance(error, SeqSleepNetError):
        return error
    name = Path(str(error.filename)).name if error.filename else ""
    return write_failure(folder / name if name else folder, error)


@contextlib.contextmanager
def output_set(
    folder: str | Path, set_name: str, names: Sequence[str], *, overwrite: bool = False
) -> Iterator[dict[str, Path]]:
    """Give staging paths for the files ``names``; move them into ``folder`` as one set.

    Parameters
    ----------
    folder : str or Path
        Where the files go; created if absent.
    set_name : str
        What the set belongs to (a recording's name), in messages and the
        staging folder's name.
    names : sequence of str
        File names of the set.
    overwrite : bool
        Replace existing files of the set; otherwise an existing one is refused
        before anything is written.

    Yields
    ------
    dict
        Staging path of each name. Write every one inside the block.

    Raises
    ------
    FileFormatError
        If the folder cannot be created, a target exists without
        ``overwrite``, a file was not written, or writing failed (full disk,
        read-only file system: the message names the target, not the staging
        file).
    """
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise FileFormatError(out, "is a file, not a folder", "give an output folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise write_failure(out, error) from error
    _finish_interrupted(out, set_name, names)
    if not overwrite:
        refuse_existing(out, set_name, names)
    blocked = [out / name for name in names if (out / name).exists() and not (out / name).is_file()]
    if blocked:  # found before anything is written: a rename onto it would fail mid-set
        raise FileFormatError(
            blocked[0],
            "is not a file (a folder?), so the output of that name cannot replace it",
            "remove or rename it, or choose another output folder",
        )
    staging = out / f".{set_name}.set-{secrets.token_hex(6)}"
    try:
        staging.mkdir()
    except OSError as error:
        raise write_failure(out / names[0], error) from error
    try:
        yield {name: staging / name for name in names}
        missing = [name for name in names if not (staging / name).is_file()]
        if missing:
            raise FileFormatError(
                out / missing[0], "was not written", "write every file of the set"
            )
        (staging / _COMPLETE).touch()  # each file was flushed as it was written
        fsync_folder(staging)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise _naming_target(error, staging, out) from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _move_in(staging, out, names)
    log.debug("wrote the %d outputs of %s into %s", len(names), set_name, out)
