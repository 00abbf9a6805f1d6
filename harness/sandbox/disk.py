"""The disk limit of a sandbox (--disk): how much a container may write to its writable layer.

Where the storage driver can cap a container's disk (overlay2 on xfs mounted with pquota,
btrfs, zfs, devicemapper), `--storage-opt size=` does it, and a write past it fails with "No
space left on device". Elsewhere, as with overlay2 on ext4, the limit is held from outside, in
two ways: a file-size limit (RLIMIT_FSIZE, set on the container) stops any one file at the
limit at once, and a watchdog measures what the container holds, its writable layer (the
engine's SizeRw), from its first command until it is removed. It follows no process: whatever
writes, a command or a process one left running in the background (in a new session, without
the executor's mark), the layer grows. Once the layer is past the limit and still growing, the
watchdog stops every process commands started, and the limit counts as reached for the
command running then, or else the next one. It can overshoot by what is written between two
measurements, which come sooner while the layer grows toward the limit.
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
POLL_S = 0.5  # between measurements while they are cheap and the layer does not grow


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


MIN_POLL_S = 0.05  # the soonest the next measurement comes while the layer grows fast
# What a writer killed mid-write may still add after the stop is measured: growth past the
# limit by less is not taken for a new writer.
STOP_SLACK = 4 * 2**20


def next_poll(size: int, growth: float, limit: int, measured_s: float) -> float:
    """Seconds until the next measurement: spaced so that measuring takes at most about 5% of
    the time, but sooner while the layer grows toward the limit (at half the time it would
    take to reach it at the current rate of `growth` bytes a second)."""
    relaxed = max(POLL_S, 20 * measured_s)
    if growth <= 0 or size >= limit:
        return relaxed
    return max(MIN_POLL_S, min(relaxed, (limit - size) / growth / 2))


class Watchdog:
    """Watches one container's writable layer from the first command until `close()`, and
    calls `stop` (which kills every process commands started) whenever the layer is past the
    limit and has grown since the last stop (or since files were deleted after it):
    something is writing. A layer past the limit that does not grow is left alone, so that
    the model can delete files. One thread per container."""

    def __init__(self, container: Any, limit: int, stop: Callable[[], None]):
        self.container, self.limit, self.stop = container, limit, stop
        self._closed = threading.Event()
        self._reached = threading.Event()  # the limit was enforced since the last command ended
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    @contextlib.contextmanager
    def watching(self) -> Iterator[Callable[[], bool]]:
        """Around a command: yields a function that says whether the limit was enforced since
        the previous command ended (during this command, or while the sandbox was idle)."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="disk", daemon=True)
                self._thread.start()

        def reached() -> bool:
            enforced = self._reached.is_set()
            self._reached.clear()
            return enforced

        yield reached

    def close(self) -> None:
        self._closed.set()

    def _watch(self) -> None:
        last_size, last_time, interval = 0, time.monotonic(), POLL_S
        held = 0  # the least the layer held since the last stop
        while not self._closed.wait(interval):
            started = time.monotonic()
            try:
                size = writable_size(self.container)
                now = time.monotonic()
                growth = (size - last_size) / max(now - last_time, 1e-3)
                interval = next_poll(size, growth, self.limit, now - started)
                held = min(held, size)
                if size > max(self.limit, held + STOP_SLACK):
                    self._reached.set()
                    self.stop()
                    # what the layer holds now is the stopped processes' doing; only what is
                    # written after it counts, so that a command that follows is not blamed
                    held = size = writable_size(self.container)
                    now = time.monotonic()
            except Exception:  # the container went away: it is being closed
                continue
            last_size, last_time = size, now
