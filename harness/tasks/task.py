"""The task record and its environment: what one SWE-bench-style instance is.

Field names are SWE-bench's, unchanged, so a SWE-bench export loads as it is.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, StrictStr
from pydantic.dataclasses import dataclass as pydantic_dataclass

from harness import HarnessError
from harness.diffs import patch_paths
from harness.files import parse_json, parse_tables, read_toml

REQUIRED_FIELDS = ("instance_id", "repo", "base_commit", "problem_statement", "patch")
# Empty when the tests are already in the repository (SWE-smith style data).
TEXT_FIELDS = ("test_patch",)
OPTIONAL_FIELDS = (
    "version",
    "environment_setup_commit",
    "hints_text",
    "created_at",
    "image",
    "eval_script",
    "log_parser",
    "eval_type",
    "difficulty",
)
# The characters SWE-bench's ids use (django__django-11099, sphinx-doc__sphinx-8721, SWE-smith's
# oauthlib__oauthlib.1fd52536.combine_file__09vlzwgc): an id names files (trajectories, task
# pages, images), so a slash or a leading dot would let a row choose where they go.
INSTANCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")
REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")  # GitHub's owner/name


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Environment:
    """How to prepare a repository's environment and run its tests.

    `setup` builds the environment image that every task of the repo and version shares (system
    packages, pinned dependencies; run as root, without the repository); `install` runs in the
    task image once the repository is in /testbed (e.g. `pip install -e .`). `activate` is the
    shell that makes the test environment current (official SWE-bench images: their conda
    environment); agent commands, the edit check and grading all run with it."""

    setup: StrictStr = ""
    install: StrictStr = ""
    activate: StrictStr = ""
    test_cmd: StrictStr = "python -m pytest -rA -p no:cacheprovider"
    check_cmd: StrictStr = "python -m pytest -q -p no:cacheprovider"


@dataclass(frozen=True)
class Task:
    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str
    patch: str
    test_patch: str = ""
    FAIL_TO_PASS: tuple[str, ...] = ()
    PASS_TO_PASS: tuple[str, ...] = ()
    version: str = ""
    environment_setup_commit: str = ""
    hints_text: str = ""
    created_at: str = ""
    image: str | None = None
    eval_script: str | None = None
    log_parser: str | None = None
    eval_type: str = "pass_and_fail"
    difficulty: str = ""
    environment: Environment = field(default_factory=Environment)
    # A local git repository holding base_commit, when the source already knows one.
    repo_path: Path | None = None

    @property
    def content_hash(self) -> str:
        """Names everything about the task that can change its result (not where this machine
        keeps its repository): another dataset with the same instance ids hashes otherwise."""
        content = asdict(self)
        content.pop("repo_path")
        text = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


EnvironmentSpecs = dict[tuple[str, str], Environment]


def load_environments(path: Path) -> EnvironmentSpecs:
    """Environment specs keyed by (repo, version), as SWE-bench keys them; "*" matches any
    version. A `[default]` table replaces the built-in default."""
    data = read_toml(path, "environments file")
    where = f"environments file {path}"
    specs: EnvironmentSpecs = {}
    if "default" in data:
        specs[("default", "*")] = parse_tables(
            data.pop("default"), Environment, f"{where}: default"
        )
    versions = parse_tables(data, dict[str, dict[str, Environment]], where)
    for repo, table in versions.items():
        specs.update({(repo, version): spec for version, spec in table.items()})
    return specs


def environment_for(task: Task, specs: EnvironmentSpecs) -> Environment:
    for key in ((task.repo, task.version), (task.repo, "*"), ("default", "*")):
        if key in specs:
            return specs[key]
    return Environment()


def _test_list(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        try:
            value = parse_json(value) if value.strip() else []
        except json.JSONDecodeError as exc:
            raise HarnessError(f"{where}: not a JSON list of test ids ({exc.msg})") from None
    if not isinstance(value, list | tuple) or not all(isinstance(t, str) for t in value):
        raise HarnessError(f"{where}: must be a list of test ids")
    return tuple(value)


def task_from_row(row: dict[str, Any], where: str = "row") -> Task:
    """Build a Task from a SWE-bench-style dict, naming the row and field of any problem."""
    missing = [name for name in REQUIRED_FIELDS if not row.get(name)]
    if missing:
        raise HarnessError(f"{where}: missing field {missing[0]!r}")
    for name in (*REQUIRED_FIELDS, *TEXT_FIELDS):
        if not isinstance(row.get(name, ""), str):
            raise HarnessError(f"{where}: field {name!r} must be a string")
    if not INSTANCE_ID.fullmatch(row["instance_id"]):
        raise HarnessError(
            f"{where}: instance_id {row['instance_id'][:80]!r} is not a SWE-bench-style id "
            "(letters, digits, '_', '.' and '-', starting with a letter or digit)"
        )
    if not REPO.fullmatch(row["repo"]) or ".." in row["repo"].split("/"):
        raise HarnessError(f"{where}: repo {row['repo'][:80]!r} is not of the form owner/name")
    extras: dict[str, Any] = {k: row[k] for k in OPTIONAL_FIELDS if row.get(k) not in (None, "")}
    if "version" in extras:
        extras["version"] = str(extras["version"])
    for name in ("patch", "test_patch"):
        if str(row.get(name) or "").strip() and not patch_paths(row[name]):
            raise HarnessError(f"{where}: field {name!r} is not a unified diff")
    if row.get("repo_path") is not None:
        extras["repo_path"] = Path(row["repo_path"])
    return Task(
        **{name: row[name] for name in REQUIRED_FIELDS},
        test_patch=row.get("test_patch") or "",
        FAIL_TO_PASS=_test_list(row.get("FAIL_TO_PASS", []), f"{where}: FAIL_TO_PASS"),
        PASS_TO_PASS=_test_list(row.get("PASS_TO_PASS", []), f"{where}: PASS_TO_PASS"),
        **extras,
    )
