"""How commands reach a container.

At start, one probe finds the image's environment: it runs the task's activation (official
SWE-bench images: their conda `testbed` environment) and records the variables it sets, and it
looks for a Python 3.6+ to run the executor on, wherever the image keeps one (`/opt/miniconda3`
need not be on PATH). Every command then runs with that environment, through the persistent
executor (sandbox/executor.py), or, in an image with no Python at all, through one `docker
exec` per command, which is slower and says so.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import docker.errors
from docker.utils.socket import STDOUT, frames_iter

from harness import InfrastructureError, first_line
from harness.sandbox import WORKDIR
from harness.sandbox.executor import Capture

EXECUTOR_SOURCE = (Path(__file__).parent / "executor.py").read_text(encoding="utf-8")
# Where images keep a Python, best first: conda's own interpreter is modern even when the test
# environment's is old.
PYTHONS = (
    "/opt/miniconda3/bin/python3",
    "/opt/conda/bin/python3",
    "$(command -v python3)",
    "$(command -v python)",
    "/usr/local/bin/python3",
    "/usr/bin/python3",
)
# Variables that belong to one shell or one container, not to the environment.
NOT_ENVIRONMENT = {"PWD", "OLDPWD", "SHLVL", "_", "HOSTNAME"}
ACTIVATION_FAILED = 97
NO_PYTHON_WARNING = (
    "the image has no Python 3.6 or newer: commands run through `docker exec`, one process "
    "each, which is slower than the executor"
)


def probe_script(activate: str) -> str:
    """Activation chatter goes to stderr; stdout carries the Python found, a NUL, then the
    environment, NUL-separated."""
    candidates = " ".join(f'"{c}"' if c.startswith("$") else shlex.quote(c) for c in PYTHONS)
    check = "import sys; sys.exit(sys.version_info < (3, 6))"
    return (
        f"{{ {activate or 'true'} ; }} 1>&2 || exit {ACTIVATION_FAILED}\n"
        f"for p in {candidates}; do\n"
        f'  if [ -n "$p" ] && [ -x "$p" ] && "$p" -c {shlex.quote(check)} 2>/dev/null; then\n'
        '    found="$p"; break\n'
        "  fi\n"
        "done\n"
        "printf '%s\\0' \"${found:-}\"\n"
        "env -0\n"
    )


@dataclass(frozen=True)
class Probe:
    """What a container's image offers: the activated environment and a Python, if any."""

    environment: dict[str, str] = field(default_factory=dict)
    python: str = ""


def probe(container: Any, activate: str) -> Probe:
    try:
        exit_code, (out, err) = container.exec_run(
            ["bash", "-c", probe_script(activate)], workdir=WORKDIR, demux=True
        )
    except docker.errors.DockerException as exc:
        raise InfrastructureError(f"cannot run bash in the container: {first_line(exc)}") from None
    if exit_code == ACTIVATION_FAILED:
        said = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise InfrastructureError(
            f"the test environment does not activate ({activate}): {said[0][:200]}"
        )
    if exit_code != 0:
        said = (out or b"") + (err or b"")
        raise InfrastructureError(
            f"cannot run bash in the container (exit {exit_code}): "
            f"{said.decode('utf-8', 'replace').strip()[:200]}"
        )
    python, *pairs = (out or b"").decode("utf-8", "replace").split("\0")
    environment = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if sep and name not in NOT_ENVIRONMENT:
            environment[name] = value
    return Probe(environment, python)


class Channel(Protocol):
    def request(
        self, command: str, timeout: float, limit: int, stdin: str | None
    ) -> dict[str, Any]: ...

    def close(self) -> None: ...


class Executor:
    """The persistent process in a container (sandbox/executor.py) that runs commands; one
    JSON line out, one back, over an attached exec socket."""

    def __init__(self, container: Any, found: Probe):
        api = container.client.api
        exec_id = api.exec_create(
            container.id,
            [found.python, "-u", "-c", EXECUTOR_SOURCE],
            stdin=True,
            workdir=WORKDIR,
            environment=found.environment,
        )["Id"]
        self._socket = api.exec_start(exec_id, socket=True)
        self._raw = getattr(self._socket, "_sock", self._socket)
        self._frames = frames_iter(self._socket, tty=False)  # type: ignore[no-untyped-call]
        self._buffer = b""

    def request(
        self, command: str, timeout: float, limit: int, stdin: str | None
    ) -> dict[str, Any]:
        line = json.dumps({"command": command, "timeout": timeout, "limit": limit, "stdin": stdin})
        self._raw.settimeout(timeout + 30)  # the executor enforces the timeout itself
        self._raw.sendall(line.encode() + b"\n")
        while b"\n" not in self._buffer:
            stream, data = next(self._frames)  # StopIteration: the executor died
            if stream == STDOUT:
                self._buffer += data
        reply, _, self._buffer = self._buffer.partition(b"\n")
        result: dict[str, Any] = json.loads(reply)
        return result

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._raw.close()


class ExecPerCommand:
    """One `docker exec` per command, for images without a Python: coreutils' `timeout` ends a
    command's process group when its time is up, and the output is capped here."""

    def __init__(self, container: Any, found: Probe):
        self.container = container
        self.environment = found.environment

    def request(
        self, command: str, timeout: float, limit: int, stdin: str | None
    ) -> dict[str, Any]:
        api = self.container.client.api
        wrapped = f"timeout -k 5 {timeout:g} bash -c {shlex.quote(command)}"
        started = time.monotonic()
        exec_id = api.exec_create(
            self.container.id,
            ["bash", "-c", wrapped],
            stdin=stdin is not None,
            workdir=WORKDIR,
            environment=self.environment,
        )["Id"]
        connection = api.exec_start(exec_id, socket=True)
        raw = getattr(connection, "_sock", connection)
        raw.settimeout(timeout + 30)
        capture = Capture(limit)
        try:
            if stdin is not None:
                raw.sendall(stdin.encode("utf-8"))
                raw.shutdown(socket.SHUT_WR)
            for stream, data in frames_iter(connection, tty=False):  # type: ignore[no-untyped-call]
                if stream == STDOUT or stream == 2:
                    capture.add(data)
        finally:
            with contextlib.suppress(OSError):
                raw.close()
        exit_code = api.exec_inspect(exec_id)["ExitCode"]
        elapsed = time.monotonic() - started
        reply = capture.reply()
        reply.update(
            {
                "exit_code": exit_code,
                "timed_out": exit_code in (124, 137) and elapsed >= timeout,
                "seconds": elapsed,
            }
        )
        return reply

    def close(self) -> None:
        pass


def open_channel(container: Any, found: Probe) -> Channel:
    if found.python:
        return Executor(container, found)
    return ExecPerCommand(container, found)
