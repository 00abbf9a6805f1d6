"""One side of a paired comparison: the task results of one policy (or one group of a
report) and everything it spent, from a results file or from rows already read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import HarnessError
from harness.reporting.collect import Collected, Collector
from harness.reporting.metrics import Metrics
from harness.reporting.outcomes import GroupKey, Outcome
from harness.reporting.tables import listed

TaskKey = tuple[str, int]


@dataclass(frozen=True)
class SideRows:
    """One side's task results (after reruns replaced their errors) and all it spent."""

    name: str
    policy: str
    synthetic: bool
    outcomes: dict[TaskKey, Outcome]
    spent: Metrics
    notes: tuple[str, ...] = ()
    price_tables: dict[str, set[str]] = field(default_factory=dict)  # version -> contents


def side_of(name: str, collected: Collected, policy: str | None = None) -> SideRows:
    """The rows of one policy: a comparison pairs tasks, and a file with two policies would
    pair a task with itself under another policy."""
    policies = {dict(group)["policy"] for group, _ in collected.groups}
    if policy is None and len(policies) > 1:
        raise HarnessError(
            f"{name} holds rows of {len(policies)} policies ({listed(policies)});"
            " choose one with the policy option (see --help)"
        )
    chosen = policy or next(iter(policies), "")
    groups = [key for key in collected.groups if dict(key[0])["policy"] == chosen]
    if not groups:
        raise HarnessError(f"{name} holds no rows of policy {chosen!r} (it has {listed(policies)})")
    for several, what in (
        (collected.mixed, "under several configurations for a task (runs added with --append-run)"),
        (collected.replicated, "replicated: several for a task, seed and configuration"),
    ):
        if several.intersection(groups):
            raise HarnessError(
                f"{name} holds results of policy {chosen} {what}, and a "
                "comparison needs one result per task and seed: give a file of one run "
                "(`report --group-by run_id` shows the runs)"
            )
    outcomes: dict[TaskKey, Outcome] = {}
    spent = Metrics()
    for key in sorted(groups):
        outcomes.update(collected.outcomes[key])
        spent.absorb(collected.groups[key])
    synthetic = any(synthetic for _, synthetic in groups)
    notes = [
        *collected.notes,
        *(n for key in sorted(groups) for n in collected.group_notes.get(key, ())),
    ]
    return SideRows(name, chosen, synthetic, outcomes, spent, tuple(notes), collected.price_tables)


def group_side(collected: Collected, group: GroupKey, label: str) -> SideRows | None:
    """One group of a report as a side of a comparison; None when it has no one result per
    task and seed to pair."""
    if group in collected.mixed or group in collected.replicated:
        return None
    policy = dict(group[0]).get("policy", label)
    spent = Metrics()
    spent.absorb(collected.groups[group])
    return SideRows(label, policy, group[1], collected.outcomes[group], spent)


def read_side(path: Path, policy: str | None, warn: Any) -> SideRows:
    collector = Collector(("policy",), warn)
    if not collector.read(path):
        raise HarnessError(f"{path} holds no result rows")
    return side_of(str(path), collector.finish(), policy)


def rows_side(name: str, rows: Iterable[Any], policy: str | None = None) -> SideRows:
    collector = Collector(("policy",))
    collector.feed(name, rows)
    return side_of(name, collector.finish(), policy)
