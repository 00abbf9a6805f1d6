"""The command executor that runs inside each sandbox container.

The host starts this file once per container with `python3 -c` over an attached exec, then
sends one JSON request per line on stdin and reads one JSON reply per line on stdout. One
persistent process saves the cost of a `docker exec` per command. Each command runs in its own
session, so on timeout its whole process group is killed and the executor lives on.

A command ends when its own process exits: output still arriving from processes it left in the
background is read for a moment, then those processes are killed, found by a mark in their
environment that a new session or process group does not shed.

Standard library only, and Python 3.6 syntax: it runs on whatever python3 a task image has.
"""

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
import uuid
from typing import IO, Any

MARK = "HARNESS_COMMAND"
DRAIN_SECONDS = 0.2  # how long output of what a command left behind is still read


def feed(pipe: "IO[bytes]", data: bytes) -> None:
    """Write a command's standard input from a thread, so that a command that prints before it
    reads cannot deadlock against us."""
    try:
        pipe.write(data)
    except OSError:  # the command exited without reading it all
        pass
    finally:
        with contextlib.suppress(OSError):
            pipe.close()


def marked(mark: bytes) -> "list[int]":
    """Processes whose environment carries `mark`: everything a command started. A mark that
    ends in "=" finds what every command started."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as environ:
                entries = environ.read().split(b"\0")
            if any(e == mark or (mark.endswith(b"=") and e.startswith(mark)) for e in entries):
                found.append(int(name))
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


def kill_all(process: "subprocess.Popen[bytes]", mark: bytes) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    for pid in marked(mark):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


class Capture:
    """The head and the tail of a stream, `limit` bytes in all, and how much went by."""

    def __init__(self, limit: int) -> None:
        self.half = limit // 2
        self.limit = limit
        self.head, self.tail, self.total = bytearray(), bytearray(), 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if len(self.head) < self.half:
            take = self.half - len(self.head)
            self.head += chunk[:take]
            chunk = chunk[take:]
        self.tail += chunk
        if len(self.tail) > 2 * self.half:
            del self.tail[: len(self.tail) - self.half]

    def reply(self) -> "dict[str, Any]":
        cut = 0
        if self.total > self.limit:
            cut = max(0, self.total - len(self.head) - min(len(self.tail), self.half))
        tail = bytes(self.tail[-self.half :]) if cut else bytes(self.tail)
        return {
            "total": self.total,
            "cut": cut,
            "head": bytes(self.head).decode("utf-8", "replace"),
            "tail": tail.decode("utf-8", "replace"),
        }


def run(
    command: str, timeout: float, limit: int, cwd: str, stdin: "str | None" = None
) -> "dict[str, Any]":
    started = time.monotonic()
    mark = f"{MARK}={uuid.uuid4().hex}"
    env = dict(os.environ)
    env[MARK] = mark.split("=", 1)[1]
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    if stdin is not None and process.stdin is not None:
        threading.Thread(
            target=feed, args=(process.stdin, stdin.encode("utf-8")), daemon=True
        ).start()
    assert process.stdout is not None
    output = process.stdout.fileno()
    capture = Capture(limit)
    selector = selectors.DefaultSelector()
    selector.register(output, selectors.EVENT_READ)
    deadline = started + timeout
    exited_at = None  # when the command's own process was seen to have exited
    timed_out = False
    while True:
        now = time.monotonic()
        if exited_at is None and process.poll() is not None:
            exited_at = now
        if exited_at is not None and now - exited_at > DRAIN_SECONDS:
            break  # what it left behind still holds the pipe open
        if now >= deadline:
            timed_out = exited_at is None
            break
        wait = min(deadline - now, 0.05)
        if not selector.select(wait):
            continue
        chunk = os.read(output, 65536)
        if not chunk:  # every writer has closed the pipe
            break
        capture.add(chunk)
    if not timed_out:
        try:  # output ended; the process itself may still run (it closed its stdout)
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
    kill_all(process, mark.encode())
    exit_code = process.wait()
    selector.close()
    process.stdout.close()
    if exit_code < 0:
        exit_code = 128 - exit_code
    reply = capture.reply()
    reply.update(
        {"exit_code": exit_code, "timed_out": timed_out, "seconds": time.monotonic() - started}
    )
    return reply


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = run(
                request["command"],
                request["timeout"],
                request["limit"],
                request.get("cwd", "/testbed"),
                request.get("stdin"),
            )
        except Exception as exc:  # report, never die: the host is waiting for a line
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


STOP_ROUNDS = 50  # a process that forks as it is killed is found again in the next round


def started_in_container() -> "list[int]":
    """Every process that commands started, whether or not it kept their mark or session: all
    but the container's init (pid 1; sandboxes run with one), its main process (init's first
    child) and what `docker exec` started (the executor, this process), whose parent is
    outside the container (0)."""
    found = []  # (start time, pid, parent)
    for name in os.listdir("/proc"):
        if not name.isdigit() or name == "1":
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                text = stat.read()
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rindex(b")") + 2 :].split()  # the name may hold spaces
        state, parent, start = fields[0], int(fields[1]), int(fields[19])
        if parent != 0 and state != b"Z":  # a zombie is dead already: init reaps it
            found.append((start, int(name), parent))
    first = min((start, pid) for start, pid, parent in found if parent == 1) if found else None
    return [pid for start, pid, _ in found if (start, pid) != first]


def stop_everything() -> None:
    """Kill every process that commands started (run as `python3 -c SOURCE stop` from another
    exec, by the host's disk watchdog): the command running now, and whatever earlier ones left
    running in the background, in a new session and without the mark. The executor lives on."""
    for _ in range(STOP_ROUNDS):
        found = started_in_container()
        if not found:
            return
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop_everything()
    else:
        main()
