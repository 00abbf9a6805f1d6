"""The one set of numbers every report shows, whether for a group of rows or for one side of a
paired comparison: totals, the rates derived from them, and their intervals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from harness.pricing import Usage
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
# rows, resolved rows, and dollars spent on it (every attempt).
ROWS, GRADED, RESOLVED, COST = range(4)


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
    cost_usd: float = 0.0
    uncosted: int = 0  # rows whose cost is unknown (graded predictions made elsewhere)
    error_cost_usd: float = 0.0
    retried: int = 0  # error attempts that a later attempt replaced
    lost_attempts: int = 0  # attempts lost (a node died, a run stopped) and run again
    lost_cost_usd: float = 0.0
    unrecorded: int = 0  # attempts that reached no row, their spend read from the journal
    unrecorded_cost_usd: float = 0.0
    # calls whose usage is not as the provider reported it (see pricing.UsageSource)
    adjusted_calls: int = 0
    estimated_calls: int = 0
    unknown_calls: int = 0
    suspicious: int = 0  # rows whose patch changed how tests run (put back before grading)
    suspicious_resolved: int = 0
    escalations: int = 0
    turns: int = 0
    token_sums: dict[Tier, list[int]] = field(default_factory=dict, repr=False)
    cost_by_tier: dict[Tier, float] = field(default_factory=dict)
    calls: dict[Tier, int] = field(default_factory=dict)
    uncounted_calls: int = 0  # rows written before calls were recorded
    per_task: dict[str, list[float]] = field(default_factory=dict, repr=False)
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
        task = self.per_task.get(row.instance_id)
        if task is None:
            task = self.per_task[row.instance_id] = [0.0, 0.0, 0.0, 0.0]
        task[ROWS] += 1
        task[GRADED] += not error
        task[RESOLVED] += resolved
        lost = row.lost_cost_usd
        task[COST] += (cost or 0.0) + lost
        self.tasks += 1
        self.resolved += resolved
        self.errors += error
        if row.suspicious:
            self.suspicious += 1
            self.suspicious_resolved += resolved
        if cost is None:
            self.uncosted += 1
        else:
            self.cost_usd += cost
            if error:
                self.error_cost_usd += cost
        if row.lost_attempts:
            self.lost_attempts += row.lost_attempts
            self.lost_cost_usd += lost
            self.cost_usd += lost
            self.error_cost_usd += lost
        self.adjusted_calls += row.adjusted_calls
        self.estimated_calls += row.estimated_calls
        self.unknown_calls += row.unknown_calls
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
        for tier, cost in row.cost_by_tier.items():
            self.cost_by_tier[tier] = self.cost_by_tier.get(tier, 0.0) + cost
        for tier, calls in row.calls.items():
            self.calls[tier] = self.calls.get(tier, 0) + calls
        if row.turns and not row.calls:
            self.uncounted_calls += 1

    def add_unrecorded(self, instance_id: str, calls: Sequence[ModelCall]) -> None:
        """The spend of an attempt that never reached a row (its run stopped, and the task
        was not run again): in the total and the error cost, as a lost attempt's; not a
        task."""
        spent = sum(call.cost_usd for call in calls)
        task = self.per_task.setdefault(instance_id, [0.0, 0.0, 0.0, 0.0])
        task[COST] += spent
        self.unrecorded += 1
        self.unrecorded_cost_usd += spent
        self.cost_usd += spent
        self.error_cost_usd += spent
        for call in calls:
            self.cost_by_tier[call.tier] = self.cost_by_tier.get(call.tier, 0.0) + call.cost_usd
            self.calls[call.tier] = self.calls.get(call.tier, 0) + 1
            self.adjusted_calls += call.usage_source == "adjusted"
            self.estimated_calls += call.usage_source == "estimated"
            self.unknown_calls += call.usage_source == "unknown"

    @property
    def inexact_calls(self) -> int:
        """Calls whose usage is adjusted, estimated or unknown: totals built on them are
        estimates."""
        return self.adjusted_calls + self.estimated_calls + self.unknown_calls

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
                list(self.per_task.values()),
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
        return (self.cost_usd - self.error_cost_usd) / self.resolved

    @property
    def escalation_rate(self) -> float | None:
        return self.escalations / self.turns if self.turns else None
