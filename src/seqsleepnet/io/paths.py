"""What a path that should be a readable file is, when it is not one.

Readers check their input with :func:`not_a_file` before opening it, so that
a folder named ``night.edf`` or a named pipe (which would block a reader
forever) gets a message that says what it is, instead of "file not found".
"""

from __future__ import annotations

import stat
from pathlib import Path

__all__ = ["not_a_file"]

_KINDS = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
    (stat.S_ISCHR, "is a character device, not a regular file"),
    (stat.S_ISBLK, "is a block device, not a regular file"),
)


def not_a_file(path: Path) -> str | None:
    """None if ``path`` is a regular file (or a link to one), else what it is instead.

    Returns
    -------
    str or None
        ``"file not found"``, ``"is a folder, not a file"``, ``"is a named pipe
        (FIFO), not a regular file"``, ... for messages.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "file not found"
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "is not a regular file")
