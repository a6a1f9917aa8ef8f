"""Progress of the work a person waits for: a bar on a terminal, one plain line per step elsewhere.

Every long task (the nights of a cohort, the files or the phases of ``stage``,
the recordings of ``prepare``) reports through :func:`progress_steps`, and each
command turns it off with ``--quiet``. On a terminal (stderr is a TTY) a rich
bar shows the count, the elapsed time and the last step done, and disappears
at the end; in a log file or a pipe each finished step is one line on stderr
with its own duration::

    cohort: 1/39 SC4001E0-PSG.edf (4.2 s)
    stage night.edf: 3/5 features (0.8 s)

The module imports only the standard library until a bar is drawn, so light
commands (``evaluate``) may use it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["Steps", "progress_steps"]


class Steps:
    """The finished steps of one task, shown as they end.

    Parameters
    ----------
    label : str
        What the task is, e.g. ``"cohort"`` or ``"stage night.edf"``.
    total : int, optional
        Number of steps, when known.
    show : bool
        Show anything at all (False for ``--quiet``).
    bar : rich.progress.Progress, optional
        The bar to advance; without one, each step is a line on stderr.
    task : rich.progress.TaskID, optional
        The bar's task.
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        *,
        show: bool,
        bar: Progress | None = None,
        task: TaskID | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.count = 0
        self._show = show
        self._bar = bar
        self._task = task
        self._last = time.perf_counter()

    def done(self, what: str) -> None:
        """Mark one step (an item or a phase) finished; ``what`` names it."""
        self.count += 1
        now = time.perf_counter()
        seconds, self._last = now - self._last, now
        if not self._show:
            return
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, last=what)
            return
        count = f"{self.count}/{self.total}" if self.total is not None else f"{self.count}"
        sys.stderr.write(f"{self.label}: {count} {what} ({seconds:.1f} s)\n")
        sys.stderr.flush()


@contextmanager
def progress_steps(
    label: str, total: int | None = None, *, enabled: bool = True
) -> Iterator[Steps]:
    """Show the progress of a task while the ``with`` block runs.

    Parameters
    ----------
    label : str
        What the task is; it starts each plain line.
    total : int, optional
        Number of steps, when known (the bar then shows ``k/N``).
    enabled : bool
        False shows nothing (``--quiet``).

    Yields
    ------
    Steps
        Call :meth:`Steps.done` as each step ends.

    Examples
    --------
    >>> with progress_steps("demo", 2, enabled=False) as steps:
    ...     steps.done("first")
    ...     steps.done("second")
    >>> steps.count
    2
    """
    if not enabled or not sys.stderr.isatty():
        yield Steps(label, total, show=enabled)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("[bold]{task.description}"), BarColumn()]
    if total is not None:
        columns.append(MofNCompleteColumn())
    columns += [TimeElapsedColumn(), TextColumn("{task.fields[last]}")]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, last="")
        yield Steps(label, total, show=True, bar=bar, task=task)
