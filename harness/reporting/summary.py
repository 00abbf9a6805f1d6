"""Per-policy summaries users decide by: pass rate, cost, and cost per resolved task.

`Metrics` is the one set of numbers every report shows, whether for a policy's rows or for
one side of a paired comparison. Everything here is a pure function of result rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from harness.policy import Tier
from harness.pricing import Usage
from harness.reporting.tables import (
    SYNTHETIC_BANNER,
    SYNTHETIC_MARK,
    count,
    format_table,
    listed,
    markdown_cell,
    markdown_table,
    money,
    percent,
)
from harness.results import ResultRow, unique_rows
from harness.stats import Interval, wilson_interval

TOKEN_KINDS = ("cache_hit", "cache_miss", "output", "reasoning")


@dataclass
class Metrics:
    """Totals over a set of rows, and the rates derived from them."""

    tasks: int = 0
    resolved: int = 0
    errors: int = 0
    cost_usd: float = 0.0
    escalations: int = 0
    turns: int = 0
    tokens: dict[Tier, Usage] = field(default_factory=dict)
    cost_by_tier: dict[Tier, float] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[ResultRow]) -> Metrics:
        metrics = cls()
        for row in rows:
            metrics.add(row)
        return metrics

    def add(self, row: ResultRow) -> None:
        self.tasks += 1
        self.resolved += row.status == "resolved"
        self.errors += row.status == "error"
        self.cost_usd += row.cost_usd
        self.escalations += row.escalations
        self.turns += row.turns
        for tier, usage in row.tokens.items():
            self.tokens[tier] = self.tokens.get(tier, Usage()) + usage
        for tier, cost in row.cost_by_tier.items():
            self.cost_by_tier[tier] = self.cost_by_tier.get(tier, 0.0) + cost

    @property
    def graded(self) -> int:
        """Tasks that count for the pass rate: infrastructure errors are not failures."""
        return self.tasks - self.errors

    @property
    def pass_rate(self) -> float | None:
        return self.resolved / self.graded if self.graded else None

    @property
    def interval(self) -> Interval:
        return wilson_interval(self.resolved, self.graded)

    @property
    def cost_per_task(self) -> float | None:
        return self.cost_usd / self.tasks if self.tasks else None

    @property
    def cost_per_resolved(self) -> float | None:
        return self.cost_usd / self.resolved if self.resolved else None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalations / self.turns if self.turns else None


@dataclass(frozen=True)
class Summary:
    policy: str
    synthetic: bool
    metrics: Metrics

    @property
    def label(self) -> str:
        """The policy name, marked when synthetic, so that no output passes simulated results
        off as a model's."""
        return self.policy + (SYNTHETIC_MARK if self.synthetic else "")


def summarize(rows: Iterable[ResultRow]) -> list[Summary]:
    """One summary per policy; synthetic and real rows of one policy are kept apart, since
    adding them up would describe neither."""
    groups: dict[tuple[str, bool], Metrics] = defaultdict(Metrics)
    for row in rows:
        groups[(row.policy, row.synthetic)].add(row)
    return [
        Summary(policy, synthetic, metrics)
        for (policy, synthetic), metrics in sorted(groups.items())
    ]


def combine_files(
    files: Sequence[tuple[str, list[ResultRow]]], warn: Callable[[str], None]
) -> tuple[list[ResultRow], list[str]]:
    """The rows of several results files as one set, and the notes a reader should see.

    A task given twice (the same file twice, or overlapping runs) would count twice, so only
    its last row is kept, with a warning."""
    names = ", ".join(n for n, _ in files)
    rows = unique_rows(
        [row for _, file_rows in files for row in file_rows],
        lambda message: warn(f"warning: {names}: {message}"),
        key=lambda r: (r.policy, r.synthetic, r.instance_id, r.seed),
    )
    notes = [note for name, file_rows in files for note in file_notes(name, file_rows)]
    return rows, notes + policy_notes(rows)


def file_notes(name: str, rows: list[ResultRow]) -> list[str]:
    """Things about one file that do not stop a report but change how to read it."""
    runs = {r.run_id for r in rows}
    notes = []
    if len(runs) > 1:
        notes.append(
            f"note: {name} holds rows of {len(runs)} runs ({listed(runs)}); they are "
            "reported together"
        )
    return notes + calibration_notes(name, rows)


def calibration_notes(name: str, rows: list[ResultRow]) -> list[str]:
    """Synthetic rows whose simulator was calibrated say from how many real runs, so that a
    reader knows what the numbers rest on; parameters that changed within a policy are named."""
    params: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for r in rows:
        if r.synthetic:
            params[r.policy].add((r.settings.sim_params, r.settings.sim_calibrated_from))
    notes = []
    for policy, found in sorted(params.items()):
        label = policy + SYNTHETIC_MARK
        if len(found) > 1:
            notes.append(
                f"note: {name}: policy {label} has rows of {len(found)} simulator parameter "
                f"sets ({listed(h or '?' for h, _ in found)}); they are counted together"
            )
        notes += [
            f"note: {name}: policy {label} is synthetic, from simulated models calibrated from "
            f"{runs} run(s) (sim params {digest})"
            for digest, runs in sorted(found)
            if runs
        ]
    return notes


def policy_notes(rows: list[ResultRow]) -> list[str]:
    """A policy name whose rows come from different rules or price tables is not one policy:
    say so, rather than average over the change silently."""
    notes = []
    for what, key in (("rule sets", "policy_hash"), ("price tables", "price_table")):
        seen: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            if value := getattr(r, key):
                seen[r.policy].add(str(value))
        notes += [
            f"note: policy {policy} has rows of {len(values)} {what} ({key} "
            f"{listed(values)}); they are counted together"
            for policy, values in sorted(seen.items())
            if len(values) > 1
        ]
    return notes


def rate_with_interval(m: Metrics) -> str:
    if m.pass_rate is None:
        return "-"
    low, high = m.interval
    return f"{percent(m.pass_rate)} ({100 * low:.0f}-{100 * high:.0f}%)"


SUMMARY_HEADERS = [
    "policy",
    "tasks",
    "resolved",
    "pass rate (95% CI)",
    "errors",
    "total cost",
    "cost/task",
    "cost/resolved",
    "escalations/turn",
]
TOKEN_HEADERS = [
    "policy",
    "model tier",
    "cache hit",
    "cache miss",
    "output",
    "reasoning",
    "cache hit rate",
    "cost",
]


def summary_rows(summaries: list[Summary]) -> list[list[str]]:
    return [
        [
            s.label,
            str(m.tasks),
            str(m.resolved),
            rate_with_interval(m),
            str(m.errors),
            money(m.cost_usd),
            money(m.cost_per_task),
            money(m.cost_per_resolved),
            percent(m.escalation_rate),
        ]
        for s in summaries
        for m in [s.metrics]
    ]


def token_rows(summaries: list[Summary]) -> list[list[str]]:
    """Tokens by price tier for each model tier: the cache misses of the first calls on the
    escalation model are the hidden price of escalating, and this is where they show."""
    rows = []
    for s in summaries:
        costs: dict[str, float] = {str(t): c for t, c in s.metrics.cost_by_tier.items()}
        tiers: list[tuple[str, Usage]] = list(s.metrics.tokens.items())
        if len(tiers) > 1:
            tiers.append(("all", sum((usage for _, usage in tiers), Usage())))
            costs["all"] = s.metrics.cost_usd
        for tier, usage in tiers:
            cost = costs.get(tier)
            rows.append(
                [
                    s.label,
                    tier,
                    *(count(getattr(usage, k)) for k in TOKEN_KINDS),
                    percent(usage.cache_hit / usage.prompt if usage.prompt else None),
                    money(cost),
                ]
            )
    return rows


def summary_table(summaries: list[Summary], notes: Sequence[str] = (), fmt: str = "table") -> str:
    """The per-policy table, the token table when rows carry tokens, then notes and the
    synthetic banner; `fmt` is "table" (terminal) or "markdown"."""
    markdown = fmt == "markdown"
    table = markdown_table if markdown else format_table
    tables = [table(SUMMARY_HEADERS, summary_rows(summaries))]
    tokens = token_rows(summaries)
    if tokens:
        tables.append(table(TOKEN_HEADERS, tokens))
    footer = list(notes)
    if any(s.synthetic for s in summaries):
        footer.append(SYNTHETIC_BANNER)
    if markdown:
        return "\n\n".join(tables + [markdown_cell(line) for line in footer])
    return "\n".join(["\n\n".join(tables), *footer])
