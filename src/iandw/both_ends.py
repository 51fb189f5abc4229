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
case — without sending it; only its result is sent back, so it must be
plain data `marshal` writes: tuples, lists, dicts, strings, numbers, None.
`marshal` writes such data about twice as fast as `pickle` (0.6–0.9
against 1.4–1.8 µs per line of a large file's range), and a string
interned in the worker is interned here as it is read, so every range
shares one copy; it is safe here, as it reads only what a forked copy of
this same interpreter wrote.
A worker that fails for any reason (no fork on this platform, killed, out
of memory, an exception) costs nothing but time: its tasks are done here.
Each worker has its own pipe, of which it holds the only write end, so its
end, even in the middle of a result, is seen here as the pipe's end; and a
worker whose parent has ended stops at its next task or result.  A worker
killed while it holds the lock (a few bytecodes) would leave it held for
good: this process then stops every worker and does what is left.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")

LOCK_PATIENCE_S = 0.5  # the lock is held for microseconds: held this long, a worker may have died with it


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def process_count(workers: int | None) -> int:
    """The processes that share work, this one included: `workers`, or one per core by default."""
    return available_cores() if workers is None else workers


@dataclass
class _Worker:
    process: BaseProcess  # multiprocessing is imported only with work to share
    results: Connection  # the read end of its pipe


class BothEnds(Generic[T]):
    """Tasks 0..count-1 shared with `pool_size` forked workers; task 0 is always done here.

    Use as a context manager: leaving stops the workers.  multiprocessing
    and threading are imported only with work to share, so that a
    small case's start-up does not pay for them.
    """

    def __init__(self, task: Callable[[int], T], count: int, pool_size: int) -> None:
        self.count = count
        self.workers: list[_Worker] = []
        if count < 2 or pool_size < 1:
            return
        try:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self.lock = context.Lock()
            self.front = context.RawValue("q", 1)  # the first task no one has taken
            self.back = context.RawValue("q", count - 1)  # the last task no one has taken
            pipes = [context.Pipe(duplex=False) for _ in range(min(pool_size, count - 1))]
            for reader, writer in pipes:
                process = context.Process(target=self._work, args=(task, writer, pipes, os.getpid()))
                process.daemon = True
                process.start()
                writer.close()  # the worker's is then the only write end
                self.workers.append(_Worker(process, reader))
        except Exception:  # no fork here, no processes left, a daemonic process …: all done here
            self.close()
        except BaseException:  # interrupted while starting workers: stop those that started
            self.close()
            raise

    def _work(
        self,
        task: Callable[[int], T],
        writer: Connection,
        pipes: list[tuple[Connection, Connection]],
        parent: int,
    ) -> None:
        """In a worker: take tasks from the back until the two ends meet; send each result.

        A thread sends the results, so that working never waits for this
        process's parent to read them: they wait here, unbounded, until the
        parent comes to them.  Whatever goes wrong ends this worker at once,
        and with it its pipe, so that the parent does what is left.
        """
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops its workers
        import queue
        import threading

        for reader, other in pipes:  # so that each pipe ends with its worker, or with the parent
            reader.close()
            if other is not writer:
                other.close()
        outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        parent_gone = threading.Event()

        def send() -> None:
            while (data := outbox.get()) is not None:
                try:
                    writer.send_bytes(data)
                except BaseException:  # the parent has ended (OSError), or sending failed
                    parent_gone.set()
                    return

        sender = threading.Thread(target=send, daemon=True)  # never keeps a failed worker alive
        sender.start()
        try:
            while (
                not parent_gone.is_set()
                and os.getppid() == parent
                and (index := self._take_from_back()) is not None
            ):
                try:
                    result: Any = task(index)  # plain data, or marshal raises (see above)
                    data = marshal.dumps((index, result))
                except Exception:  # done here instead, where the same error tells the user
                    data = marshal.dumps((index, None))
                outbox.put(data)
        except BaseException:
            os._exit(1)  # no worker's traceback for the user; the parent does what is left
        outbox.put(None)
        sender.join()

    def _take_from_back(self) -> int | None:
        with self.lock:
            index = self.back.value
            if index < self.front.value:
                return None
            self.back.value = index - 1
            return index

    def _take_from_front(self, index: int) -> bool:
        """Whether this process does task `index`: no worker has taken it, or no worker is left."""
        if not self._acquire():
            return True
        try:
            if index <= self.back.value:
                self.front.value = index + 1
                return True
            return False
        finally:
            self.lock.release()

    def _acquire(self) -> bool:
        """Take the lock; False, with every worker stopped, when one has ended and may be holding it."""
        from multiprocessing.connection import wait

        while self.workers:
            if self.lock.acquire(timeout=LOCK_PATIENCE_S):
                return True
            # a process's sentinel is ready once it has ended, reaped or not
            if wait([worker.process.sentinel for worker in self.workers], timeout=0):
                self._stop_workers()
        return False

    def results(self) -> Iterator[T | None]:
        """Each task's result in order, or None where this process must do the task itself.

        None: no worker took it, or its worker failed (tasks never return None).
        """
        if not self.workers:
            yield from (None for _ in range(self.count))
            return
        yield None  # task 0
        received: dict[int, Any] = {}
        open_pipes = [worker.results for worker in self.workers]
        for index in range(1, self.count):
            if index not in received and self._take_from_front(index):
                yield None
                continue
            while index not in received and open_pipes:
                self._receive(open_pipes, received)
            yield received.pop(index, None)

    def _receive(self, open_pipes: list[Any], received: dict[int, Any]) -> None:
        """Wait for at least one result, or for a worker's end (its pipe is then dropped).

        Now and then while waiting, the lock is taken and given back: a
        worker may be waiting for it behind one that died holding it.
        """
        from multiprocessing.connection import wait

        ready = wait(open_pipes, timeout=LOCK_PATIENCE_S)
        if not ready:
            if self._acquire():
                self.lock.release()
            else:
                open_pipes.clear()  # every worker is stopped: what is left is done here
        for pipe in ready:
            try:
                index, result = marshal.loads(pipe.recv_bytes())  # type: ignore[union-attr]
            except (EOFError, OSError):  # the worker ended, perhaps in the middle of a result
                open_pipes.remove(pipe)
                continue
            received[index] = result

    def close(self) -> None:
        if self.workers and self.lock.acquire(timeout=LOCK_PATIENCE_S):
            self.back.value = -1  # take nothing more
            self.lock.release()
        self._stop_workers()  # whoever holds the lock: even this process, interrupted holding it

    def _stop_workers(self) -> None:
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.kill()  # no longer needed; SIGKILL, as a SIGTERM handler may ignore it
            worker.process.join()
            worker.results.close()
        self.workers = []

    def __enter__(self) -> BothEnds[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
