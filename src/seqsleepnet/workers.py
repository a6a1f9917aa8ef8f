"""One task per item, here or in worker processes: no item's failure stops the others.

``stage`` (a task per PSG file) and ``prepare`` (a task per recording) run
their batches through :func:`run_tasks`. A task reports its own errors in its
result; the runner turns what a task cannot report into a result too (an
exception that escaped it, a worker process that died or a result that could
not be sent back), so that the batch always goes on to the next item. A
worker's death fails every unfinished item of its pool, so those are run
again one by one, and only the item that kills its worker again fails.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["run_tasks"]

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_tasks(
    task: Callable[[Item], Result],
    items: Sequence[Item],
    *,
    jobs: int,
    failure: Callable[[Item, Exception, bool], Result],
    on_done: Callable[[Item, Result], None] | None = None,
    spawn: bool = False,
) -> list[Result]:
    """Run ``task`` on every item and return the results in the order of ``items``.

    Parameters
    ----------
    task : callable (item) -> result
        Picklable when ``jobs > 1`` (a module-level function or a partial of one).
    items : sequence
    jobs : int
        Worker processes; never more than there are items (no idle workers),
        and with at most one the items run here, one after another.
    failure : callable (item, exception, in_worker) -> result
        The result of an item whose task raised; ``in_worker`` is True when
        the exception stands for a worker process's failure (it died, or its
        result could not be sent back) rather than the task's own.
    on_done : callable (item, result) -> None, optional
        Called as each item finishes (in the order they finish).
    spawn : bool
        Start workers with ``spawn`` rather than the platform's default (for
        a parent process that runs threads).
    """
    results: dict[int, Result] = {}

    def finish(index: int, result: Result) -> None:
        results[index] = result
        if on_done is not None:
            on_done(items[index], result)

    workers = min(jobs, len(items))
    if workers <= 1:
        for index, item in enumerate(items):
            try:
                result = task(item)
            except Exception as error:  # the task's own failure, not reported by it
                log.debug("task on %s failed", item, exc_info=True)
                result = failure(item, error, False)
            finish(index, result)
        return [results[i] for i in range(len(items))]
    context = multiprocessing.get_context("spawn") if spawn else None
    broken = _in_pool(task, items, range(len(items)), workers, context, failure, finish)
    for index in sorted(broken):  # each alone now, so that a worker's death is its own item's
        again = _in_pool(task, items, [index], 1, context, failure, finish)
        if index in again:
            finish(index, failure(items[index], again[index], True))
    return [results[i] for i in range(len(items))]


def _in_pool(
    task: Callable[[Item], Result],
    items: Sequence[Item],
    indices: Iterable[int],
    workers: int,
    context: Any,
    failure: Callable[[Item, Exception, bool], Result],
    finish: Callable[[int, Result], None],
) -> dict[int, BrokenProcessPool]:
    """Run some items in a pool; those a broken pool left without a result, and its error.

    A worker that dies (out of memory, killed) breaks the whole pool: every
    item not yet finished fails with it, whichever of them killed the worker.
    """
    broken: dict[int, BrokenProcessPool] = {}
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures: dict[Future[Result], int] = {pool.submit(task, items[i]): i for i in indices}
        for future in as_completed(futures):
            index = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool as error:
                broken[index] = error
                continue
            except Exception as error:  # a result that could not be sent back, ...
                result = failure(items[index], error, True)
            finish(index, result)
    return broken
