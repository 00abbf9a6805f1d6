"""The results file: rows appended one line at a time, read back checked, resumed after a crash."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from pydantic import BaseModel, ValidationError

from harness import HarnessError
from harness import warn as warn_on_stderr
from harness.results.row import READABLE_VERSIONS, SCHEMA_VERSION, ResultRow
from harness.results.trajectory import Trajectory

Warn = Callable[[str], None]
M = TypeVar("M", bound=BaseModel)


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
        return {r.key for r in read_rows(self.path) if not (retry_errors and r.status == "error")}

    def attempts(self) -> Counter[tuple[str, str, int]]:
        """Rows already written per task: the next attempt at a task is one more."""
        if not self.path.exists():
            return Counter()
        return Counter(row.key for row in iter_rows(self.path, ResultRow))

    def append(self, row: ResultRow) -> None:
        line = row.to_json() + "\n"
        with open(self.path, "r+b" if self.path.exists() else "w+b") as out:
            out.truncate(_end_of_last_full_line(out))
            out.seek(0, os.SEEK_END)
            out.write(line.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())

    def write_trajectory(self, trajectory: Trajectory, attempt: int = 1) -> str:
        """Write a trajectory whole (or not at all); its path relative to the results file's
        folder, as rows record it. A task's second and later attempts (--rerun-errors) get
        their own file, so that no attempt's record is overwritten."""
        self.trajectory_dir.mkdir(parents=True, exist_ok=True)
        again = f".attempt{attempt}" if attempt > 1 else ""
        name = f"{trajectory.instance_id}.{trajectory.policy}.seed{trajectory.seed}{again}.json"
        path = self.trajectory_dir / name
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(trajectory.model_dump_json(indent=1), encoding="utf-8")
        tmp.replace(path)
        return str(path.relative_to(self.path.parent))


def _end_of_last_full_line(handle: IO[bytes], chunk: int = 65536) -> int:
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


def read_rows(path: Path, warn: Warn = warn_on_stderr) -> list[ResultRow]:
    """Rows of a results file, one per (instance_id, policy, seed).

    A truncated last line (a crash mid-write) is reported and skipped; anything else malformed
    is an error naming the line, so that a report never rests on rows it misread. Duplicate
    rows keep the last one (see `unique_rows`). An empty file gives no rows: callers say
    what that means for them."""
    return unique_rows(
        iter_rows(path, ResultRow, warn), lambda message: warn(f"warning: {path}: {message}")
    )


def iter_rows(path: Path, model: type[M], warn: Warn = warn_on_stderr) -> Iterator[M]:
    """Every row of a results file in order, read one line at a time as `model` (ResultRow,
    or a `row_view` of the fields a report needs), checked as `read_rows` describes."""
    try:
        with open(path, "rb", buffering=1 << 20) as lines:
            for number, line in enumerate(lines, 1):
                if line.isspace() or not line:  # without copying a line of kilobytes
                    continue
                try:
                    yield model.model_validate_json(line)
                except ValidationError:
                    if _truncated(line):
                        warn(
                            f"warning: {path}: line {number} is truncated (a run stopped "
                            "mid-write); skipped"
                        )
                        continue
                    raise HarnessError(_line_problem(line, f"{path}: line {number}")) from None
    except FileNotFoundError:
        raise HarnessError(f"results file not found: {path}") from None
    except OSError as exc:
        raise HarnessError(f"cannot read results file {path}: {exc.strerror or exc}") from None


def _truncated(line: bytes) -> bool:
    """A last line cut short by a crash: no newline after it, and not whole JSON."""
    if line.endswith(b"\n"):
        return False
    try:
        json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return True
    return False


def _line_problem(line: bytes, where: str) -> str:
    try:
        parsed = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return f"{where} is not valid JSON"
    return row_problem(parsed, where)


def row_problem(parsed: object, where: str) -> str:
    """What is wrong with a parsed line that is not a valid row, in one line."""
    version = parsed.get("schema_version") if isinstance(parsed, dict) else None
    if version not in READABLE_VERSIONS:
        found = (
            "not a JSON object"
            if not isinstance(parsed, dict)
            else "no schema_version"
            if version is None
            else f"schema version {version!r}"
        )
        return (
            f"{where} is not a result row of schema version {SCHEMA_VERSION} ({found}; "
            f"this harness reads versions {', '.join(map(str, READABLE_VERSIONS))})"
        )
    try:
        ResultRow.model_validate_json(json.dumps(parsed))
    except ValidationError as exc:
        return f"{where} is not a valid result row: {validation_summary(exc)}"
    return f"{where} is not a valid result row"


def validation_summary(exc: ValidationError) -> str:
    """The first problem pydantic found, on one line: where, and what."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "row"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {error['msg']}{more}"


def unique_rows(
    rows: Iterable[ResultRow], warn: Warn, key: Callable[[ResultRow], Hashable] = lambda r: r.key
) -> list[ResultRow]:
    """One row per key, the last one written. A row replacing an error row is what
    `--rerun-errors` does, so that passes silently; any other duplicate is warned about once
    (how many, and one example), since it would otherwise count a task twice."""
    kept: dict[Hashable, ResultRow] = {}
    duplicates = []
    for row in rows:
        k = key(row)
        earlier = kept.pop(k, None)
        if earlier is not None and earlier.status != "error":
            duplicates.append(k)
        kept[k] = row
    if duplicates:
        first = duplicates[0]
        example = ", ".join(map(str, first)) if isinstance(first, tuple) else str(first)
        warn(
            f"{len(duplicates)} duplicate row(s) for the same task, policy and seed "
            f"(e.g. {example}); the last of each is kept"
        )
    return list(kept.values())
