"""The disk limit of a sandbox (--disk): how much a container may write to its writable layer.

Where the storage driver can cap a container's disk (overlay2 on xfs mounted with pquota,
btrfs, zfs, devicemapper), `--storage-opt size=` does it, and a write past it fails with "No
space left on device". Elsewhere, as with overlay2 on ext4, the limit is held from outside, in
two ways: a file-size limit (RLIMIT_FSIZE, set on the container) stops any one file at the
limit at once, and a watchdog polls the container's writable-layer size (the engine's SizeRw)
while a command runs and stops the command once the total passes the limit. The watchdog can
overshoot by what a command writes between two polls (about a second).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

XFSZ_EXIT = 128 + 25  # a command killed by SIGXFSZ: a file hit the file-size limit
NO_SPACE = "No space left on device"
FIRST_POLL_S = 0.5  # most commands end sooner and are never measured


@dataclass(frozen=True)
class DiskLimit:
    text: str  # as the user gave it, e.g. "4g"
    size: int  # in bytes
    watchdog: bool  # held by the watchdog and a file-size limit, not by the storage driver

    def hit(self, exit_code: int, output: str, stopped: bool) -> bool:
        """Whether a command ended because the limit was reached."""
        return stopped or exit_code == XFSZ_EXIT or NO_SPACE in output


def storage_opt_unsupported(exc: Any) -> bool:
    """An engine's refusal of --storage-opt size (e.g. "--storage-opt is supported only for
    overlay over xfs with 'pquota' mount option")."""
    text = str(getattr(exc, "explanation", "") or exc).lower()
    return "storage-opt" in text or "storage opt" in text or "quota" in text


def writable_size(container: Any) -> int:
    """Bytes in the container's writable layer, as the engine counts them."""
    listed = container.client.api.containers(all=True, size=True, filters={"id": container.id})
    return int(listed[0].get("SizeRw") or 0) if listed else 0


class Watchdog:
    """Watches one container: while a command runs (inside `watching()`), polls its writable
    layer, and once that is past the limit calls `stop` (which kills the command) and marks
    the command as stopped. One thread per container, started at the first command: a thread
    per command would cost each command a scheduling round trip. Polls are spaced so that
    measuring takes at most about 5% of the time."""

    def __init__(self, container: Any, limit: int, stop: Callable[[], None]):
        self.container, self.limit, self.stop = container, limit, stop
        self._lock = threading.Condition()
        self._command: object | None = None  # a token per command being watched
        self._stopped: object | None = None  # the token of the command that was stopped
        self._closed = False
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def watching(self) -> Iterator[Callable[[], bool]]:
        """Watch while the body runs; yields a function that says whether the watchdog
        stopped this command."""
        token = object()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="disk", daemon=True)
                self._thread.start()
            self._command = token
            self._lock.notify()
        try:
            yield lambda: self._stopped is token
        finally:
            with self._lock:
                self._command = None
                self._lock.notify()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify()

    def _watch(self) -> None:
        interval = FIRST_POLL_S
        while True:
            with self._lock:
                while self._command is None and not self._closed:
                    interval = FIRST_POLL_S
                    self._lock.wait()
                token = self._command
                self._lock.wait(interval)  # woken early when the command ends
                if self._closed:
                    return
                if self._command is not token:
                    continue
            started = time.monotonic()
            try:
                size = writable_size(self.container)
            except Exception:  # the container went away: the command fails on its own
                continue
            interval = max(FIRST_POLL_S, 20 * (time.monotonic() - started))
            with self._lock:
                if size <= self.limit or self._command is not token:
                    continue
                self._stopped = token
            self.stop()
