"""Atomic file writing: a file is either written completely or not at all.

:func:`atomic_write` hands out a temporary file in the target's folder; only
when the ``with`` block ends without an exception is the temporary file
flushed to disk and renamed over the target with :func:`os.replace`, which is
atomic on POSIX and Windows. If anything fails, the temporary file is removed
and an existing target is left untouched.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

from seqsleepnet.errors import FileFormatError, SeqSleepNetError, check_option

__all__ = ["atomic_path", "atomic_write", "fsync_folder", "write_failure"]

logger = logging.getLogger(__name__)


def _temporary_name(target: Path) -> Path:
    """A hidden, unique name beside ``target`` that keeps its suffix."""
    token = secrets.token_hex(6)
    return target.with_name(f".{target.stem}.{token}.tmp{target.suffix}")


_FIXES = {
    errno.ENOSPC: "free space on the disk or write elsewhere",
    errno.EDQUOT: "free space within your disk quota or write elsewhere",
    errno.EROFS: "the file system is read-only; write elsewhere",
    errno.EACCES: "you may not write there; write elsewhere or change its permissions",
    errno.EPERM: "you may not write there; write elsewhere or change its permissions",
}


def write_failure(target: Path, error: OSError) -> FileFormatError:
    """The error to raise when writing ``target`` failed with ``error``: it names the target.

    A full disk, a read-only file system or a missing permission are told with
    what to do; the temporary file the error may name is not mentioned.
    """
    reason = error.strerror or type(error).__name__
    fix = _FIXES.get(error.errno or 0, "check the disk and the path")
    return FileFormatError(target, f"cannot be written ({reason}); nothing was changed", fix)


def _check_folder(target: Path) -> None:
    folder = target.parent
    if not folder.is_dir():
        raise FileFormatError(
            target, f"folder '{folder}' does not exist", "create it first or choose another path"
        )
    if target.is_dir():
        raise FileFormatError(target, "is a folder, not a file", "give a file name")


def fsync_folder(folder: Path) -> None:
    """Persist the renames in a folder (best effort; not every platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Give a temporary path to write; move it onto ``path`` when the block succeeds.

    For tools that insist on a file name (for example exporters that pick the
    format from the suffix, which the temporary name keeps).

    Parameters
    ----------
    path : str or Path
        Final file. Its folder must exist.

    Yields
    ------
    Path
        Temporary file in the same folder. Write it completely inside the block.

    Raises
    ------
    FileFormatError
        If the folder does not exist, ``path`` is a folder, or the block wrote
        no file at the temporary path.
    """
    target = Path(path)
    _check_folder(target)
    temporary = _temporary_name(target)
    try:
        yield temporary
        if not temporary.is_file():
            raise FileFormatError(target, "nothing was written", "write the temporary path")
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except SeqSleepNetError:
        raise
    except OSError as error:
        raise write_failure(target, error) from error
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    fsync_folder(target.parent)
    logger.debug("wrote %s", target)


@overload
def atomic_write(
    path: str | Path,
    mode: Literal["w"] = "w",
    *,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> contextlib.AbstractContextManager[IO[str]]: ...


@overload
def atomic_write(
    path: str | Path,
    mode: Literal["wb"],
    *,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> contextlib.AbstractContextManager[IO[bytes]]: ...


def atomic_write(
    path: str | Path,
    mode: Literal["w", "wb"] = "w",
    *,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> contextlib.AbstractContextManager[IO[Any]]:
    """Open a file for writing so that it appears only once completely written.

    The data go to a temporary file in the same folder; when the ``with``
    block ends normally the file is flushed, ``fsync``-ed and renamed over
    ``path``. On an exception the temporary file is deleted, the exception
    propagates and an existing ``path`` keeps its old content. The new file
    gets the usual permissions (``0o666`` minus the umask).

    Parameters
    ----------
    path : str or Path
        Final file. Its folder must exist.
    mode : {"w", "wb"}
        Text or binary.
    encoding, newline : str, optional
        Passed to :func:`open` in text mode.

    Returns
    -------
    context manager yielding a file object

    Raises
    ------
    FileFormatError
        If the folder does not exist or ``path`` is a folder.

    Examples
    --------
    >>> with atomic_write("night.tsv") as handle:  # doctest: +SKIP
    ...     handle.write("onset\\tduration\\tstage\\n")
    """
    check_option("atomic_write mode", mode, ("w", "wb"))
    return _atomic_file(Path(path), mode, encoding, newline)


@contextlib.contextmanager
def _atomic_file(target: Path, mode: str, encoding: str, newline: str | None) -> Iterator[IO[Any]]:
    _check_folder(target)
    temporary = _temporary_name(target)
    # O_EXCL: never follow or reuse an existing file; 0o666 lets the umask apply.
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise write_failure(target, error) from error
    try:
        if mode == "wb":
            handle: IO[Any] = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding=encoding, newline=newline)
    except BaseException:
        os.close(fd)
        temporary.unlink()
        raise
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except SeqSleepNetError:
        raise
    except OSError as error:
        raise write_failure(target, error) from error
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    fsync_folder(target.parent)
    logger.debug("wrote %s", target)
