"""The result row, the append-only JSONL store, and resuming a run.

A row is a superset of SWE-bench's predictions format (instance_id, model_name_or_path,
model_patch), so the official harness can grade the same file.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness import HarnessError

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
        path.parent.mkdir(parents=True, exist_ok=True)

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


def read_rows(path: Path, warn=lambda message: print(message, file=sys.stderr)) -> list[dict]:
    """Rows of a results file; a truncated last line (a crash mid-write) is reported and
    skipped, anything else malformed is an error naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HarnessError(f"results file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HarnessError(f"cannot read results file {path}: {exc}") from None
    lines = text.split("\n")
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):  # the last line, with no newline after it
                warn(f"warning: {path}: line {number} is truncated (a run stopped mid-write); "
                     "skipped")
                continue
            raise HarnessError(f"{path}: line {number} is not valid JSON") from None
        if not isinstance(row, dict) or row.get("schema_version") != SCHEMA_VERSION:
            raise HarnessError(f"{path}: line {number} is not a result row of schema version "
                               f"{SCHEMA_VERSION}")
        rows.append(row)
    return rows
