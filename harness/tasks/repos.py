"""Where task repositories live: the bundled suite's folders, a local mirror, or GitHub."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from harness import HarnessError
from harness.tasks.task import Task


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cascade-harness"


def git(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise HarnessError(f"git {args[0]} failed in {cwd}: {result.stderr.strip()}")
    return result.stdout.strip()


def check_mirror(mirror: Path | None) -> None:
    """A mirror folder that does not exist is a typo, found before any task runs."""
    if mirror is not None and not mirror.is_dir():
        raise HarnessError(f"--repo-mirror {mirror}: no such folder")


def resolve_repo(task: Task, mirror: Path | None = None) -> Path:
    """Find a local git repository that holds the task's base_commit."""
    if task.repo_path is not None:
        return task.repo_path
    owner_name = task.repo.replace("/", "__")
    if mirror is not None:
        for candidate in (mirror / owner_name, mirror / f"{owner_name}.git"):
            if candidate.is_dir():
                return candidate
        raise HarnessError(f"{task.instance_id}: repo {task.repo} not found in mirror {mirror}")
    clone = cache_dir() / "clones" / f"{owner_name}.git"
    if not clone.is_dir():
        clone.parent.mkdir(parents=True, exist_ok=True)
        url = f"https://github.com/{task.repo}"
        result = subprocess.run(
            ["git", "clone", "-q", "--bare", url, str(clone)], capture_output=True, text=True
        )
        if result.returncode != 0:
            last = result.stderr.strip().splitlines()[-1:] or ["git clone failed"]
            raise HarnessError(f"{task.instance_id}: cannot clone {url}: {last[0]}")
    return clone
