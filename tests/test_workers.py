"""The batch runner: every item gets a result, whatever its task or its worker does."""

from __future__ import annotations

import os

import pytest

from seqsleepnet.workers import run_tasks


def _task(item: str) -> str:
    if item == "raises":
        raise ValueError("bad item")
    if item == "dies":
        os._exit(3)  # the worker process dies, as when it runs out of memory
    return item.upper()


def _failure(item: str, error: Exception, in_worker: bool) -> str:
    return f"{item}: {'worker' if in_worker else 'task'} {type(error).__name__}"


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_item_whose_task_raises_fails_alone(jobs: int) -> None:
    done: list[str] = []
    results = run_tasks(
        _task,
        ["a", "raises", "b", "c"],
        jobs=jobs,
        failure=_failure,
        on_done=lambda item, result: done.append(item),
    )
    assert results[0] == "A" and results[2:] == ["B", "C"]
    assert results[1].startswith("raises:") and "ValueError" in results[1]
    assert sorted(done) == ["a", "b", "c", "raises"]


def test_a_worker_that_dies_fails_its_own_item_only() -> None:
    items = ["a", "b", "dies", "c", "d", "e"]
    results = run_tasks(_task, items, jobs=2, failure=_failure)
    assert results == ["A", "B", "dies: worker BrokenProcessPool", "C", "D", "E"]


def test_more_jobs_than_items_and_no_items() -> None:
    assert run_tasks(_task, ["a"], jobs=8, failure=_failure) == ["A"]
    assert run_tasks(_task, [], jobs=2, failure=_failure) == []
