"""Resuming a results file: which tasks are done, and when a file must not be resumed.

A row counts as done for a run only when everything that can change its result is the same:
the policy's rules, the backend, the models, their request options, the price table, the
agent's limits, the prompts, the sandbox settings, and the task itself (its content hash, so
that another dataset with the same instance ids is not "done"). A file holding rows of the run's
policy under another configuration is refused with the first difference named, unless the user
asks to append a new run to it; then only rows of the same configuration count as done.

A value a row does not record (rows of an older harness) is not compared: there is nothing to
compare it with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness import HarnessError
from harness.results.row import ResultRow, RowKey, RunIdentity
from harness.results.store import iter_rows
from harness.tasks import Task


def _text(value: Any) -> str:
    """A recorded value as a user reads it; requests options left at the provider's default
    (None) are not shown, so rows written before an option existed compare equal."""
    if isinstance(value, dict):
        shown = {k: v for k, v in sorted(value.items()) if v is not None}
        return ", ".join(f"{k}={json.dumps(v)}" for k, v in shown.items()) or "-"
    return str(value)


def configuration(record: ResultRow | RunIdentity | Any) -> dict[str, str]:
    """What changes a result, by the names the error messages use; "" for not recorded."""
    settings = record.settings
    return {
        "policy rules": record.policy_hash,
        "backend": record.backend,
        "models": _text(settings.models) if settings.models else "",
        "model options": _text(settings.model_options) if settings.model_options else "",
        "price table": record.price_table,
        "price table content": record.price_table_hash,
        "limits": _text(settings.limits) if settings.limits else "",
        "prompts": settings.prompt_hash,
        "sandbox settings": _text(settings.sandbox) if settings.sandbox else "",
    }


def may_be_the_same(a: dict[str, str], b: dict[str, str]) -> bool:
    """Whether two configurations can be one: no value that both record differs."""
    return all(a[name] == b[name] or not (a[name] and b[name]) for name in a)


def differences(row: ResultRow, identity: RunIdentity, task_hash: str | None) -> list[str]:
    """How a row's configuration differs from this run's, in words; empty when it does not."""
    theirs, mine = configuration(row), configuration(identity)
    found = [
        f"{name} {theirs[name]} in the file, {mine[name]} in this run"
        for name in mine
        if theirs[name] and theirs[name] != mine[name]
    ]
    if task_hash and row.task_hash and row.task_hash != task_hash:
        found.append(
            f"task content of {row.instance_id} differs (another dataset with the same "
            "instance ids?)"
        )
    return found


def written(path: Path, retry_errors: bool = False) -> set[RowKey]:
    """The keys of every task a file holds a row of (those whose last row is an error left
    out with `retry_errors`): what a grading run, whose rows carry no run configuration,
    skips."""
    if not path.exists():
        return set()
    return _skipped({row.key: row.status for row in iter_rows(path, ResultRow)}, retry_errors)


def finished(
    path: Path,
    identity: RunIdentity,
    tasks: Iterable[Task],
    retry_errors: bool = False,
    append_run: bool = False,
) -> set[RowKey]:
    """The keys (instance_id, policy, seed) of the tasks a run on `path` skips; a file
    holding rows of this policy under another configuration is a HarnessError unless
    `append_run`. Every row counts, not only the last of each task: a file may hold
    several appended runs, and each resumes its own rows."""
    if not path.exists():
        return set()
    hashes = {task.instance_id: task.content_hash for task in tasks}
    rows = list(iter_rows(path, ResultRow))  # a malformed line is the first thing to say
    latest: dict[RowKey, str] = {}  # the status of each task's last row of this configuration
    for row in rows:
        if row.policy != identity.policy:
            continue  # another policy's rows never count as this run's, nor mix with them
        changed = differences(row, identity, hashes.get(row.instance_id))
        if changed and not append_run:
            more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
            raise HarnessError(
                f"{path} holds rows of policy {identity.policy} from another run: "
                f"{changed[0]}{more}; give another --output, or --append-run to add this "
                "run's rows to the file"
            )
        if not changed:
            latest[row.key] = row.status
    return _skipped(latest, retry_errors)


def _skipped(latest: dict[RowKey, str], retry_errors: bool) -> set[RowKey]:
    """Tasks done, given the status of each one's last row: all, or with `retry_errors`
    those whose last attempt did not end in an error."""
    return {key for key, status in latest.items() if not (retry_errors and status == "error")}
