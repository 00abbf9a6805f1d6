"""The results file: rows appended one line at a time, read back checked, resumed after a crash."""

from __future__ import annotations

import fcntl
import json
import os
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from pydantic import BaseModel, ValidationError

from harness import HarnessError
from harness import warn as warn_on_stderr
from harness.files import first_problem, parse_json, path_inside, probe
from harness.results.row import READABLE_VERSIONS, SCHEMA_VERSION, ResultRow
from harness.results.trajectory import Trajectory

Warn = Callable[[str], None]
M = TypeVar("M", bound=BaseModel)


class ResultStore:
    """Appends rows one line at a time, flushed and fsynced, so a crash loses at most the row
    being written (results/resume.py tells a rerun what to skip).

    A store holds an exclusive lock on its file until it is closed (or its process ends, even
    by kill -9: the kernel drops the lock), so that two runs never write one file at once."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_dir():
            raise HarnessError(f"results file {path} is a directory")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # held open until close(): the lock lives with it; opening fails now, not after
            # the first task's work
            self._file = open(path, "a+b")  # noqa: SIM115
        except OSError as exc:
            raise HarnessError(f"cannot write results file {path}: {exc.strerror}") from None
        try:
            lock(self._file, path)
        except HarnessError:
            self._file.close()
            raise

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def trajectory_dir(self) -> Path:
        return self.path.with_name(self.path.stem + ".trajectories")

    def attempts(self) -> Counter[tuple[str, str, int]]:
        """Rows already written per task: the next attempt at a task is one more."""
        return Counter(row.key for row in iter_rows(self.path, ResultRow))

    def append(self, row: ResultRow) -> None:
        """Add one row at the end. Nothing already in the file is ever removed: a last line
        without its newline (a row another tool left, or a write cut short) gets one first."""
        line = row.to_json().encode("utf-8") + b"\n"
        out = self._file
        if out.seek(0, os.SEEK_END) > 0:
            out.seek(-1, os.SEEK_END)
            if out.read(1) != b"\n":
                line = b"\n" + line
        out.write(line)  # the file is open for appending: this goes at the end
        out.flush()
        os.fsync(out.fileno())

    def write_trajectory(self, trajectory: Trajectory, attempt: int = 1) -> str:
        """Write a trajectory whole (or not at all); its path relative to the results file's
        folder, as rows record it. A task's second and later attempts (--rerun-errors) get
        their own file, so that no attempt's record is overwritten."""
        self.trajectory_dir.mkdir(parents=True, exist_ok=True)
        # a policy may be a model's name from a predictions file, slashes and all
        policy = trajectory.policy.replace("/", "__")
        again = f".attempt{attempt}" if attempt > 1 else ""
        name = f"{trajectory.instance_id}.{policy}.seed{trajectory.seed}{again}.json"
        path = path_inside(self.trajectory_dir, name, "trajectory file")
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(trajectory.model_dump_json(indent=1), encoding="utf-8")
        tmp.replace(path)
        return str(path.relative_to(self.path.parent))


def lock(handle: IO[bytes], path: Path) -> None:
    """An exclusive lock on an open results file, or a HarnessError when another run holds
    one. A file system without locks is warned about, not refused."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise HarnessError(
            f"results file {path} is being written by another run; wait for it to end, or "
            "give another --output"
        ) from None
    except OSError as exc:
        warn_on_stderr(
            f"warning: cannot lock {path} ({exc.strerror}); make sure no other run writes to it"
        )


def ensure_free_to_write(path: Path) -> None:
    """That a results file can be written and is not being written by another run, leaving no
    trace, so that bad input found before any work changes nothing."""
    with probe(path, "results file") as handle:
        lock(handle, path)  # released when the probe closes it


FIRST_LINE_LIMIT = 1 << 24  # a row with a large patch fits; a binary file is not read whole


def holds_rows(path: Path) -> bool:
    """Whether a file begins with a result row: writing over it would lose results."""
    try:
        with open(path, "rb") as handle:
            line = handle.readline(FIRST_LINE_LIMIT)
            while line and line.isspace():
                line = handle.readline(FIRST_LINE_LIMIT)
    except OSError:
        return False
    try:
        parsed = parse_json(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(parsed, dict) and {"schema_version", "instance_id"} <= parsed.keys()


def unfinished(line: bytes) -> bool:
    """A JSON object that was begun and never closed: what a write cut short leaves. Anything
    else that does not parse (a text file, a line garbled in the middle) is not one."""
    text = line.decode("utf-8", "replace").strip()
    if not text.startswith("{"):
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return False
    return True


def read_rows(path: Path, warn: Warn = warn_on_stderr) -> list[ResultRow]:
    """Rows of a results file, one per (instance_id, policy, seed).

    A truncated line (a crash mid-write) is reported and skipped; anything else malformed
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
                    row = model.model_validate_json(line)
                except ValidationError:
                    if unfinished(line):  # kept in the file: nothing written is removed
                        warn(
                            f"warning: {path}: line {number} is truncated (a run stopped "
                            "mid-write); skipped"
                        )
                        continue
                    raise HarnessError(_line_problem(line, f"{path}: line {number}")) from None
                # the model's default is for rows being made; a stored row names its version
                if "schema_version" not in row.model_fields_set:
                    raise HarnessError(_line_problem(line, f"{path}: line {number}"))
                yield row
    except FileNotFoundError:
        raise HarnessError(f"results file not found: {path}") from None
    except OSError as exc:
        raise HarnessError(f"cannot read results file {path}: {exc.strerror or exc}") from None


def _line_problem(line: bytes, where: str) -> str:
    try:
        parsed = parse_json(line.decode("utf-8"))
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
        return f"{where} is not a valid result row: {first_problem(exc)}"
    return f"{where} is not a valid result row"


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
