"""The command executor that runs inside each sandbox container.

The host starts this file once per container with `python3 -c` over an attached exec, then
sends one JSON request per line on stdin and reads one JSON reply per line on stdout. One
persistent process saves the cost of a `docker exec` per command. Each command runs in its own
session, so on timeout its whole process group is killed and the executor lives on.

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


def feed(pipe, data):
    """Write a command's standard input from a thread, so that a command that prints before it
    reads cannot deadlock against us."""
    try:
        pipe.write(data)
    except OSError:  # the command exited without reading it all
        pass
    finally:
        with contextlib.suppress(OSError):
            pipe.close()


def run(command, timeout, limit, cwd, stdin=None):
    started = time.monotonic()
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    if stdin is not None:
        threading.Thread(
            target=feed, args=(process.stdin, stdin.encode("utf-8")), daemon=True
        ).start()
    half = limit // 2
    head, tail, total, timed_out = bytearray(), bytearray(), 0, False
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = started + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        if not selector.select(min(remaining, 1.0)):
            continue
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            break
        total += len(chunk)
        if len(head) < half:
            take = half - len(head)
            head += chunk[:take]
            chunk = chunk[take:]
        tail += chunk
        if len(tail) > 2 * half:
            del tail[: len(tail) - half]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # also ends background children
    exit_code = process.wait()
    selector.close()
    process.stdout.close()
    if exit_code < 0:
        exit_code = 128 - exit_code
    cut = max(0, total - len(head) - min(len(tail), half)) if total > limit else 0
    kept_tail = bytes(tail[-half:]) if cut else bytes(tail)
    return {
        "exit_code": exit_code,
        "timed_out": timed_out,
        "total": total,
        "cut": cut,
        "head": bytes(head).decode("utf-8", "replace"),
        "tail": kept_tail.decode("utf-8", "replace"),
        "seconds": time.monotonic() - started,
    }


def main():
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


if __name__ == "__main__":
    main()
