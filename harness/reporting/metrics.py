"""The one set of numbers every report shows, whether for a group of rows or for one side of a
paired comparison: totals, the rates derived from them, and their intervals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from harness.pricing import Usage
from harness.reporting.dollars import dollars, units
from harness.reporting.stats import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    Interval,
    bootstrap,
    ratio_of,
    wilson_interval,
)
from harness.results.row import ReportedRow
from harness.results.trajectory import ModelCall
from harness.tiers import Tier

# Columns of a task's totals, for the cluster bootstrap: its rows (repeats and seeds), graded
# rows, resolved rows, dollars spent on it (every attempt; in exact units, see dollars.py),
# and rows whose cost is unknown.
ROWS, GRADED, RESOLVED, COST, UNCOSTED = range(5)


@dataclass
class Intervals:
    """95% cluster-bootstrap intervals (tasks resampled whole, with all their rows)."""

    pass_rate: Interval | None
    cost_per_task: Interval | None
    cost_per_resolved: Interval | None


@dataclass
class Metrics:
    """Totals over a set of rows, and the rates derived from them.

    A task counts once per row that finished it (seeds and repeats each count); an attempt
    that ended in an error and was run again (--rerun-errors) no longer counts as a task, but
    its cost stays in the spend: `cost_usd` is every dollar spent, `error_cost_usd` the part
    spent on attempts that ended in an error. Attempts that were lost (their node died in a
    Ray run, or their run stopped) and run again are such attempts too: their known spend is in
    both, and in `lost_cost_usd`; so is the spend of attempts that reached no row at all, read
    from the spend journal (`unrecorded_cost_usd`)."""

    tasks: int = 0
    resolved: int = 0
    errors: int = 0
    uncosted: int = 0  # rows whose cost is unknown (graded predictions made elsewhere)
    retried: int = 0  # error attempts that a later attempt replaced
    lost_attempts: int = 0  # attempts lost (a node died, a run stopped) and run again
    unrecorded: int = 0  # attempts that reached no row, their spend read from the journal
    # calls whose usage is not as the provider reported it (see pricing.UsageSource)
    adjusted_calls: int = 0
    estimated_calls: int = 0
    unknown_calls: int = 0
    suspicious: int = 0  # rows whose patch changed how tests run (put back before grading)
    suspicious_resolved: int = 0
    escalations: int = 0
    turns: int = 0
    token_sums: dict[Tier, list[int]] = field(default_factory=dict, repr=False)
    calls: dict[Tier, int] = field(default_factory=dict)
    uncounted_calls: int = 0  # rows written before calls were recorded
    per_task: dict[str, list[int]] = field(default_factory=dict, repr=False)
    # dollars in exact units (see dollars.py), so that totals do not depend on row order
    cost_units: int = 0
    error_units: int = 0
    lost_units: int = 0
    unrecorded_units: int = 0
    tier_units: dict[Tier, int] = field(default_factory=dict, repr=False)
    _intervals: dict[tuple[int, int, int], Intervals] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def of(cls, rows: Iterable[ReportedRow]) -> Metrics:
        metrics = cls()
        for row in rows:
            metrics.add(row)
        return metrics

    def add(self, row: ReportedRow) -> None:
        # one pass, few look-ups: reports add 100,000 rows in well under a second
        status, cost = row.status, row.cost_usd
        resolved, error = status == "resolved", status == "error"
        spent, lost = units(cost), units(row.lost_cost_usd)
        task = self.per_task.get(row.instance_id)
        if task is None:
            task = self.per_task[row.instance_id] = [0, 0, 0, 0, 0]
        task[ROWS] += 1
        task[GRADED] += not error
        task[RESOLVED] += resolved
        task[COST] += spent + lost
        self.tasks += 1
        self.resolved += resolved
        self.errors += error
        if row.suspicious:
            self.suspicious += 1
            self.suspicious_resolved += resolved
        if cost is None:
            self.uncosted += 1
            task[UNCOSTED] += 1
        self.cost_units += spent + lost
        self.error_units += lost + (spent if error else 0)
        if row.lost_attempts:
            self.lost_attempts += row.lost_attempts
            self.lost_units += lost
        if row.inexact_calls:
            inexact = row.inexact_calls
            self.adjusted_calls += inexact.get("adjusted", 0)
            self.estimated_calls += inexact.get("estimated", 0)
            self.unknown_calls += inexact.get("unknown", 0)
        self.escalations += row.escalations
        self.turns += row.turns
        for tier, usage in row.tokens.items():
            sums = self.token_sums.get(tier)
            if sums is None:
                sums = self.token_sums[tier] = [0, 0, 0, 0]
            sums[0] += usage.cache_hit
            sums[1] += usage.cache_miss
            sums[2] += usage.output
            sums[3] += usage.reasoning
        for tier, tier_cost in row.cost_by_tier.items():
            self.tier_units[tier] = self.tier_units.get(tier, 0) + units(tier_cost)
        for tier, calls in row.calls.items():
            self.calls[tier] = self.calls.get(tier, 0) + calls
        if row.turns and not row.calls:
            self.uncounted_calls += 1

    def absorb(self, other: Metrics) -> None:
        """Add another group's spend (not its tasks): what one side of a comparison spent."""
        self.cost_units += other.cost_units
        self.error_units += other.error_units
        self.lost_units += other.lost_units
        self.uncosted += other.uncosted
        self.retried += other.retried
        self.lost_attempts += other.lost_attempts
        self.unrecorded += other.unrecorded
        self.unrecorded_units += other.unrecorded_units
        self.adjusted_calls += other.adjusted_calls
        self.estimated_calls += other.estimated_calls
        self.unknown_calls += other.unknown_calls

    def add_unrecorded(self, instance_id: str, calls: Sequence[ModelCall]) -> None:
        """The spend of an attempt that never reached a row (its run stopped, and the task
        was not run again): in the total and the error cost, as a lost attempt's; not a
        task."""
        spent = sum(units(call.cost_usd) for call in calls)
        task = self.per_task.setdefault(instance_id, [0, 0, 0, 0, 0])
        task[COST] += spent
        self.unrecorded += 1
        self.unrecorded_units += spent
        self.cost_units += spent
        self.error_units += spent
        for call in calls:
            tier_cost = units(call.cost_usd)
            self.tier_units[call.tier] = self.tier_units.get(call.tier, 0) + tier_cost
            self.calls[call.tier] = self.calls.get(call.tier, 0) + 1
            self.adjusted_calls += call.usage_source == "adjusted"
            self.estimated_calls += call.usage_source == "estimated"
            self.unknown_calls += call.usage_source == "unknown"

    @property
    def inexact_calls(self) -> int:
        """Calls whose usage is adjusted, estimated or unknown: totals built on them are
        estimates."""
        return self.adjusted_calls + self.estimated_calls + self.unknown_calls

    def restricted(self, tasks: set[str]) -> Metrics:
        """The totals of some of the tasks (pass rate, errors, cost), for comparing groups on
        the tasks they share."""
        kept = {task: list(self.per_task[task]) for task in sorted(tasks & self.per_task.keys())}
        totals = [sum(column) for column in zip(*kept.values())] or [0] * 5
        return Metrics(
            tasks=totals[ROWS],
            resolved=totals[RESOLVED],
            errors=totals[ROWS] - totals[GRADED],
            uncosted=totals[UNCOSTED],
            per_task=kept,
            cost_units=totals[COST],
        )

    def retire(self, instance_id: str, status: str) -> None:
        """A row that a later attempt at the same task replaced: its task no longer counts,
        its spend (and the tokens and calls behind it) does."""
        resolved, error = status == "resolved", status == "error"
        self.tasks -= 1
        self.resolved -= resolved
        self.errors -= error
        self.retried += error
        task = self.per_task[instance_id]
        task[ROWS] -= 1
        task[GRADED] -= not error
        task[RESOLVED] -= resolved

    def task_columns(self) -> list[list[float]]:
        """Each task's totals in dollars, in the order of their ids: the bootstrap resamples
        them by position, so the order must not depend on the order rows were read in."""
        return [
            [task[ROWS], task[GRADED], task[RESOLVED], dollars(task[COST]), task[UNCOSTED]]
            for _, task in sorted(self.per_task.items())
        ]

    @property
    def cost_usd(self) -> float:
        """Every dollar spent, errored and lost attempts included (unknown costs as 0)."""
        return dollars(self.cost_units)

    @property
    def error_cost_usd(self) -> float:
        return dollars(self.error_units)

    @property
    def lost_cost_usd(self) -> float:
        return dollars(self.lost_units)

    @property
    def unrecorded_cost_usd(self) -> float:
        return dollars(self.unrecorded_units)

    @property
    def cost_by_tier(self) -> dict[Tier, float]:
        return {tier: dollars(total) for tier, total in sorted(self.tier_units.items())}

    @property
    def tokens(self) -> dict[Tier, Usage]:
        """Tokens by model tier (summed as plain numbers: a Usage per row is slow)."""
        return {tier: Usage(*sums) for tier, sums in sorted(self.token_sums.items())}

    @property
    def graded(self) -> int:
        """Tasks that count for the pass rate: infrastructure errors are not failures."""
        return self.tasks - self.errors

    @property
    def pass_rate(self) -> float | None:
        return self.resolved / self.graded if self.graded else None

    @property
    def repeated(self) -> int:
        """Tasks with more than one row (seeds or repeats): their rows are not independent."""
        return sum(1 for task in self.per_task.values() if task[ROWS] > 1)

    @property
    def interval(self) -> Interval:
        """95% interval of the pass rate: Wilson's when every task has one row; with
        repeats, the cluster bootstrap over tasks, which Wilson (counting rows as
        independent) would make too narrow."""
        if not self.repeated:
            return wilson_interval(self.resolved, self.graded)
        return self.intervals().pass_rate or (0.0, 1.0)

    def intervals(
        self, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
    ) -> Intervals:
        """Cluster-bootstrap intervals of the pass rate and both costs per task."""
        cache_key = (resamples, seed, self.tasks)
        if cache_key not in self._intervals:
            found = bootstrap(
                self.task_columns(),
                [ratio_of(RESOLVED, GRADED), ratio_of(COST, ROWS), ratio_of(COST, RESOLVED)],
                resamples,
                seed,
            )
            self._intervals[cache_key] = Intervals(*found)
        return self._intervals[cache_key]

    @property
    def total_cost(self) -> float | None:
        """None when some row's cost is unknown: a partial sum would pass for the whole."""
        return None if self.uncosted else self.cost_usd

    @property
    def cost_per_task(self) -> float | None:
        return self.cost_usd / self.tasks if self.tasks and not self.uncosted else None

    @property
    def cost_per_resolved(self) -> float | None:
        """Every dollar spent, errored attempts included, per resolved task."""
        return self.cost_usd / self.resolved if self.resolved and not self.uncosted else None

    @property
    def graded_cost_per_resolved(self) -> float | None:
        """Dollars spent on attempts that were graded, per resolved task: what the policy
        costs when the infrastructure works."""
        if not self.resolved or self.uncosted:
            return None
        return dollars(self.cost_units - self.error_units) / self.resolved

    @property
    def escalation_rate(self) -> float | None:
        return self.escalations / self.turns if self.turns else None
