"""The paired comparison of two runs: who resolved what, each side's metrics on the paired
tasks, the exact McNemar test and bootstrap intervals of the differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness import HarnessError
from harness.reporting.summary import Metrics
from harness.reporting.tables import (
    SYNTHETIC_BANNER,
    SYNTHETIC_MARK,
    format_table,
    listed,
    money,
    percent,
    ratio,
    signed_money,
    signed_points,
)
from harness.results import ResultRow
from harness.stats import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    Interval,
    bootstrap_totals,
    mcnemar_exact,
)


def one_policy(rows: list[ResultRow], name: str, policy: str | None = None) -> list[ResultRow]:
    """The rows of one policy: a comparison pairs tasks, and a file with two policies would
    pair a task with itself under another policy."""
    if policy is not None:
        chosen = [r for r in rows if r.policy == policy]
        if not chosen:
            raise HarnessError(
                f"{name} holds no rows of policy {policy!r} (it has "
                f"{listed({r.policy for r in rows})})"
            )
        return chosen
    policies = {r.policy for r in rows}
    if len(policies) > 1:
        raise HarnessError(
            f"{name} holds rows of {len(policies)} policies ({listed(policies)});"
            " choose one with the policy option (see --help)"
        )
    return rows


@dataclass(frozen=True)
class Pair:
    instance_id: str
    seed: int
    a: ResultRow
    b: ResultRow

    @property
    def won_a(self) -> bool:
        return self.a.status == "resolved"

    @property
    def won_b(self) -> bool:
        return self.b.status == "resolved"


def cost_per_resolved_ratio(
    cost_a: float, won_a: float, cost_b: float, won_b: float
) -> float | None:
    """B's cost per resolved task over A's. Resolving nothing makes a side's cost per
    resolved task unbounded: B resolving nothing gives inf, A resolving nothing gives 0, both
    gives None (undefined)."""
    if not won_a or not won_b:
        return None if not won_a and not won_b else (math.inf if not won_b else 0.0)
    per_a, per_b = cost_a / won_a, cost_b / won_b
    if per_a == 0:
        return None if per_b == 0 else math.inf
    return per_b / per_a


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its file, what it holds, and its metrics on the pairs."""

    name: str
    policy: str
    synthetic: bool
    errors: int  # error rows: left out of the pairing, never counted as failures
    unpaired: int  # rows without a partner on the other side (missing, or an error there)
    metrics: Metrics

    @property
    def label(self) -> str:
        return f"policy {self.policy}" + (f"{SYNTHETIC_MARK}, synthetic" if self.synthetic else "")


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

    def cell(self, won_a: bool, won_b: bool) -> list[Pair]:
        return [p for p in self.pairs if (p.won_a, p.won_b) == (won_a, won_b)]

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
    def p_value(self) -> float:
        return mcnemar_exact(len(self.cell(True, False)), len(self.cell(False, True)))

    @property
    def synthetic(self) -> bool:
        return self.a.synthetic or self.b.synthetic


def _pairing_index(rows: list[ResultRow], name: str) -> dict[tuple[str, int], ResultRow]:
    index: dict[tuple[str, int], ResultRow] = {}
    for r in rows:
        key = (r.instance_id, r.seed)
        if key in index:
            raise HarnessError(
                f"{name} holds two rows for task {key[0]} with seed {key[1]} "
                "(rows of several policies?)"
            )
        index[key] = r
    return index


def compare_runs(
    rows_a: list[ResultRow],
    rows_b: list[ResultRow],
    name_a: str = "A",
    name_b: str = "B",
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Comparison:
    """Pair on (instance_id, seed), leaving out rows with status error (an infrastructure
    failure says nothing about the policy), and bootstrap the paired tasks for intervals of
    the pass-rate difference, the cost-per-resolved ratio and the cost difference per task."""
    a, b = _pairing_index(rows_a, name_a), _pairing_index(rows_b, name_b)
    good_a = {k for k, r in a.items() if r.status != "error"}
    good_b = {k for k, r in b.items() if r.status != "error"}
    pairs = [Pair(k[0], k[1], a[k], b[k]) for k in sorted(good_a & good_b)]
    items = [
        (float(p.won_a), float(p.won_b), p.a.cost_usd or 0.0, p.b.cost_usd or 0.0) for p in pairs
    ]
    diff, cost_ratio, cost = bootstrap_totals(
        items,
        [
            lambda t, n: (t[1] - t[0]) / n,
            lambda t, n: cost_per_resolved_ratio(t[2], t[0], t[3], t[1]),
            lambda t, n: (t[3] - t[2]) / n,
        ],
        resamples=resamples,
        seed=seed,
    )

    def side(
        name: str,
        rows: list[ResultRow],
        index: dict[tuple[str, int], ResultRow],
        good: set[tuple[str, int]],
        other: set[tuple[str, int]],
        paired: Metrics,
    ) -> Side:
        return Side(
            name,
            listed({r.policy for r in rows}),
            any(r.synthetic for r in rows),
            len(index) - len(good),
            len(good - other),
            paired,
        )

    costed = all(p.a.cost_usd is not None and p.b.cost_usd is not None for p in pairs)
    return Comparison(
        a=side(name_a, rows_a, a, good_a, good_b, Metrics.of(p.a for p in pairs)),
        b=side(name_b, rows_b, b, good_b, good_a, Metrics.of(p.b for p in pairs)),
        pairs=pairs,
        resamples=resamples,
        seed=seed,
        pass_rate_diff_interval=diff,
        # an unknown cost (graded predictions) has no interval, rather than one of zeros
        cost_ratio_interval=cost_ratio if costed else None,
        cost_diff_interval=cost if costed else None,
    )


def interval_text(interval: Interval | None, show: Callable[[float], str]) -> str:
    return "" if interval is None else f" (95% CI {show(interval[0])} to {show(interval[1])})"


INLINE_TASKS = 10  # task ids listed on the only-A / only-B lines; the table below has all


def _task_names(pairs: list[Pair], all_seeds: set[int]) -> list[str]:
    """Instance ids, with the seed when the comparison spans several seeds."""
    return [p.instance_id if len(all_seeds) == 1 else f"{p.instance_id}@{p.seed}" for p in pairs]


def comparison_text(c: Comparison, all_tasks: bool = False, notes: Sequence[str] = ()) -> str:
    """compare's report: the two-by-two table of paired outcomes, McNemar, the totals of each
    side on the paired tasks, the bootstrap intervals, and the tasks that differ."""
    seeds = {p.seed for p in c.pairs}
    lines = [
        f"A = {c.a.name} ({c.a.label})",
        f"B = {c.b.name} ({c.b.label})",
        f"paired tasks: {c.n} (A = {c.a.name}, B = {c.b.name})",
        f"left out: {c.a.errors} error row(s) in A, {c.b.errors} in B (infrastructure "
        f"errors are not failures); {c.a.unpaired} row(s) of A and {c.b.unpaired} of B "
        "without a partner",
    ]
    for label, cell in (
        ("resolved by both", (True, True)),
        ("only A", (True, False)),
        ("only B", (False, True)),
        ("neither", (False, False)),
    ):
        pairs = c.cell(*cell)
        names = _task_names(pairs, seeds) if cell[0] != cell[1] else []
        shown = " ".join(names[:INLINE_TASKS]) + (" ..." if len(names) > INLINE_TASKS else "")
        lines.append(f"  {label}: {len(pairs)}  {shown}".rstrip())
    lines.append(
        f"exact McNemar p-value: {c.p_value:.4g} ({len(c.cell(True, False))} only A "
        f"vs {len(c.cell(False, True))} only B)"
    )
    lines.append("")
    lines.append(
        format_table(
            ["side", "resolved", "pass rate", "total cost", "cost/task", "cost/resolved"],
            [
                [
                    label,
                    str(m.resolved),
                    percent(m.pass_rate),
                    money(m.total_cost),
                    money(m.cost_per_task),
                    money(m.cost_per_resolved),
                ]
                for label, m in (("A", c.a.metrics), ("B", c.b.metrics))
            ],
        )
    )
    if c.n:
        lines += [
            "",
            f"B - A, pass rate:              {signed_points(c.pass_rate_diff or 0)} points"
            f"{interval_text(c.pass_rate_diff_interval, signed_points)}",
            f"B / A, cost per resolved task: {ratio(c.cost_ratio)}"
            f"{interval_text(c.cost_ratio_interval, ratio)}",
            f"B - A, cost per task:          {signed_money(c.cost_diff_per_task or 0)}"
            f"{interval_text(c.cost_diff_interval, signed_money)}",
            f"(95% intervals: percentile bootstrap over the paired tasks, {c.resamples} "
            f"resamples, seed {c.seed})",
        ]
    shown_pairs = c.pairs if all_tasks else [p for p in c.pairs if p.won_a != p.won_b]
    if shown_pairs:
        lines += [
            "",
            "all paired tasks:" if all_tasks else "discordant tasks:",
            format_table(
                ["instance_id", "seed", "A", "B", "cost A", "cost B", "B - A"],
                [
                    [
                        p.instance_id,
                        str(p.seed),
                        p.a.status,
                        p.b.status,
                        money(p.a.cost_usd),
                        money(p.b.cost_usd),
                        "-"
                        if p.a.cost_usd is None or p.b.cost_usd is None
                        else signed_money(p.b.cost_usd - p.a.cost_usd),
                    ]
                    for p in shown_pairs
                ],
            ),
        ]
    lines += notes
    if c.synthetic:
        lines.append(SYNTHETIC_BANNER)
    return "\n".join(lines)
