"""Where tasks come from: the bundled suite, a tasks/-like folder, a local file, a local
Hugging Face dataset folder, or the Hugging Face hub. Every source gives the same Task records.

Dataset names are resolved as SWE-bench's own loader does: short names (`lite`, `verified`,
`full`) stand for the SWE-bench hub ids, and a local folder named like the id (holding
`<split>.parquet`, or a `save_to_disk` folder per split) is read instead of the hub."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from harness import HarnessError, first_line, warn
from harness.files import parse_json
from harness.tasks import official
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
    namespace: str | None = None,
) -> list[Task]:
    """Load tasks from the bundled suite (None), a tasks/-like folder, a local file or dataset
    folder, or a Hugging Face dataset name. A bad row is skipped and reported through
    `on_skip`, naming the row and the field; with `strict`, it fails the load. `namespace`
    moves official SWE-bench images to another registry namespace (see `place`)."""
    path = Path(source).expanduser() if source else BUNDLED_DIR
    specs = load_environments(environments) if environments else None
    if is_suite_folder(path):
        candidates = suite_rows(path)
    else:
        assert source is not None
        origin, rows = _read_source(source, path, split)
        candidates = [
            (f"{origin}: row {i + 1}", partial(_given, row), None) for i, row in enumerate(rows)
        ]
    tasks = [place(t, namespace) for t in _build_tasks(candidates, strict, on_skip, specs)]
    if not tasks:
        raise HarnessError(f"no valid tasks in {source or BUNDLED_DIR}")
    return tasks


def place(task: Task, namespace: str | None = None) -> Task:
    """Decide where a task runs. A row's own `image` is used (moved to `namespace` when one is
    given); a row in SWE-bench 5's shape (it brings an eval script), or of a repository
    SWE-bench publishes images for, runs in the official image of its instance (and, when it
    names no log parser, gets SWE-bench's for the repository); any other task (the bundled
    suite, your own repositories) is built here. In an official image the row's test
    environment is active."""
    if task.image:
        image = (
            task.image
            if namespace is None
            else official.relocated(task.image, task.instance_id, namespace)
        )
    elif task.repo_path is None and (task.eval_script or official.has_official_images(task.repo)):
        ns = official.OFFICIAL_NAMESPACE if namespace is None else namespace
        image = official.image_name(task.instance_id, ns or None)
        task = replace(task, log_parser=task.log_parser or official.official_parser(task.repo))
    else:
        return task
    activate = task.environment.activate or official.activation(task.eval_script)
    return replace(task, image=image, environment=replace(task.environment, activate=activate))


def _read_source(source: str, path: Path, split: str) -> tuple[str, list[Any]]:
    """Rows of a file, a dataset folder, or a hub dataset. Hugging Face names look like paths
    ("owner/name"): only explicit paths and existing folders are local."""
    if path.is_dir():
        return str(path), _read_folder(path, split)
    if source.startswith(("/", ".", "~")) or path.suffix in LOCAL_SUFFIXES or path.exists():
        if not path.is_file():
            raise HarnessError(f"dataset file not found: {source}")
        return str(path), _read_file(path)
    name = official.dataset_name(source)
    if Path(name).is_dir():  # a copy laid out like the hub id, as SWE-bench's loader allows
        return name, _read_folder(Path(name), split)
    return name, _read_hub(name, split)


def _read_folder(path: Path, split: str) -> list[Any]:
    """A local Hugging Face dataset: `save_to_disk` output (one dataset, or one folder per
    split), or a folder laid out like a hub repository (`<split>.parquet`,
    `data/<split>-00000-of-00001.parquet`, ...)."""
    import datasets

    for saved in (path, path / split):
        if (saved / "dataset_dict.json").is_file() or (saved / "state.json").is_file():
            return _from_disk(saved, split)
    if (path / f"{split}.parquet").is_file():
        return _read_parquet(path / f"{split}.parquet")
    try:
        return list(datasets.load_dataset(str(path), split=split))
    except ValueError as exc:  # no such split, or nothing datasets can read
        raise HarnessError(
            f"cannot read dataset folder {path} (split {split!r}): {first_line(exc)}"
        ) from None
    except Exception as exc:  # pyarrow and datasets raise many kinds for a bad folder
        raise HarnessError(f"cannot read dataset folder {path}: {first_line(exc)}") from None


def _from_disk(path: Path, split: str) -> list[Any]:
    import datasets

    try:
        loaded = datasets.load_from_disk(str(path))
    except Exception as exc:  # a damaged folder raises many kinds
        raise HarnessError(f"cannot read dataset folder {path}: {first_line(exc)}") from None
    if isinstance(loaded, datasets.DatasetDict):
        if split not in loaded:
            raise HarnessError(
                f"dataset folder {path} has no split {split!r} (it has: {', '.join(loaded)})"
            )
        loaded = loaded[split]
    return list(loaded)


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
        data = parse_json(text)
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
                rows.append(parse_json(line))
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

    where = f"cannot load dataset {name!r} (split {split!r}) from the Hugging Face hub"
    if not datasets.config.HF_HUB_OFFLINE:
        # One quick look first: `datasets` itself retries an unreachable hub for half a minute.
        from huggingface_hub import HfApi

        try:
            HfApi().dataset_info(name, timeout=15)
        except Exception as exc:
            raise HarnessError(
                f"{where}: {first_line(exc, 200)} (no network? HF_HUB_OFFLINE=1 uses a cached "
                "copy; a local folder or .parquet file works too)"
            ) from None
    try:
        return list(datasets.load_dataset(name, split=split))
    except Exception as exc:  # the hub raises many kinds; all mean the same to the user
        raise HarnessError(f"{where}: {first_line(exc)}") from None
