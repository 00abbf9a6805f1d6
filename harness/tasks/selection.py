"""Choosing part of a task source: ids, a regex, a slice, a shard."""

from __future__ import annotations

import re

from harness import HarnessError
from harness.tasks.task import Task


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
    """ "I/N", 1-based: shard I of N."""
    try:
        index, count = (int(p) for p in text.split("/"))
    except ValueError:
        raise HarnessError(f"--shard {text!r}: expected I/N, e.g. 2/4") from None
    if not 1 <= index <= count:
        raise HarnessError(f"--shard {text!r}: I must be between 1 and N")
    return index, count


def select_tasks(
    tasks: list[Task],
    instance_ids: list[str] | None = None,
    pattern: str | None = None,
    slice_text: str | None = None,
    shard: str | None = None,
) -> list[Task]:
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
        tasks = ordered[index - 1 :: count]
    return tasks
