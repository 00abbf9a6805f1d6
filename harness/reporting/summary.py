"""Per-policy summaries users decide by: pass rate, cost, and cost per resolved task.

`Metrics` is the one set of numbers every report shows, whether for a policy's rows or for
one side of a paired comparison. Everything here is a pure function of result rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
from harness.results.row import ReportedRow
from harness.stats import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    Interval,
    bootstrap,
    ratio_of,
    wilson_interval,
)

TOKEN_KINDS = ("cache_hit", "cache_miss", "output", "reasoning")


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
    spent on attempts that ended in an error."""

    tasks: int = 0
    resolved: int = 0
    errors: int = 0
    cost_usd: float = 0.0
    uncosted: int = 0  # rows whose cost is unknown (graded predictions made elsewhere)
    error_cost_usd: float = 0.0
    retried: int = 0  # error attempts that a later attempt replaced
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
        task[COST] += cost or 0.0
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
        self.uncounted_calls += bool(row.turns and not row.calls)

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

    def call_share(self, tier: Tier) -> float | None:
        """Share of model calls on `tier`; unknown when some rows did not record calls."""
        total = sum(self.calls.values())
        return self.calls.get(tier, 0) / total if total and not self.uncounted_calls else None


@dataclass(frozen=True)
class Summary:
    """One group of rows (by default: one policy) and its metrics. `group` holds the values of
    the grouping columns; synthetic and real rows are never in one group."""

    group: tuple[tuple[str, str], ...]
    synthetic: bool
    metrics: Metrics

    @property
    def policy(self) -> str | None:
        return dict(self.group).get("policy")

    @property
    def name(self) -> str:
        if len(self.group) == 1 and self.group[0][0] == "policy":
            return self.group[0][1]
        return " ".join(f"{column}={value}" for column, value in self.group)

    @property
    def label(self) -> str:
        """The group's name, marked when synthetic, so that no output passes simulated results
        off as a model's."""
        return self.name + (SYNTHETIC_MARK if self.synthetic else "")


def file_notes(name: str, runs: set[str]) -> list[str]:
    """Things about one file that do not stop a report but change how to read it."""
    if len(runs) > 1:
        return [
            f"note: {name} holds rows of {len(runs)} runs ({listed(runs)}); they are "
            "reported together"
        ]
    return []


SimParams = dict[str, set[tuple[str, int]]]  # policy -> (parameters hash, calibrated from)


def calibration_notes(name: str, params: SimParams) -> list[str]:
    """Synthetic rows whose simulator was calibrated say from how many real runs, so that a
    reader knows what the numbers rest on; parameters that changed within a policy are named."""
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
    "error cost",
    "cost/task",
    "cost/resolved",
    "graded cost/resolved",
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


SUSPICIOUS_NOTE = (
    "suspicious: rows whose patch changed how tests are run or reported; grading put those "
    "changes back first, so their status stands (resolved ones in brackets)"
)


def group_title(summaries: Sequence[Summary]) -> str:
    """The first column's header: what the rows are grouped by."""
    columns = {tuple(column for column, _ in s.group) for s in summaries}
    return " ".join(columns.pop()) if len(columns) == 1 else "group"


def headers(base: list[str], summaries: Sequence[Summary]) -> list[str]:
    return [group_title(summaries), *base[1:]]


def summary_rows(summaries: list[Summary], suspicious: bool = False) -> list[list[str]]:
    """One row per summary; with `suspicious`, a column counting such rows after errors."""
    rows = []
    for s in summaries:
        m = s.metrics
        flagged = [f"{m.suspicious} ({m.suspicious_resolved})"] if suspicious else []
        rows.append(
            [
                s.label,
                str(m.tasks),
                str(m.resolved),
                rate_with_interval(m),
                str(m.errors),
                *flagged,
                money(m.total_cost),
                money(None if m.uncosted else m.error_cost_usd),
                money(m.cost_per_task),
                money(m.cost_per_resolved),
                money(m.graded_cost_per_resolved),
                percent(m.escalation_rate),
            ]
        )
    return rows


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


Section = tuple[str, list[str], list[list[str]]]  # title, headers, rows


def summary_table(
    summaries: list[Summary],
    notes: Sequence[str] = (),
    fmt: str = "table",
    sections: Sequence[Section] = (),
) -> str:
    """The per-group table, the token table when rows carry tokens, further titled tables
    (Pareto, oracle), then notes and the synthetic banner; `fmt` is "table" (terminal) or
    "markdown"."""
    markdown = fmt == "markdown"
    table = markdown_table if markdown else format_table
    # only when there is something to count, so that ordinary reports keep their shape
    suspicious = any(s.metrics.suspicious for s in summaries)
    columns = headers(SUMMARY_HEADERS, summaries)
    if suspicious:
        columns.insert(columns.index("errors") + 1, "suspicious")
    tables = [table(columns, summary_rows(summaries, suspicious))]
    tokens = token_rows(summaries)
    if tokens:
        tables.append(table(headers(TOKEN_HEADERS, summaries), tokens))
    for title, section_headers, rows in sections:
        heading = f"**{markdown_cell(title)}**" if markdown else title
        tables.append(heading + "\n" * (1 + markdown) + table(section_headers, rows))
    footer = list(notes)
    if suspicious:
        footer.append(SUSPICIOUS_NOTE)
    if any(s.synthetic for s in summaries):
        footer.append(SYNTHETIC_BANNER)
    if markdown:
        return "\n\n".join(tables + [markdown_cell(line) for line in footer])
    return "\n".join(["\n\n".join(tables), *footer])
