"""The bundled suite: tasks authored as folders (tasks/README.md), turned into SWE-bench rows.

Each repo folder becomes a git repository with one commit whose author, committer and dates
are fixed, so its hash, the tasks' base_commit, is the same on every machine.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tomllib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from harness import HarnessError
from harness.tasks.repos import cache_dir, git
from harness.tasks.task import EnvironmentSpecs, load_environments

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
BUNDLED_DIR = PROJECT_ROOT / "tasks"

_FIXED_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "harness",
    "GIT_AUTHOR_EMAIL": "harness@localhost",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+0000",
    "GIT_COMMITTER_NAME": "harness",
    "GIT_COMMITTER_EMAIL": "harness@localhost",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+0000",
}

# A candidate row: where it comes from, how to read it, and the environments of its suite.
Candidate = tuple[str, Callable[[], Any], EnvironmentSpecs | None]


def is_suite_folder(path: Path) -> bool:
    return path.is_dir() and (path / "instances").is_dir()


def suite_rows(root: Path) -> list[Candidate]:
    """One candidate per instance folder; each is read only when asked for."""
    env_file = root / "environments.toml"
    environments = load_environments(env_file) if env_file.is_file() else {}
    return [
        (str(folder / "task.toml"), partial(_row, root, folder), environments)
        for folder in sorted((root / "instances").iterdir())
        if folder.is_dir()
    ]


def _row(root: Path, folder: Path) -> dict[str, Any]:
    meta_file = folder / "task.toml"
    try:
        meta = tomllib.loads(meta_file.read_text(encoding="utf-8"))
        patches = {
            name: (folder / file).read_text(encoding="utf-8")
            for name, file in (("patch", "gold.patch"), ("test_patch", "test.patch"))
        }
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HarnessError(f"{meta_file}: {exc}") from None
    repo_dir = root / "repos" / str(meta.get("repo", "")).replace("/", "__")
    if not meta.get("repo") or not repo_dir.is_dir():
        raise HarnessError(f"{meta_file}: repo folder {repo_dir} not found")
    repo_path, commit = materialize_repo(repo_dir)
    return {
        **meta,
        **patches,
        "instance_id": folder.name,
        "base_commit": commit,
        "repo_path": repo_path,
    }


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    files = (p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in sorted(files):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(b"x" if os.access(path, os.X_OK) else b"-")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def materialize_repo(folder: Path) -> tuple[Path, str]:
    """Turn a bundled repo folder into a git repository with one deterministic commit."""
    target = cache_dir() / "repos" / f"{folder.name}-{_tree_digest(folder)}"
    if (target / ".git").is_dir():
        return target, git("rev-parse", "HEAD", cwd=target)
    staging = target.with_name(target.name + f".tmp{os.getpid()}")
    subprocess.run(["rm", "-rf", str(staging)], check=True)
    staging.mkdir(parents=True)
    subprocess.run(["cp", "-a", f"{folder}/.", str(staging)], check=True)
    subprocess.run(
        ["find", str(staging), "-name", "__pycache__", "-prune", "-exec", "rm", "-rf", "{}", "+"],
        check=True,
    )
    git("init", "-q", "-b", "main", cwd=staging)
    git("add", "-A", cwd=staging)
    git(
        "commit",
        "-q",
        "-m",
        f"{folder.name} at its base state",
        cwd=staging,
        env=_FIXED_GIT_IDENTITY,
    )
    try:
        staging.rename(target)
    except OSError:  # another process made it first; theirs is identical
        subprocess.run(["rm", "-rf", str(staging)], check=True)
    return target, git("rev-parse", "HEAD", cwd=target)
