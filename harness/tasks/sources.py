"""Where tasks come from: the bundled suite, a tasks/-like folder, a local file, or the
Hugging Face hub. Every source gives the same Task records."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from harness import HarnessError, first_line, warn
from harness.tasks.bundled import BUNDLED_DIR, Candidate, is_suite_folder, suite_rows
from harness.tasks.task import (
    EnvironmentSpecs,
    Task,
    environment_for,
    load_environments,
    task_from_row,
)

LOCAL_SUFFIXES = {".json", ".jsonl", ".parquet"}


def load_tasks(
    source: str | None = None,
    split: str = "test",
    strict: bool = False,
    environments: Path | None = None,
    on_skip: Callable[[str], None] = warn,
) -> list[Task]:
    """Load tasks from the bundled suite (None), a tasks/-like folder, a local file, or a
    Hugging Face dataset name. A bad row is skipped and reported through `on_skip`, naming
    the row and the field; with `strict`, it fails the load."""
    path = Path(source).expanduser() if source else BUNDLED_DIR
    specs = load_environments(environments) if environments else None
    if is_suite_folder(path):
        candidates = suite_rows(path)
    else:
        assert source is not None
        # Hugging Face names look like paths ("owner/name"): only explicit paths are files.
        if source.startswith(("/", ".", "~")) or path.suffix in LOCAL_SUFFIXES or path.exists():
            if path.is_dir():
                raise HarnessError(
                    f"{source} is a folder but not a task suite (it has no instances/ folder)"
                )
            if not path.is_file():
                raise HarnessError(f"dataset file not found: {source}")
            origin, rows = str(path), _read_file(path)
        else:
            origin, rows = source, _read_hub(source, split)
        candidates = [
            (f"{origin}: row {i + 1}", partial(_given, row), None) for i, row in enumerate(rows)
        ]
    tasks = _build_tasks(candidates, strict, on_skip, specs)
    if not tasks:
        raise HarnessError(f"no valid tasks in {source or BUNDLED_DIR}")
    return tasks


def _given(row: Any) -> Any:
    return row


def _build_tasks(
    candidates: list[Candidate],
    strict: bool,
    on_skip: Callable[[str], None],
    specs: EnvironmentSpecs | None,
) -> list[Task]:
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


def _read_file(path: Path) -> list[Any]:
    if path.suffix == ".parquet":
        return _read_parquet(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HarnessError(f"cannot read {path}: {exc}") from None
    if path.suffix == ".jsonl":
        return _jsonl(path, text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HarnessError(f"cannot read {path}: {exc}") from None
    if isinstance(data, dict):  # keyed by instance_id
        return [
            {"instance_id": key, **value} if isinstance(value, dict) else value
            for key, value in data.items()
        ]
    if isinstance(data, list):
        return data
    raise HarnessError(f"{path}: expected a list of tasks or an object keyed by instance_id")


def _jsonl(path: Path, text: str) -> list[Any]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise HarnessError(f"{path}: line {number}: invalid JSON ({exc.msg})") from None
    return rows


def _read_parquet(path: Path) -> list[Any]:
    """Rows of a parquet file, read with pyarrow: no copy into a cache, and nothing printed."""
    import pyarrow.parquet

    try:
        rows: list[Any] = pyarrow.parquet.read_table(path).to_pylist()
    except Exception as exc:  # pyarrow raises many kinds for a bad file
        raise HarnessError(f"cannot read {path} as parquet: {first_line(exc)}") from None
    return rows


def _read_hub(name: str, split: str) -> list[Any]:
    import datasets

    where = f"cannot load dataset {name!r} split {split!r} from the Hugging Face hub"
    if not datasets.config.HF_HUB_OFFLINE:
        # One quick look first: `datasets` itself retries an unreachable hub for half a minute.
        from huggingface_hub import HfApi

        try:
            HfApi().dataset_info(name, timeout=15)
        except Exception as exc:
            raise HarnessError(
                f"{where}: {first_line(exc)} (offline? HF_HUB_OFFLINE=1 uses a cached copy)"
            ) from None
    try:
        return list(datasets.load_dataset(name, split=split))
    except Exception as exc:  # the hub raises many kinds; all mean the same to the user
        raise HarnessError(f"{where}: {first_line(exc)}") from None
