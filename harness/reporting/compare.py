"""The paired comparison of two runs: who resolved what, each side's metrics on the paired
tasks (every dollar each task cost, errored attempts run again included), the exact McNemar
test with the exact interval that agrees with it, cluster-bootstrap intervals of the cost
differences, and whether a difference is more than noise (and if not, how many tasks would
show it)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from harness.pricing import Inexact, Usage
from harness.reporting.metrics import Metrics
from harness.reporting.outcomes import Outcome
from harness.reporting.sides import SideRows, TaskKey
from harness.reporting.stats import (
    ALPHA,
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    Columns,
    Interval,
    bootstrap,
    paired_difference_interval,
    paired_tasks_needed,
    sign_flip_exact,
    tasks_needed,
)
from harness.reporting.tables import SYNTHETIC_MARK
from harness.results import Status
from harness.tiers import Tier


@dataclass(frozen=True)
class Pair:
    instance_id: str
    seed: int
    a: Outcome
    b: Outcome

    @property
    def won_a(self) -> bool:
        return self.a.status == "resolved"

    @property
    def won_b(self) -> bool:
        return self.b.status == "resolved"


@dataclass(frozen=True)
class _Paired:
    """An outcome as a row, so that a side's metrics on the paired tasks are Metrics."""

    instance_id: str
    status: Status
    cost_usd: float | None
    suspicious: str = ""
    escalations: int = 0
    turns: int = 0
    tokens: dict[Tier, Usage] = field(default_factory=dict)
    cost_by_tier: dict[Tier, float] = field(default_factory=dict)
    calls: dict[Tier, int] = field(default_factory=dict)
    lost_attempts: int = 0
    lost_cost_usd: float = 0.0  # here: the task's errored attempts, run again, and lost ones
    # calls not billed as reported are counted in the side's spend, not in its pairs
    inexact_calls: dict[Inexact, int] = field(default_factory=dict)


def _metrics(pairs: list[Pair], side: str) -> Metrics:
    """A side's metrics on the paired tasks: total cost counts every attempt at them."""
    outcomes = [(p.instance_id, p.a if side == "a" else p.b) for p in pairs]
    return Metrics.of(
        _Paired(task, o.status, o.cost_usd, lost_cost_usd=o.error_cost_usd) for task, o in outcomes
    )


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its file, what it holds, and its metrics on the pairs."""

    name: str
    policy: str
    synthetic: bool
    errors: int  # error rows: left out of the pairing, never counted as failures
    unpaired: int  # rows without a partner on the other side (missing, or an error there)
    metrics: Metrics
    spent: Metrics  # everything the side's file spent, errored attempts included

    @property
    def label(self) -> str:
        return f"policy {self.policy}" + (f"{SYNTHETIC_MARK}, synthetic" if self.synthetic else "")


def cost_per_resolved_ratio(
    cost_a: float, won_a: float, cost_b: float, won_b: float
) -> float | None:
    """B's cost per resolved task over A's. Resolving nothing makes a side's cost per
    resolved task unbounded: B resolving nothing gives inf, A resolving nothing gives 0, both
    gives None (undefined)."""
    [value] = _ratio(np.array([[0.0, won_a, won_b, cost_a, cost_b]])).tolist()
    return None if math.isnan(value) else float(value)


# Columns of one task's paired outcomes (over its seeds) for the cluster bootstrap.
PAIRS, WON_A, WON_B, COST_A, COST_B = range(5)


def _ratio(t: Columns) -> Columns:
    won_a, won_b, cost_a, cost_b = t[:, WON_A], t[:, WON_B], t[:, COST_A], t[:, COST_B]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_a, per_b = cost_a / won_a, cost_b / won_b
        return np.select(
            [
                (won_a == 0) & (won_b == 0),
                won_b == 0,
                won_a == 0,
                (per_a == 0) & (per_b == 0),
                per_a == 0,
            ],
            [np.nan, np.inf, 0.0, np.nan, np.inf],
            per_b / per_a,
        )


@dataclass(frozen=True)
class Noise:
    """Whether a difference is more than noise, and if not, how many paired tasks would show
    a difference of the size observed (80% power, 5% two-sided)."""

    within: bool
    tasks_needed: int | None


@dataclass(frozen=True)
class Comparison:
    """Two runs paired on (instance_id, seed), with the statistics compare and check print."""

    a: Side
    b: Side
    pairs: list[Pair]
    resamples: int = BOOTSTRAP_RESAMPLES
    seed: int = BOOTSTRAP_SEED
    pass_rate_diff_interval: Interval | None = None
    cost_ratio_interval: Interval | None = None
    cost_diff_interval: Interval | None = None

    @property
    def n(self) -> int:
        return len(self.pairs)

    @property
    def tasks(self) -> int:
        """Distinct tasks among the pairs: the clusters the bootstrap resamples."""
        return len({p.instance_id for p in self.pairs})

    def cell(self, won_a: bool, won_b: bool) -> list[Pair]:
        return self._cells.get((won_a, won_b), [])

    @functools.cached_property
    def _cells(self) -> dict[tuple[bool, bool], list[Pair]]:
        cells: dict[tuple[bool, bool], list[Pair]] = {}
        for p in self.pairs:
            cells.setdefault((p.won_a, p.won_b), []).append(p)
        return cells

    @property
    def pass_rate_diff(self) -> float | None:
        """B minus A, as a fraction (0.05 is five points)."""
        return (self.b.metrics.resolved - self.a.metrics.resolved) / self.n if self.n else None

    @property
    def cost_ratio(self) -> float | None:
        """B's cost per resolved task over A's (see `cost_per_resolved_ratio`)."""
        a, b = self.a.metrics, self.b.metrics
        return (
            cost_per_resolved_ratio(a.cost_usd, a.resolved, b.cost_usd, b.resolved)
            if self.n and not a.uncosted and not b.uncosted
            else None
        )

    @property
    def cost_diff_per_task(self) -> float | None:
        a, b = self.a.metrics, self.b.metrics
        if not self.n or a.uncosted or b.uncosted:
            return None
        return (b.cost_usd - a.cost_usd) / self.n

    @property
    def one_pair_per_task(self) -> bool:
        return self.n == self.tasks

    @functools.cached_property
    def p_value(self) -> float:
        """Exact McNemar; with several seeds per task, its form that keeps a task's pairs
        together (the exact sign-flip test over tasks), which is McNemar's with one pair."""
        per_task: dict[str, int] = {}
        for p in self.pairs:
            per_task[p.instance_id] = per_task.get(p.instance_id, 0) + p.won_b - p.won_a
        return sign_flip_exact(list(per_task.values()))

    @property
    def synthetic(self) -> bool:
        return self.a.synthetic or self.b.synthetic

    @property
    def pass_rate_noise(self) -> Noise:
        """The one verdict on the pass rate, from the exact test; with one pair per task the
        exact interval excludes no change exactly when the test rejects."""
        within = self.p_value >= ALPHA
        only_a, only_b = len(self.cell(True, False)), len(self.cell(False, True))
        return Noise(within, paired_tasks_needed(only_a, only_b, self.n) if within else None)

    @property
    def cost_noise(self) -> Noise:
        interval, value = self.cost_ratio_interval, self.cost_ratio
        within = interval is None or interval[0] <= 1 <= interval[1]
        needed = None
        if within and interval and value and all(0 < x < math.inf for x in (*interval, value)):
            logs = (math.log(interval[0]), math.log(interval[1]))
            needed = tasks_needed(self.tasks, math.log(value), logs)
        return Noise(within, needed)


def compare_sides(
    side_a: SideRows,
    side_b: SideRows,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Comparison:
    """Pair on (instance_id, seed), leaving out rows with status error (an infrastructure
    failure says nothing about the policy), and bootstrap tasks (each with its pairs over all
    seeds, a cluster) for intervals of the cost-per-resolved ratio and the cost difference per
    task; the pass-rate difference gets the exact interval with one pair per task, the
    cluster bootstrap's with several."""
    a, b = side_a.outcomes, side_b.outcomes
    good_a = {k for k, o in a.items() if o.status != "error"}
    good_b = {k for k, o in b.items() if o.status != "error"}
    pairs = [Pair(k[0], k[1], a[k], b[k]) for k in sorted(good_a & good_b)]
    clusters: dict[str, list[float]] = {}
    for p in pairs:
        item = clusters.setdefault(p.instance_id, [0.0] * 5)
        for column, value in zip(
            (PAIRS, WON_A, WON_B, COST_A, COST_B),
            (1.0, p.won_a, p.won_b, p.a.spent or 0.0, p.b.spent or 0.0),
        ):
            item[column] += value
    diff, cost_ratio, cost = bootstrap(
        list(clusters.values()),
        [
            lambda t: (t[:, WON_B] - t[:, WON_A]) / t[:, PAIRS],
            _ratio,
            lambda t: (t[:, COST_B] - t[:, COST_A]) / t[:, PAIRS],
        ],
        resamples=resamples,
        seed=seed,
    )

    def side(rows: SideRows, good: set[TaskKey], other: set[TaskKey], name: str) -> Side:
        return Side(
            rows.name,
            rows.policy,
            rows.synthetic,
            len(rows.outcomes) - len(good),
            len(good - other),
            _metrics(pairs, name),
            rows.spent,
        )

    costed = all(p.a.cost_usd is not None and p.b.cost_usd is not None for p in pairs)
    if len(clusters) == len(pairs):  # one pair per task: the exact interval
        only_a = sum(p.won_a and not p.won_b for p in pairs)
        only_b = sum(p.won_b and not p.won_a for p in pairs)
        diff = paired_difference_interval(only_a, only_b, len(pairs))
    return Comparison(
        a=side(side_a, good_a, good_b, "a"),
        b=side(side_b, good_b, good_a, "b"),
        pairs=pairs,
        resamples=resamples,
        seed=seed,
        pass_rate_diff_interval=diff,
        # an unknown cost (graded predictions) has no interval, rather than one of zeros
        cost_ratio_interval=cost_ratio if costed else None,
        cost_diff_interval=cost if costed else None,
    )
