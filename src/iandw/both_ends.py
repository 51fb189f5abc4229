"""A list of tasks shared with forked workers: this process from the front, the workers from the back.

Large inputs have two kinds of long, independent work: the ranges of a
large JSONL file (iandw.loader.parallel) and the indicators of a large case
(iandw.api).  Either is a list of tasks this process takes in order while
forked workers take them from the end.  Each task is claimed under a shared
lock just before it is started, never earlier; so when this process comes
to a task no worker has started, it does that task itself, all end together
however fast each is, and this process never waits for more than the tasks
the workers are doing at that moment.

A task is a function of its position in the list.  It runs in a forked
copy of this process, so it may use anything this process holds — a whole
case — without sending it; only its result is sent back, and must pickle.
A worker that fails for any reason (no fork on this platform, killed, out
of memory, an exception) costs nothing but time: its tasks are done here.
"""

from __future__ import annotations

import os
import pickle
import queue
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.5  # how often a wait for a worker's result checks that the worker still lives


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class BothEnds(Generic[T]):
    """Tasks 0..count-1 shared with `pool_size` forked workers; task 0 is always done here.

    `results()` gives, in order, each task's result, or None where this
    process must do the task itself (no worker took it, or its worker
    failed).  Use as a context manager: leaving stops the workers.
    """

    def __init__(self, task: Callable[[int], T], count: int, pool_size: int) -> None:
        self.count = count
        self.workers: list[Any] = []
        if count < 2 or pool_size < 1:
            return
        try:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self.lock = context.Lock()
            self.front = context.RawValue("q", 1)  # the first task no one has taken
            self.back = context.RawValue("q", count - 1)  # the last task no one has taken
            self.sent: Any = context.Queue()
            for _ in range(min(pool_size, count - 1)):
                worker = context.Process(target=self._work, args=(task,), daemon=True)
                worker.start()
                self.workers.append(worker)
        except Exception:  # no fork here, no processes left, a daemonic process …: all done here
            self.close()

    def _work(self, task: Callable[[int], T]) -> None:
        """In a worker: take tasks from the back until the two ends meet; send each result."""
        while (index := self._take_from_back()) is not None:
            sent: tuple[int, bytes | None]
            try:
                sent = (index, pickle.dumps(task(index), pickle.HIGHEST_PROTOCOL))
            except Exception:
                sent = (index, None)  # done here instead, where the same exception tells the user
            self.sent.put(sent)
        self.sent.close()
        self.sent.join_thread()  # everything is in the pipe before this worker ends

    def _take_from_back(self) -> int | None:
        with self.lock:
            index = self.back.value
            if index < self.front.value:
                return None
            self.back.value = index - 1
            return index

    def _take_from_front(self, index: int) -> bool:
        with self.lock:
            if index <= self.back.value:
                self.front.value = index + 1
                return True
            return False

    def results(self) -> Iterator[T | None]:
        if not self.workers:
            yield from (None for _ in range(self.count))
            return
        yield None  # task 0
        received: dict[int, bytes | None] = {}
        for index in range(1, self.count):
            if self._take_from_front(index):
                yield None
                continue
            while index not in received and self._receive(received):
                pass
            data = received.pop(index, None)
            yield None if data is None else pickle.loads(data)

    def _receive(self, received: dict[int, bytes | None]) -> bool:
        """Wait for one result; False once every worker has ended and nothing more will come."""
        try:
            index, data = self.sent.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if any(worker.is_alive() for worker in self.workers):
                return True
            try:  # all ended: what they sent is in the pipe already
                index, data = self.sent.get_nowait()
            except queue.Empty:
                return False
        received[index] = data
        return True

    def close(self) -> None:
        if not self.workers:
            return
        with self.lock:
            self.back.value = -1  # take nothing more
        for worker in self.workers:
            if worker.is_alive():
                worker.terminate()  # this process no longer needs what it is doing
            worker.join()
        self.workers = []

    def __enter__(self) -> BothEnds[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
