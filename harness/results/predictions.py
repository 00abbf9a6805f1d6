"""SWE-bench predictions: reading them (any file the official harness reads, and results files,
which are a superset), writing them per policy, and the official run report's shape.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import HarnessError
from harness.files import parse_json
from harness.results import ResultRow
from harness.results.attempts import Attempt, Configurations, attempt_order, row_identity


@dataclass(frozen=True)
class Prediction:
    instance_id: str
    model_name_or_path: str
    model_patch: str  # "" for an empty or null patch


def _records(path: Path) -> list[tuple[str, Any]]:
    """(where, record) for every prediction in a JSON list, a JSON object keyed by
    instance_id (as mini-swe-agent writes), or JSONL."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HarnessError(f"predictions file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HarnessError(f"cannot read predictions {path}: {exc}") from None
    try:
        data = parse_json(text)
    except json.JSONDecodeError:
        data = None
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((f"{path}: line {number}", parse_json(line)))
            except json.JSONDecodeError as exc:
                raise HarnessError(f"{path}: line {number}: invalid JSON ({exc.msg})") from None
        return records
    if isinstance(data, dict) and all(isinstance(v, dict) for v in data.values()):
        return [(f"{path}: {key!r}", {"instance_id": key, **value}) for key, value in data.items()]
    if isinstance(data, dict):  # a one-line JSONL file
        return [(f"{path}: line 1", data)]
    if isinstance(data, list):
        return [(f"{path}: item {i + 1}", item) for i, item in enumerate(data)]
    raise HarnessError(f"{path}: expected predictions as a list, an object or JSON lines")


def read_predictions(path: Path) -> list[Prediction]:
    """Every prediction of a file; a prediction without a model name takes the file's name.
    The same task twice for one model is an error: which one to grade would be a guess."""
    predictions, seen = [], set()
    for where, record in _records(path):
        if not isinstance(record, dict):
            raise HarnessError(f"{where}: a prediction must be a JSON object")
        instance_id = record.get("instance_id")
        if not isinstance(instance_id, str) or not instance_id:
            raise HarnessError(f"{where}: no instance_id")
        patch = record.get("model_patch")
        if patch is not None and not isinstance(patch, str):
            raise HarnessError(f"{where}: model_patch must be a string or null")
        model = record.get("model_name_or_path") or path.stem
        if not isinstance(model, str):
            raise HarnessError(f"{where}: model_name_or_path must be a string")
        if (instance_id, model) in seen:
            raise HarnessError(f"{where}: a second prediction for {instance_id} by {model}")
        seen.add((instance_id, model))
        predictions.append(Prediction(instance_id, model, patch or ""))
    if not predictions:
        raise HarnessError(f"{path} holds no predictions")
    return predictions


def export_groups(rows: Iterable[ResultRow]) -> dict[str, list[ResultRow]]:
    """Rows split into files the official harness can load, since its loader keeps one
    prediction per task: one file per policy (and per seed when a policy ran with several,
    per configuration when runs of several were added to one file, and per replicate when a
    task was run again under one configuration), holding the result of each task as
    harness/results/attempts.py defines it. The key is the file-name part."""
    configurations = Configurations()
    seen: set[int] = set()
    tasks: dict[tuple[str, int], dict[str, list[Attempt[ResultRow]]]] = defaultdict(dict)
    for row in rows:
        identity = row_identity(row)
        if identity not in seen:  # the very same row twice is one
            seen.add(identity)
            attempt = Attempt(
                configurations.of(row), row.task_hash, row.status, attempt_order(row), row
            )
            tasks[(row.policy, row.seed)].setdefault(row.instance_id, []).append(attempt)
    seeds: dict[str, int] = defaultdict(int)
    for policy, _ in tasks:
        seeds[policy] += 1
    groups = {}
    for (policy, seed), by_task in sorted(tasks.items()):
        name = policy if seeds[policy] == 1 else f"{policy}.seed{seed}"
        files = _files(configurations, by_task)
        for (config, replicate), chosen in sorted(files.items()):
            part = name
            if len({c for c, _ in files}) > 1:
                part += f".config{config + 1}"
            if any(r for _, r in files):
                part += f".replicate{replicate + 1}"
            groups[safe_name(part)] = [chosen[task] for task in sorted(chosen)]
    return groups


def _files(
    configurations: Configurations, by_task: dict[str, list[Attempt[ResultRow]]]
) -> dict[tuple[int, int], dict[str, ResultRow]]:
    """(configuration number, replicate number) -> the rows of one file, by instance id.
    Configurations are numbered in an order that does not depend on the order of rows."""
    resolved = {task: configurations.resolve(attempts) for task, attempts in by_task.items()}
    # numbered by the configuration alone: every task run under it goes into the same file
    keys = sorted(
        {configurations.order_key(c[0].config) for r in resolved.values() for c in r.configurations}
    )
    files: dict[tuple[int, int], dict[str, ResultRow]] = defaultdict(dict)
    for task, resolution in resolved.items():
        for attempts, results in zip(resolution.configurations, resolution.results):
            number = keys.index(configurations.order_key(attempts[0].config))
            for replicate, result in enumerate(results):
                files[(number, replicate)][task] = result.item
    return files


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text)


def prediction_line(row: ResultRow) -> str:
    record = {
        "instance_id": row.instance_id,
        "model_name_or_path": row.model_name_or_path,
        "model_patch": row.model_patch,
    }
    return json.dumps(record, ensure_ascii=False)


def run_report(
    rows: list[ResultRow], predictions: list[Prediction], dataset_ids: list[str]
) -> dict[str, Any]:
    """The official harness's run report (`make_run_report`, schema version 2) for one model:
    `completed` are the graded tasks, `error` the ones whose grading failed for a reason that is
    not the patch's; `suspicious` ids are added, counted apart."""
    ids = {
        status: sorted(r.instance_id for r in rows if r.status == status)
        for status in ("resolved", "unresolved", "empty_patch", "error")
    }
    submitted = sorted({p.instance_id for p in predictions})
    reasons = {r.instance_id: r.status_reason for r in rows if r.status == "error"}
    suspicious = {r.instance_id: r.suspicious for r in rows if r.suspicious}
    completed = sorted(ids["resolved"] + ids["unresolved"])
    return {
        "total_instances": len(dataset_ids),
        "submitted_instances": len(submitted),
        "completed_instances": len(completed),
        "resolved_instances": len(ids["resolved"]),
        "unresolved_instances": len(ids["unresolved"]),
        "infra_failure_instances": len(ids["error"]),
        "ambiguous_failure_instances": 0,
        "empty_patch_instances": len(ids["empty_patch"]),
        "error_instances": len(ids["error"]),
        "suspicious_instances": len(suspicious),
        "completed_ids": completed,
        "incomplete_ids": sorted(set(dataset_ids) - set(submitted)),
        "empty_patch_ids": ids["empty_patch"],
        "submitted_ids": submitted,
        "resolved_ids": ids["resolved"],
        "unresolved_ids": ids["unresolved"],
        "infra_failure_ids": ids["error"],
        "ambiguous_failure_ids": [],
        "failure_reasons": dict(sorted(reasons.items())),
        "error_ids": ids["error"],
        "suspicious_ids": sorted(suspicious),
        "suspicious_reasons": dict(sorted(suspicious.items())),
        "schema_version": 2,
    }
