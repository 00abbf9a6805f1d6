"""The result row, the append-only JSONL store, and resuming a run.

A row is a superset of SWE-bench's predictions format (instance_id, model_name_or_path,
model_patch), so the official harness can grade the same file. Its JSON Schema is
harness/data/result.schema.json (`SCHEMA_PATH`); a test keeps the two in step.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness import HarnessError
from harness import warn as warn_on_stderr

SCHEMA_VERSION = 1
STATUSES = ("resolved", "unresolved", "empty_patch", "error")


@dataclass
class ResultRow:
    instance_id: str
    model_name_or_path: str
    model_patch: str
    run_id: str
    policy: str
    policy_hash: str
    backend: str
    synthetic: bool
    seed: int
    price_table: str
    status: str
    status_reason: str = ""
    FAIL_TO_PASS: dict[str, list[str]] = field(default_factory=dict)
    PASS_TO_PASS: dict[str, list[str]] = field(default_factory=dict)
    turns: int = 0
    escalations: int = 0
    exit_reason: str = ""
    tokens: dict[str, dict[str, int]] = field(default_factory=dict)
    cost_usd: float = 0.0
    cost_by_tier: dict[str, float] = field(default_factory=dict)
    wall_time_s: float = 0.0
    started_at: str = ""
    harness_version: str = ""
    trajectory: str = ""
    schema_version: int = SCHEMA_VERSION

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.instance_id, self.policy, self.seed)


class ResultStore:
    """Appends rows one line at a time, flushed and fsynced, so a crash loses at most the row
    being written; `done()` tells a rerun what to skip."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_dir():
            raise HarnessError(f"results file {path} is a directory")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "ab"):  # fail now, not after the first task's work
                pass
        except OSError as exc:
            raise HarnessError(f"cannot write results file {path}: {exc.strerror}") from None

    @property
    def trajectory_dir(self) -> Path:
        return self.path.with_name(self.path.stem + ".trajectories")

    def done(self, retry_errors: bool = False) -> set[tuple[str, str, int]]:
        if not self.path.exists():
            return set()
        return {(r["instance_id"], r["policy"], r["seed"]) for r in read_rows(self.path)
                if not (retry_errors and r["status"] == "error")}

    def append(self, row: ResultRow) -> None:
        line = json.dumps(asdict(row), ensure_ascii=False, sort_keys=True) + "\n"
        with open(self.path, "r+b" if self.path.exists() else "w+b") as out:
            out.truncate(_end_of_last_full_line(out))
            out.seek(0, os.SEEK_END)
            out.write(line.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())

    def write_trajectory(self, instance_id: str, policy: str, seed: int,
                         data: dict[str, Any]) -> Path:
        self.trajectory_dir.mkdir(parents=True, exist_ok=True)
        path = self.trajectory_dir / f"{instance_id}.{policy}.seed{seed}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
        return path


def _end_of_last_full_line(handle, chunk: int = 65536) -> int:
    """Offset just past the last newline: a crash mid-write leaves a partial line after it,
    which is dropped (its task has no row yet, so it runs again)."""
    end = handle.seek(0, os.SEEK_END)
    position = end
    while position > 0:
        start = max(0, position - chunk)
        handle.seek(start)
        block = handle.read(position - start)
        newline = block.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        position = start
    return 0


# What the readers rely on, with the JSON types a row must have for them.
READER_FIELDS: dict[str, tuple[type, ...]] = {
    "instance_id": (str,), "policy": (str,), "seed": (int,), "status": (str,),
    "synthetic": (bool,), "cost_usd": (int, float), "turns": (int,), "escalations": (int,),
}
SCHEMA_PATH = Path(__file__).parent / "data" / "result.schema.json"


def read_rows(path: Path, warn: Callable[[str], None] = warn_on_stderr) -> list[dict]:
    """Rows of a results file, one per (instance_id, policy, seed).

    A truncated last line (a crash mid-write) is reported and skipped; anything else malformed
    is an error naming the line, so that a report never rests on rows it misread. Duplicate
    rows keep the last one (see `unique_rows`). An empty file gives no rows: callers say
    what that means for them."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise HarnessError(f"results file not found: {path}") from None
    except OSError as exc:
        raise HarnessError(f"cannot read results file {path}: {exc.strerror or exc}") from None
    lines = data.split(b"\n")
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            if number == len(lines):  # the last line, with no newline after it
                warn(f"warning: {path}: line {number} is truncated (a run stopped mid-write); "
                     "skipped")
                continue
            raise HarnessError(f"{path}: line {number} is not valid JSON") from None
        problem = row_problem(row)
        if problem:
            raise HarnessError(f"{path}: line {number} {problem}")
        rows.append(row)
    return unique_rows(rows, lambda message: warn(f"warning: {path}: {message}"))


def row_problem(row: object) -> str | None:
    """Why a parsed line is not a row the readers can use, or None; checked up front so that
    a foreign or older file gives one clear message instead of a KeyError deep in a report."""
    if not isinstance(row, dict):
        return f"is not a result row of schema version {SCHEMA_VERSION} (not a JSON object)"
    version = row.get("schema_version")
    if version != SCHEMA_VERSION:
        found = "no schema_version" if version is None else f"schema version {version!r}"
        return (f"is not a result row of schema version {SCHEMA_VERSION} ({found}; this "
                f"harness reads version {SCHEMA_VERSION})")
    missing = [name for name in READER_FIELDS if name not in row]
    if missing:
        return f"lacks field(s): {', '.join(missing)}"
    wrong = [name for name, types in READER_FIELDS.items()
             if not isinstance(row[name], types)
             or (bool not in types and isinstance(row[name], bool))]
    if wrong:
        return f"has field(s) of the wrong type: {', '.join(wrong)}"
    if row["status"] not in STATUSES:
        return f"has unknown status {row['status']!r} (expected one of {', '.join(STATUSES)})"
    return None


def row_key(row: dict) -> tuple[str, str, int]:
    return (row["instance_id"], row["policy"], row["seed"])


def unique_rows(rows: list[dict], warn, key=row_key) -> list[dict]:
    """One row per key, the last one written. A row replacing an error row is what
    `--rerun-errors` does, so that passes silently; any other duplicate is warned about once
    (how many, and one example), since it would otherwise count a task twice."""
    kept: dict = {}
    duplicates = []
    for row in rows:
        k = key(row)
        earlier = kept.pop(k, None)
        if earlier is not None and earlier["status"] != "error":
            duplicates.append(k)
        kept[k] = row
    if duplicates:
        example = ", ".join(map(str, duplicates[0]))
        warn(f"{len(duplicates)} duplicate row(s) for the same task, policy and seed "
             f"(e.g. {example}); the last of each is kept")
    return list(kept.values())
