"""The task list shared with forked workers, when a worker dies holding the lock that shares it."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from multiprocessing.connection import wait
from typing import Any

import pytest

from iandw.both_ends import BothEnds

HANG_S = 60  # far beyond any wait of the mechanism: a test still running then has hung


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Fail a test that hangs, rather than hang the suite: a blocked lock wakes on the alarm.

    The alarm rings again every second, as leaving the `with` blocks once more.
    """

    def hung(*_: Any) -> None:
        signal.alarm(1)
        raise TimeoutError(f"still waiting after {HANG_S} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class DiesHoldingTheLock(BothEnds[int]):
    """A worker killed (say, out of memory) as it holds the lock that shares the tasks.

    Each worker dies so as it takes its `dies_at`-th task; or the one doing
    task `dies_in` dies at its end, with the lock it took meanwhile. Task i
    takes `task_s` × i in a worker, `here_s` in this process.
    """

    def __init__(
        self,
        count: int,
        pool_size: int,
        dies_at: int = -1,
        dies_in: int = -1,
        task_s: float = 0.0,
        here_s: float = 0.0,
    ) -> None:
        self.dies_at, self.dies_in, self.taken = dies_at, dies_in, 0
        self.task_s, self.here_s, self.here = task_s, here_s, os.getpid()
        super().__init__(self.tenfold, count, pool_size)

    def tenfold(self, index: int) -> int:
        if os.getpid() == self.here:
            time.sleep(self.here_s)
            return index * 10
        time.sleep(self.task_s * index)
        if index == self.dies_in:
            self.lock.acquire()
            os._exit(1)
        return index * 10

    def _take_from_back(self) -> int | None:
        self.taken += 1  # in the worker's own copy
        if self.taken == self.dies_at:
            self.lock.acquire()
            os._exit(1)
        return super()._take_from_back()


def run(shared: DiesHoldingTheLock) -> tuple[list[int], list[int]]:
    """Every result, as a caller gets them (doing here what it is told to), and the tasks done here."""
    results, here = [], []
    for index, result in enumerate(shared.results()):
        if result is None:
            result = shared.tenfold(index)
            here.append(index)
        results.append(result)
    return results, here


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + HANG_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


@pytest.mark.parametrize("pool_size", [1, 2])
def test_a_worker_dead_with_the_lock_before_any_task(pool_size: int) -> None:
    """This process finds the lock held for good as it takes its next task, and does them all."""
    with DiesHoldingTheLock(count=8, pool_size=pool_size, dies_at=1) as shared:
        wait_until(lambda: not all(w.process.is_alive() for w in shared.workers), "no worker died")
        results, here = run(shared)
        assert not shared.workers, "the workers were not stopped"
    assert results == [index * 10 for index in range(8)]
    assert here == list(range(8))


def test_a_worker_dead_with_the_lock_while_this_process_waits_for_results() -> None:
    """The other worker waits behind the lock for good: this process stops it and does its task.

    Three tasks: 0 here, 2 and 1 taken by the two workers at once (this
    process waits until they are, then waits for task 1's result). After
    0.3 s the worker doing task 1 dies with the lock, its result unsent; at
    0.6 s the other sends task 2's and waits for the lock to look for
    another.
    """
    with DiesHoldingTheLock(count=3, pool_size=2, dies_in=1, task_s=0.3) as shared:
        wait_until(lambda: shared.back.value < 1, "the workers did not take tasks 2 and 1")
        results, here = run(shared)
        assert not shared.workers, "the workers were not stopped"
    assert results == [0, 10, 20]
    assert here[:2] == [0, 1]  # and task 2 too, if this process came to it after the death


def test_workers_that_live_share_the_tasks() -> None:
    """The same mechanism with no death: the workers do some of the tasks, and they are not done here."""
    with DiesHoldingTheLock(count=12, pool_size=2, task_s=0.01, here_s=0.05) as shared:
        # the last task no one has taken starts at 11: below it, a worker has taken one
        wait_until(lambda: shared.back.value < 11, "no worker took a task")
        results, here = run(shared)
    assert results == [index * 10 for index in range(12)]
    assert len(here) < 12, "no worker did a task"


def test_closing_while_this_process_holds_the_lock() -> None:
    """Interrupted (Ctrl-C) between taking the lock and giving it back, this process still stops workers."""
    shared = DiesHoldingTheLock(count=8, pool_size=1, task_s=0.01)
    shared.lock.acquire()
    shared.close()
    assert not shared.workers


def test_a_worker_dead_with_the_lock_is_seen_when_children_are_not_waited_for() -> None:
    """With SIGCHLD ignored (an embedding program may), a dead worker is reaped at once: still seen ended."""
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        with DiesHoldingTheLock(count=8, pool_size=1, dies_at=1) as shared:
            assert wait([shared.workers[0].process.sentinel], timeout=HANG_S), "the worker did not die"
            results, here = run(shared)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert results == [index * 10 for index in range(8)]
    assert here == list(range(8))


class Opaque:
    """A result `marshal` cannot write."""

    def __init__(self, index: int) -> None:
        self.index = index


def test_a_result_marshal_cannot_write_is_done_here() -> None:
    """A worker's result travels as plain data; any other is done again here, where it stays in memory."""
    here = os.getpid()

    def task(index: int) -> Opaque | int:
        return index * 10 if os.getpid() == here else Opaque(index)

    with BothEnds(task, 6, 1) as shared:
        wait_until(lambda: shared.back.value < 5, "no worker took a task")
        results = [task(index) if result is None else result for index, result in enumerate(shared.results())]
    assert results == [index * 10 for index in range(6)]
