"""Sandboxes: where the agent's commands and the grading run.

`Sandbox` is what the agent and grading talk to; `SandboxProvider` prepares a task's
environment once and starts fresh sandboxes from it. The Docker implementation isolates and is
what runs use; the local one (a temporary git repository on the host, no isolation) exists so
that the agent loop can be tested in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from harness.tasks import Task

WORKDIR = "/testbed"
DEFAULT_OUTPUT_LIMIT = 20_000


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    output: str
    timed_out: bool = False
    cut_bytes: int = 0
    disk_full: bool = False

    @classmethod
    def from_reply(
        cls, reply: dict[str, Any], timeout: float, disk_full: str | None = None
    ) -> CommandResult:
        """A result from the executor's reply (sandbox/executor.py), the output's cut, a
        timeout and a full disk (`disk_full`: the limit that was reached) marked where the
        model will see them."""
        output = reply["head"]
        if reply["cut"]:
            output += f"\n[... {reply['cut']} bytes of output cut ...]\n"
        output += reply["tail"]
        if reply["timed_out"]:
            output += f"\n[command timed out after {timeout:g} s and was killed]"
        if disk_full:
            output += (
                f"\n[the sandbox's disk limit of {disk_full} was reached and what was writing "
                "was stopped (this command, or what an earlier one left running); delete files "
                "you do not need before going on]"
            )
        return cls(reply["exit_code"], output, reply["timed_out"], reply["cut"], bool(disk_full))


@dataclass(frozen=True)
class ImageUse:
    """What getting a task's image cost the task: the seconds it waited for the image before
    its sandbox could start (none when the image was here, or fetched ahead of it), the
    seconds the image's pull waited out a registry's rate limit, and the bytes it downloaded
    (charged to the first task that needed the image)."""

    wait_s: float = 0.0
    registry_wait_s: float = 0.0
    downloaded: int = 0


class Sandbox(Protocol):
    """A working copy of a task's repository at its base commit, and a shell in it."""

    # What a reader of the trajectory should know about this sandbox (e.g. a slower way of
    # running commands because the image has no Python).
    warnings: list[str]

    def run(self, command: str, timeout: float = 60, stdin: str | None = None) -> CommandResult:
        """Run a bash command in the repository; on timeout its whole process group is
        killed. `stdin`, when given, is the command's standard input."""
        ...

    def write_file(self, path: str, data: bytes | str) -> None: ...

    def read_file(self, path: str) -> bytes: ...

    def snapshot(self) -> str:
        """A name for the working tree's current state (ignored files aside)."""
        ...

    def restore(self, snapshot: str) -> None:
        """Put the working tree back exactly as it was at `snapshot()`."""
        ...

    def diff(self) -> str:
        """Everything changed against the base commit, new files included."""
        ...

    def close(self) -> None: ...


class SandboxProvider(Protocol):
    """Prepares task environments and starts sandboxes for one run."""

    run_id: str

    def prepare(self, task: Task) -> str:
        """Make the task's environment ready (e.g. build its image); returns its name."""
        ...

    def expect(self, tasks: list[Task]) -> None:
        """The tasks this run will prepare, in order: their environments may be made ahead."""
        ...

    def release(self, task: Task) -> ImageUse:
        """The task is done with its environment (which may now be removed to make room);
        what preparing it cost."""
        ...

    def start(
        self, task: Task, environment: str, output_limit: int = DEFAULT_OUTPUT_LIMIT
    ) -> Sandbox:
        """A fresh sandbox from a prepared environment."""
        ...

    def cleanup(self) -> int:
        """Remove every sandbox this run started; how many there were."""
        ...
