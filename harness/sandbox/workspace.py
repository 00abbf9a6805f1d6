"""Snapshots, restores and diffs of a sandbox's working tree, through git commands alone, so
that every sandbox kind does them the same way."""

from __future__ import annotations

import shlex
from typing import Protocol

from harness import InfrastructureError
from harness.sandbox import CommandResult

# A private index, so that snapshots never touch the agent's own index or history.
SNAPSHOT_INDEX = ".git/harness-snapshot-index"


class Shell(Protocol):
    def run(self, command: str, timeout: float = 60, stdin: str | None = None) -> CommandResult: ...


class GitWorkspace:
    """Mixin for a sandbox whose `run` executes in a git repository at the base commit."""

    def snapshot(self: Shell) -> str:
        result = self.run(
            f"export GIT_INDEX_FILE={SNAPSHOT_INDEX}; cp .git/index $GIT_INDEX_FILE 2>/dev/null;"
            " git add -A . >/dev/null && git write-tree",
            timeout=120,
        )
        if result.exit_code != 0:
            raise InfrastructureError(f"snapshot failed: {result.output.strip()[-200:]}")
        return result.output.strip()

    def restore(self: Shell, snapshot: str) -> None:
        result = self.run(
            f"export GIT_INDEX_FILE={SNAPSHOT_INDEX}; git read-tree {shlex.quote(snapshot)}"
            " && git checkout-index -a -f"
            " && git ls-files -z --others --exclude-standard | xargs -0 -r rm -f --",
            timeout=120,
        )
        if result.exit_code != 0:
            raise InfrastructureError(f"restore failed: {result.output.strip()[-200:]}")

    def diff(self: Shell) -> str:
        tree = GitWorkspace.snapshot(self)
        result = self.run(f"git diff --no-color --no-ext-diff HEAD {tree}", timeout=120)
        if result.exit_code != 0 or result.cut_bytes:
            raise InfrastructureError(f"git diff failed: {result.output.strip()[-200:]}")
        return result.output
