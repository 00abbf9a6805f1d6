"""Test statuses at the base commit, per test file: what the edit check compares an edit against.

They depend only on the task's environment and the test command, so they are kept on disk and
shared by every run, policy and worker that checks the same task image: the untouched
repository's tests run once. With them is kept whether the file gives any result at all in this
environment (a runner that refuses a label, a module that cannot load there): such a file is
left out of later checks, since running it tells nothing and can stop the others from running.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.tasks.repos import cache_dir
from harness.testsuite.suite import Statuses

WHOLE_SUITE = "*"  # the key of a run of the default selection
# 1: statuses alone; 2: statuses and whether the file gives results (in the key, so that an
# entry of another format is measured again rather than misread)
CACHE_FORMAT = 2


@dataclass(frozen=True)
class BaseRun:
    """One test file (or the whole suite) at the base commit."""

    statuses: Statuses
    runnable: bool = True  # False: it gave no result, even run alone


class BaselineCache:
    def __init__(self, environment: str, folder: Path | None = None):
        """`environment` names what the statuses depend on besides the command: the task
        image, or the repository and base commit. Without a folder they live in memory."""
        self.environment = environment
        self.folder = folder
        self._memory: dict[tuple[str, str], BaseRun] = {}

    @classmethod
    def on_disk(cls, environment: str) -> BaselineCache:
        return cls(environment, cache_dir() / "baselines")

    @classmethod
    def for_environment(cls, environment: str, base_commit: str) -> BaselineCache:
        """The cache that every run, policy and worker on a task image shares."""
        return cls.on_disk(f"{environment}@{base_commit}")

    def _path(self, command: str, file: str) -> Path | None:
        if self.folder is None:
            return None
        key = "\0".join((f"v{CACHE_FORMAT}", self.environment, command, file)).encode()
        return self.folder / f"{hashlib.sha256(key).hexdigest()[:32]}.json"

    def get(self, command: str, file: str) -> BaseRun | None:
        if (command, file) in self._memory:
            return self._memory[(command, file)]
        path = self._path(command, file)
        if path is None or not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # a damaged entry is run again, never trusted
        statuses = entry.get("statuses") if isinstance(entry, dict) else None
        runnable = entry.get("runnable") if isinstance(entry, dict) else None
        if not isinstance(statuses, dict) or not isinstance(runnable, bool):
            return None
        found = self._memory[(command, file)] = BaseRun(statuses, runnable)
        return found

    def put(self, command: str, file: str, base: BaseRun) -> None:
        self._memory[(command, file)] = base
        path = self._path(command, file)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # written whole or not at all: workers of other runs read the same folder
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
            ) as out:
                json.dump({"statuses": base.statuses, "runnable": base.runnable}, out)
            os.replace(out.name, path)
        except OSError:
            pass  # a cache that cannot be written costs time, never correctness
