"""The oracle bound: the best any router that picks one tier per task could do.

From paired runs of the two single-tier policies on the same tasks and seeds, the oracle
resolves a task when either tier did, and pays the cheaper tier's cost where both resolved
(where only one did, that one's cost; where neither did, the cheaper cost, since it fails
either way). A cascade is then judged by how much of the gap between the cheap tier and the
oracle it closes, and by the share of its model calls that went to the strong tier. RouteLLM
reports this for single prompts; here it is per agent run, on paired tasks. Costs are every
dollar a task cost, errored attempts run again included. A group with several results for a
task and seed (replicates, or runs under other configurations) has no one result to pair, and
is left out with a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from harness.reporting.collect import Collected
from harness.reporting.figures import Interval as Range
from harness.reporting.figures import OracleRow
from harness.reporting.outcomes import GroupKey, Outcome
from harness.reporting.stats import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    Columns,
    Interval,
    bootstrap,
)
from harness.reporting.tables import SYNTHETIC_MARK, money, percent

DEFAULT_TIERS = ("flash", "pro")
TaskKey = tuple[str, int]

# Columns of one paired task for the bootstrap: 1 where the policy, the cheap tier and the
# oracle resolved it.
POLICY, CHEAP, ORACLE = range(3)


@dataclass(frozen=True)
class OracleLine:
    """A policy (or the oracle itself) on the tasks it shares with both tier runs."""

    label: str
    tasks: int
    resolved: int
    cheap_resolved: int
    oracle_resolved: int
    cost_usd: float
    oracle_cost_usd: float
    strong_calls: int | None  # None: some rows did not record their calls
    calls: int
    gap_interval: Interval | None

    @property
    def gap_closed(self) -> float | None:
        """Share of the cheap tier's gap to the oracle this policy closes (1 = all of it)."""
        gap = self.oracle_resolved - self.cheap_resolved
        return (self.resolved - self.cheap_resolved) / gap if gap else None

    @property
    def strong_share(self) -> float | None:
        if self.strong_calls is None or not self.calls:
            return None
        return self.strong_calls / self.calls

    @property
    def cost_per_resolved(self) -> float | None:
        return self.cost_usd / self.resolved if self.resolved else None

    @property
    def pass_rate(self) -> float | None:
        return self.resolved / self.tasks if self.tasks else None

    @property
    def oracle_pass_rate(self) -> float | None:
        return self.oracle_resolved / self.tasks if self.tasks else None

    @property
    def oracle_cost_per_resolved(self) -> float | None:
        return self.oracle_cost_usd / self.oracle_resolved if self.oracle_resolved else None


def _resolved(outcome: Outcome) -> bool:
    return outcome.status == "resolved"


def oracle_choice(cheap: Outcome, strong: Outcome) -> Outcome:
    """The tier run the oracle picks for one task."""
    if _resolved(cheap) != _resolved(strong):
        return cheap if _resolved(cheap) else strong
    return cheap if (cheap.spent or 0.0) <= (strong.spent or 0.0) else strong


def _group(policy: str, synthetic: bool) -> GroupKey:
    return ((("policy", policy),), synthetic)


def _pairable(collected: Collected, group: GroupKey) -> bool:
    return group not in collected.mixed and group not in collected.replicated


def paired_tiers(
    collected: Collected,
    tiers: Sequence[str],
    synthetic: bool,
    tasks: set[str] | None = None,
) -> dict[TaskKey, tuple[Outcome, Outcome]]:
    """Tasks (instance_id, seed) that both tier runs graded (of `tasks`, when given); an
    error says nothing of a tier."""
    groups = [_group(tier, synthetic) for tier in tiers[:2]]
    if not all(_pairable(collected, group) for group in groups):
        return {}
    cheap = collected.outcomes.get(groups[0], {})
    strong = collected.outcomes.get(groups[1], {})
    return {
        key: (cheap[key], strong[key])
        for key in sorted(cheap.keys() & strong.keys())
        if cheap[key].status != "error"
        and strong[key].status != "error"
        and (tasks is None or key[0] in tasks)
    }


@dataclass(frozen=True)
class _Pairs:
    """The paired tier runs as arrays, one entry per (task, seed), for fast per-policy sums."""

    keys: list[TaskKey]
    cluster: NDArray[np.intp]  # index of the entry's task (instance id)
    clusters: int
    cheap: Columns  # 1 where the cheap tier resolved it
    oracle: dict[TaskKey, Outcome]
    oracle_won: Columns  # 1 where the oracle's choice resolved it
    oracle_cost: Columns

    @classmethod
    def of(cls, pairs: dict[TaskKey, tuple[Outcome, Outcome]]) -> _Pairs:
        index: dict[str, int] = {}
        cluster = [index.setdefault(instance_id, len(index)) for instance_id, _ in pairs]
        oracle = {key: oracle_choice(*pair) for key, pair in pairs.items()}
        return cls(
            keys=list(pairs),
            cluster=np.array(cluster, dtype=np.intp),
            clusters=len(index),
            cheap=np.array([_resolved(cheap) for cheap, _ in pairs.values()], dtype=np.float64),
            oracle=oracle,
            oracle_won=np.array([_resolved(o) for o in oracle.values()], dtype=np.float64),
            oracle_cost=np.array([o.spent or 0.0 for o in oracle.values()], dtype=np.float64),
        )


def oracle_lines(
    collected: Collected,
    tiers: Sequence[str] = DEFAULT_TIERS,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    tasks: set[str] | None = None,
    policies: bool = True,
) -> list[OracleLine]:
    """For synthetic and for real rows that hold both tier runs: the oracle, then (with
    `policies`) every policy against it, on `tasks` when given. Empty when there are no paired
    tier runs (or rows are grouped by something other than the policy)."""
    lines = []
    for synthetic in (True, False):
        pairs = paired_tiers(collected, tiers, synthetic, tasks)
        if not pairs:
            continue
        mark = SYNTHETIC_MARK if synthetic else ""
        prepared = _Pairs.of(pairs)
        label = f"oracle({'+'.join(tiers)}){mark}"
        lines.append(_line(label, prepared, prepared.oracle, resamples, seed))
        for (group, in_synthetic), outcomes in sorted(collected.outcomes.items()):
            policy = dict(group).get("policy")
            pairable = policies and _pairable(collected, (group, in_synthetic))
            if in_synthetic == synthetic and policy is not None and len(group) == 1 and pairable:
                lines.append(_line(policy + mark, prepared, outcomes, resamples, seed))
    return lines


def _line(
    label: str,
    pairs: _Pairs,
    outcomes: dict[TaskKey, Outcome],
    resamples: int,
    seed: int,
) -> OracleLine:
    """A policy on the paired tasks it graded too; intervals resample tasks (instance ids)
    with all their seeds."""
    own = [outcomes.get(key) for key in pairs.keys]
    mine = [o for o in own if o is not None and o.status != "error"]  # what it graded
    graded = np.array([o is not None and o.status != "error" for o in own], dtype=bool)
    won = np.zeros(len(own))
    won[graded] = [o.status == "resolved" for o in mine]
    cost = np.zeros(len(own))
    cost[graded] = [o.spent or 0.0 for o in mine]
    oracle_won, oracle_cost = pairs.oracle_won, pairs.oracle_cost
    known = all(o.calls or not o.cost_usd for o in mine)  # a row that paid but did not count
    columns = [
        np.bincount(pairs.cluster[graded], weights=values[graded], minlength=pairs.clusters)
        for values in (won, pairs.cheap, oracle_won)
    ]
    present = np.bincount(pairs.cluster[graded], minlength=pairs.clusters) > 0
    per_task = np.column_stack(columns).astype(np.float64)[present]
    [gap] = bootstrap(per_task, [_gap_statistic], resamples, seed)
    return OracleLine(
        label=label,
        tasks=int(graded.sum()),
        resolved=int(won[graded].sum()),
        cheap_resolved=int(pairs.cheap[graded].sum()),
        oracle_resolved=int(oracle_won[graded].sum()),
        cost_usd=float(cost[graded].sum()),
        oracle_cost_usd=float(oracle_cost[graded].sum()),
        strong_calls=sum(o.strong_calls for o in mine) if known else None,
        calls=sum(o.calls for o in mine),
        gap_interval=gap,
    )


def _gap_statistic(totals: Columns) -> Columns:
    gap = totals[:, ORACLE] - totals[:, CHEAP]
    closed = totals[:, POLICY] - totals[:, CHEAP]
    return np.where(gap > 0, closed / np.where(gap > 0, gap, 1), np.nan)


ORACLE_HEADERS = [
    "policy",
    "paired tasks",
    "pass rate",
    "cheap tier",
    "oracle",
    "gap closed (95% CI)",
    "cost/resolved",
    "oracle cost/resolved",
    "strong-tier calls",
]


def _gap_text(line: OracleRow) -> str:
    if line.gap_closed is None:
        return "-"
    low_high = line.gap_closed_interval
    spread = "" if low_high is None else f" ({percent(low_high.low)} to {percent(low_high.high)})"
    return percent(line.gap_closed) + spread


def oracle_rows(lines: list[OracleRow]) -> list[list[str]]:
    return [
        [
            line.label,
            str(line.tasks),
            percent(line.pass_rate),
            percent(line.cheap_pass_rate),
            percent(line.oracle_pass_rate),
            _gap_text(line),
            money(line.cost_per_resolved_usd),
            money(line.oracle_cost_per_resolved_usd),
            percent(line.strong_call_share),
        ]
        for line in lines
    ]


def oracle_notes(collected: Collected, tiers: Sequence[str]) -> list[str]:
    """Groups the oracle table leaves out, and why."""
    notes = []
    for group, synthetic in sorted(collected.mixed | collected.replicated):
        policy = dict(group).get("policy")
        if policy is not None and len(group) == 1:
            mark = SYNTHETIC_MARK if synthetic else ""
            role = "so there is no oracle" if policy in tiers[:2] else "so it is left out"
            notes.append(
                f"note: oracle: {policy}{mark} has several results for a task and seed "
                f"(replicates or runs under other configurations), and the oracle pairs one "
                f"result per task and seed, {role}"
            )
    return notes


def _interval(bounds: Interval | None) -> Range | None:
    return None if bounds is None else Range(low=bounds[0], high=bounds[1])


def oracle_row(line: OracleLine) -> OracleRow:
    def per_task(cost: float) -> float | None:
        return cost / line.tasks if line.tasks else None

    return OracleRow(
        label=line.label,
        tasks=line.tasks,
        pass_rate=line.pass_rate,
        cheap_pass_rate=line.cheap_resolved / line.tasks if line.tasks else None,
        oracle_pass_rate=line.oracle_pass_rate,
        gap_closed=line.gap_closed,
        gap_closed_interval=_interval(line.gap_interval),
        cost_per_task_usd=per_task(line.cost_usd),
        cost_per_resolved_usd=line.cost_per_resolved,
        oracle_cost_per_task_usd=per_task(line.oracle_cost_usd),
        oracle_cost_per_resolved_usd=line.oracle_cost_per_resolved,
        strong_call_share=line.strong_share,
    )
