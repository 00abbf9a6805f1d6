"""Task instances: the `Task` record, where tasks come from, and where their repositories live.

Field names are SWE-bench's, unchanged, so a SWE-bench export loads as it is. The bundled suite
under `tasks/` is authored as plain folders (see tasks/README.md) and turned into the same rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness import HarnessError, first_line, warn
from harness.diffs import patch_paths

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DIR = PROJECT_ROOT / "tasks"
LOCAL_SUFFIXES = {".json", ".jsonl", ".parquet"}
REQUIRED_FIELDS = ("instance_id", "repo", "base_commit", "problem_statement", "patch", "test_patch")

# Commits made for the bundled repos carry fixed metadata so that their hashes are the same on
# every machine: a bundled task's base_commit is then a stable name for its source tree.
_FIXED_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "harness",
    "GIT_AUTHOR_EMAIL": "harness@localhost",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+0000",
    "GIT_COMMITTER_NAME": "harness",
    "GIT_COMMITTER_EMAIL": "harness@localhost",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+0000",
}


@dataclass(frozen=True)
class Environment:
    """How to prepare a repository's environment and run its tests.

    `setup` builds the environment image that every task of the repo and version shares (system
    packages, pinned dependencies; run as root, without the repository); `install` runs in the
    task image once the repository is in /testbed (e.g. `pip install -e .`)."""

    setup: str = ""
    install: str = ""
    test_cmd: str = "python -m pytest -rA -p no:cacheprovider"
    check_cmd: str = "python -m pytest -q -p no:cacheprovider"


@dataclass(frozen=True)
class Task:
    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str
    patch: str
    test_patch: str
    FAIL_TO_PASS: tuple[str, ...] = ()
    PASS_TO_PASS: tuple[str, ...] = ()
    version: str = ""
    environment_setup_commit: str = ""
    hints_text: str = ""
    created_at: str = ""
    image: str | None = None
    eval_script: str | None = None
    log_parser: str | None = None
    difficulty: str = ""
    environment: Environment = field(default_factory=Environment)
    # A local git repository holding base_commit, when the source already knows one.
    repo_path: Path | None = None


def load_environments(path: Path) -> dict[tuple[str, str], Environment]:
    """Environment specs keyed by (repo, version), as SWE-bench keys them; "*" matches any
    version. A `[default]` table replaces the built-in default."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HarnessError(f"cannot read environments file {path}: {exc}") from None
    specs = {}
    known = set(Environment.__dataclass_fields__)
    for repo, versions in data.items():
        for version, spec in (versions.items() if repo != "default" else [("*", versions)]):
            where = f"{path}: {repo}.{version}"
            if not isinstance(spec, dict) or set(spec) - known:
                raise HarnessError(f"{where}: expected a table with keys {', '.join(known)}")
            specs[(repo, version)] = Environment(**spec)
    return specs


def environment_for(task: Task, specs: dict[tuple[str, str], Environment]) -> Environment:
    for key in ((task.repo, task.version), (task.repo, "*"), ("default", "*")):
        if key in specs:
            return specs[key]
    return Environment()


def _test_list(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
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
    for name in REQUIRED_FIELDS:
        if not isinstance(row[name], str):
            raise HarnessError(f"{where}: field {name!r} must be a string")
    known = {
        "version", "environment_setup_commit", "hints_text", "created_at",
        "image", "eval_script", "log_parser", "difficulty",
    }
    extras = {k: row[k] for k in known if row.get(k) is not None}
    if "version" in extras:
        extras["version"] = str(extras["version"])
    for name in ("patch", "test_patch"):
        if not patch_paths(row[name]):
            raise HarnessError(f"{where}: field {name!r} is not a unified diff")
    if row.get("repo_path") is not None:
        extras["repo_path"] = Path(row["repo_path"])
    return Task(
        **{name: row[name] for name in REQUIRED_FIELDS},
        FAIL_TO_PASS=_test_list(row.get("FAIL_TO_PASS", []), f"{where}: FAIL_TO_PASS"),
        PASS_TO_PASS=_test_list(row.get("PASS_TO_PASS", []), f"{where}: PASS_TO_PASS"),
        **extras,
    )


# ---------------------------------------------------------------------------------------------
# Sources


def load_tasks(source: str | None = None, split: str = "test", strict: bool = False,
               environments: Path | None = None,
               on_skip: Callable[[str], None] = warn) -> list[Task]:
    """Load tasks from the bundled suite (None), a tasks/-like folder, a local file, or a
    Hugging Face dataset name. A bad row is skipped and reported through `on_skip`, naming
    the row and the field; with `strict`, it fails the load."""
    path = Path(source).expanduser() if source else BUNDLED_DIR
    if path.is_dir() and (path / "instances").is_dir():
        candidates = _bundled_rows(path)
    else:
        # Hugging Face names look like paths ("owner/name"): only explicit paths are files.
        if source.startswith(("/", ".", "~")) or path.suffix in LOCAL_SUFFIXES or path.exists():
            if not path.is_file():
                raise HarnessError(f"dataset file not found: {source}")
            origin, rows = str(path), _read_rows(path)
        else:
            origin, rows = source, _read_hub(source, split)
        candidates = [(f"{origin}: row {i + 1}", lambda row=row: row, None)
                      for i, row in enumerate(rows)]
    specs = load_environments(environments) if environments else None
    tasks = _build_tasks(candidates, strict, on_skip, specs)
    if not tasks:
        raise HarnessError(f"no valid tasks in {source or BUNDLED_DIR}")
    return tasks


# A candidate row: where it comes from, how to read it, and the environments of its suite.
Candidate = tuple[str, Callable[[], dict[str, Any]], dict[tuple[str, str], Environment] | None]


def _build_tasks(candidates: list[Candidate], strict: bool, on_skip: Callable[[str], None],
                 specs: dict[tuple[str, str], Environment] | None) -> list[Task]:
    tasks, seen = [], set()
    for where, read, suite_specs in candidates:
        try:
            row = read()
            if not isinstance(row, dict):
                raise HarnessError(f"{where}: not an object")
            task = task_from_row(row, where)
            if task.instance_id in seen:
                raise HarnessError(f"{where}: duplicate instance_id {task.instance_id!r}")
        except HarnessError as exc:
            if strict:
                raise
            on_skip(f"warning: skipped {exc}")
            continue
        seen.add(task.instance_id)
        environments = specs if specs is not None else suite_specs
        if environments:
            task = replace(task, environment=environment_for(task, environments))
        tasks.append(task)
    return tasks


def _read_rows(path: Path) -> list[dict[str, Any]]:
    try:
        if path.suffix == ".parquet":
            import datasets

            return list(datasets.load_dataset("parquet", data_files=str(path), split="train"))
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            rows = []
            for number, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise HarnessError(
                            f"{path}: line {number}: invalid JSON ({exc.msg})") from None
            return rows
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HarnessError(f"cannot read {path}: {exc}") from None
    if isinstance(data, dict):  # keyed by instance_id
        return [{"instance_id": key, **value} for key, value in data.items()]
    if isinstance(data, list):
        return data
    raise HarnessError(f"{path}: expected a list of tasks or an object keyed by instance_id")


def _read_hub(name: str, split: str) -> list[dict[str, Any]]:
    import datasets

    where = f"cannot load dataset {name!r} split {split!r} from the Hugging Face hub"
    if not datasets.config.HF_HUB_OFFLINE:
        # One quick look first: `datasets` itself retries an unreachable hub for half a minute.
        from huggingface_hub import HfApi

        try:
            HfApi().dataset_info(name, timeout=15)
        except Exception as exc:
            raise HarnessError(f"{where}: {first_line(exc)} (offline? HF_HUB_OFFLINE=1 uses a "
                               "cached copy)") from None
    try:
        return list(datasets.load_dataset(name, split=split))
    except Exception as exc:  # the hub raises many kinds; all mean the same to the user
        raise HarnessError(f"{where}: {first_line(exc)}") from None


# ---------------------------------------------------------------------------------------------
# The bundled suite


def _bundled_rows(root: Path) -> list[Candidate]:
    """Tasks authored as folders: repos/<owner>__<name>/ and instances/<id>/ (tasks/README.md)."""
    env_file = root / "environments.toml"
    environments = load_environments(env_file) if env_file.is_file() else {}
    return [(str(folder / "task.toml"), lambda folder=folder: _bundled_row(root, folder),
             environments) for folder in sorted((root / "instances").iterdir())
            if folder.is_dir()]


def _bundled_row(root: Path, folder: Path) -> dict[str, Any]:
    meta_file = folder / "task.toml"
    try:
        meta = tomllib.loads(meta_file.read_text(encoding="utf-8"))
        patches = {name: (folder / file).read_text(encoding="utf-8")
                   for name, file in (("patch", "gold.patch"), ("test_patch", "test.patch"))}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HarnessError(f"{meta_file}: {exc}") from None
    repo_dir = root / "repos" / str(meta.get("repo", "")).replace("/", "__")
    if not meta.get("repo") or not repo_dir.is_dir():
        raise HarnessError(f"{meta_file}: repo folder {repo_dir} not found")
    repo_path, commit = materialize_repo(repo_dir)
    return {**meta, **patches, "instance_id": folder.name, "base_commit": commit,
            "repo_path": repo_path}


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    files = (p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in sorted(files):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(b"x" if os.access(path, os.X_OK) else b"-")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cascade-harness"


def git(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args],
        cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise HarnessError(f"git {args[0]} failed in {cwd}: {result.stderr.strip()}")
    return result.stdout.strip()


def materialize_repo(folder: Path) -> tuple[Path, str]:
    """Turn a bundled repo folder into a git repository with one deterministic commit."""
    target = cache_dir() / "repos" / f"{folder.name}-{_tree_digest(folder)}"
    if (target / ".git").is_dir():
        return target, git("rev-parse", "HEAD", cwd=target)
    staging = target.with_name(target.name + f".tmp{os.getpid()}")
    subprocess.run(["rm", "-rf", str(staging)], check=True)
    staging.mkdir(parents=True)
    subprocess.run(["cp", "-a", f"{folder}/.", str(staging)], check=True)
    subprocess.run(["find", str(staging), "-name", "__pycache__", "-prune", "-exec", "rm", "-rf",
                    "{}", "+"], check=True)
    git("init", "-q", "-b", "main", cwd=staging)
    git("add", "-A", cwd=staging)
    git("commit", "-q", "-m", f"{folder.name} at its base state", cwd=staging,
        env=_FIXED_GIT_IDENTITY)
    try:
        staging.rename(target)
    except OSError:  # another process made it first; theirs is identical
        subprocess.run(["rm", "-rf", str(staging)], check=True)
    return target, git("rev-parse", "HEAD", cwd=target)


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
        result = subprocess.run(["git", "clone", "-q", "--bare", url, str(clone)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise HarnessError(f"{task.instance_id}: cannot clone {url}: "
                               f"{result.stderr.strip().splitlines()[-1:]}")
    return clone


# ---------------------------------------------------------------------------------------------
# Selection


def parse_slice(text: str) -> slice:
    """Python slice syntax without brackets: "10:20", ":5", "::2", "-3:"."""
    parts = text.split(":")
    if not 1 < len(parts) <= 3:
        raise HarnessError(f"--slice {text!r}: expected START:STOP[:STEP]")
    try:
        numbers = [int(p) if p.strip() else None for p in parts]
    except ValueError:
        raise HarnessError(f"--slice {text!r}: START, STOP and STEP must be integers") from None
    if len(numbers) == 3 and numbers[2] == 0:
        raise HarnessError(f"--slice {text!r}: STEP must not be zero")
    return slice(*numbers)


def parse_shard(text: str) -> tuple[int, int]:
    """"I/N", 1-based: shard I of N."""
    try:
        index, count = (int(p) for p in text.split("/"))
    except ValueError:
        raise HarnessError(f"--shard {text!r}: expected I/N, e.g. 2/4") from None
    if not 1 <= index <= count:
        raise HarnessError(f"--shard {text!r}: I must be between 1 and N")
    return index, count


def select_tasks(tasks: list[Task], instance_ids: list[str] | None = None,
                 pattern: str | None = None, slice_text: str | None = None,
                 shard: str | None = None) -> list[Task]:
    """Filter in this order: ids, regex on instance_id, slice, shard. Shards split the
    selection sorted by instance_id round-robin: disjoint, covering, stable."""
    if instance_ids:
        known = {t.instance_id for t in tasks}
        unknown = [i for i in instance_ids if i not in known]
        if unknown:
            raise HarnessError(f"unknown instance id {unknown[0]!r}")
        tasks = [t for t in tasks if t.instance_id in set(instance_ids)]
    if pattern:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise HarnessError(f"--filter {pattern!r}: {exc}") from None
        tasks = [t for t in tasks if regex.search(t.instance_id)]
    if slice_text:
        tasks = tasks[parse_slice(slice_text)]
    if shard:
        index, count = parse_shard(shard)
        ordered = sorted(tasks, key=lambda t: t.instance_id)
        tasks = ordered[index - 1::count]
    return tasks
