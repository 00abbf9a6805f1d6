"""Items of work on threads of this process, as many at a time as asked.

The threads never hold the process up: an interrupted run (Ctrl-C, SIGTERM) writes nothing
more, removes its containers and exits at once, rather than wait for the tasks still running
(a model call, a test run, an image build) to finish unwritten.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ThreadPool:
    """`workers` items at a time in this process; one at a time runs in the caller's thread."""

    workers: int = 1

    def attempts(self, items: list[T], work: Callable[[T], R]) -> Generator[R, None, None]:
        """Each item's result, in the order they finish; an item's exception is raised here.
        Closing the iterator before the end starts no other item."""
        if self.workers <= 1:
            for item in items:
                yield work(item)
            return
        todo: queue.SimpleQueue[T] = queue.SimpleQueue()
        for item in items:
            todo.put(item)
        done: queue.SimpleQueue[tuple[R] | BaseException] = queue.SimpleQueue()
        stopped = threading.Event()

        def worker() -> None:
            while not stopped.is_set():
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    done.put((work(item),))
                except BaseException as exc:  # handed to the caller, whatever it is
                    done.put(exc)

        # daemon threads: the process may end while one still works on an item
        for number in range(min(self.workers, len(items))):
            threading.Thread(target=worker, name=f"task-{number}", daemon=True).start()
        try:
            for _ in items:
                finished = done.get()
                if isinstance(finished, BaseException):
                    raise finished
                yield finished[0]
        finally:
            stopped.set()  # after an interrupt, no item starts; running ones end unwritten
