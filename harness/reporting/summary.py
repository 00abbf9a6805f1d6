"""Per-policy summaries users decide by: pass rate, cost, and cost per resolved task.

`Metrics` is the one set of numbers every report shows, whether for a policy's rows or for
one side of a paired comparison. Everything here is a pure function of result rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from harness.pricing import Usage
from harness.reporting.figures import GroupFigures, Interval, TierTokens
from harness.reporting.metrics import Metrics
from harness.reporting.prices import Variant, price_table_contents
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

TOKEN_KINDS = ("cache_hit", "cache_miss", "output", "reasoning")


@dataclass(frozen=True)
class Summary:
    """One group of rows (by default: one policy) and its metrics. `group` holds the values of
    the grouping columns; synthetic and real rows are never in one group."""

    group: tuple[tuple[str, str], ...]
    synthetic: bool
    metrics: Metrics
    notes: tuple[str, ...] = ()  # about this group alone

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


def tier_tokens(m: Metrics) -> list[TierTokens]:
    """Tokens by price tier for each model tier, and for all when there are several: the
    cache misses of the first calls on the escalation model are the hidden price of
    escalating, and this is where they show."""
    costs: dict[str, float] = {str(t): c for t, c in m.cost_by_tier.items()}
    tiers: list[tuple[str, Usage]] = list(m.tokens.items())
    if len(tiers) > 1:
        tiers.append(("all", sum((usage for _, usage in tiers), Usage())))
        costs["all"] = m.cost_usd
    return [
        TierTokens(
            tier=tier,
            cache_hit=usage.cache_hit,
            cache_miss=usage.cache_miss,
            output=usage.output,
            reasoning=usage.reasoning,
            cache_hit_rate=usage.cache_hit / usage.prompt if usage.prompt else None,
            cost_usd=costs.get(tier),
        )
        for tier, usage in tiers
    ]


def estimated(g: GroupFigures) -> bool:
    """Whether a group's sums of dollars rest on usage that was not reported as it should be."""
    return bool(g.adjusted_calls + g.estimated_calls + g.unknown_calls)


def group_figures(s: Summary) -> GroupFigures:
    """A group's figures on its own tasks, as every view shows them."""
    m = s.metrics
    interval = None
    if m.pass_rate is not None:
        low, high = m.interval
        interval = Interval(low=low, high=high)
    return GroupFigures(
        label=s.label,
        group=dict(s.group),
        synthetic=s.synthetic,
        tasks=m.tasks,
        distinct_tasks=sum(1 for task in m.per_task.values() if task[0]),
        resolved=m.resolved,
        errors=m.errors,
        graded=m.graded,
        pass_rate=m.pass_rate,
        pass_rate_interval=interval,
        pass_rate_interval_method="cluster bootstrap" if m.repeated else "wilson",
        suspicious=m.suspicious,
        suspicious_resolved=m.suspicious_resolved,
        total_cost_usd=m.total_cost,
        error_cost_usd=None if m.uncosted else m.error_cost_usd,
        cost_per_task_usd=m.cost_per_task,
        cost_per_resolved_usd=m.cost_per_resolved,
        graded_cost_per_resolved_usd=m.graded_cost_per_resolved,
        escalations_per_turn=m.escalation_rate,
        retried_attempts=m.retried,
        lost_attempts=m.lost_attempts,
        lost_cost_usd=m.lost_cost_usd,
        unrecorded_attempts=m.unrecorded,
        unrecorded_cost_usd=m.unrecorded_cost_usd,
        adjusted_calls=m.adjusted_calls,
        estimated_calls=m.estimated_calls,
        unknown_calls=m.unknown_calls,
        calls={str(tier): calls for tier, calls in sorted(m.calls.items())},
        tokens=tier_tokens(m),
        notes=list(s.notes),
    )


def rate_with_interval(g: GroupFigures) -> str:
    if g.pass_rate is None or g.pass_rate_interval is None:
        return "-"
    interval = g.pass_rate_interval
    return f"{percent(g.pass_rate)} ({100 * interval.low:.0f}-{100 * interval.high:.0f}%)"


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


def group_title(groups: Sequence[GroupFigures]) -> str:
    """The first column's header: what the rows are grouped by."""
    columns = {tuple(g.group) for g in groups}
    return " ".join(columns.pop()) if len(columns) == 1 else "group"


def headers(base: list[str], groups: Sequence[GroupFigures]) -> list[str]:
    return [group_title(groups), *base[1:]]


def summary_rows(groups: Sequence[GroupFigures], suspicious: bool = False) -> list[list[str]]:
    """One row per group; with `suspicious`, a column counting such rows after errors."""
    rows = []
    for g in groups:
        flagged = [f"{g.suspicious} ({g.suspicious_resolved})"] if suspicious else []
        mark = estimated(g)
        rows.append(
            [
                g.label,
                str(g.tasks),
                str(g.resolved),
                rate_with_interval(g),
                str(g.errors),
                *flagged,
                money(g.total_cost_usd, mark),
                money(g.error_cost_usd, mark),
                money(g.cost_per_task_usd, mark),
                money(g.cost_per_resolved_usd, mark),
                money(g.graded_cost_per_resolved_usd, mark),
                percent(g.escalations_per_turn),
            ]
        )
    return rows


def token_rows(groups: Sequence[GroupFigures]) -> list[list[str]]:
    return [
        [
            g.label,
            t.tier,
            *(count(getattr(t, k)) for k in TOKEN_KINDS),
            percent(t.cache_hit_rate),
            money(t.cost_usd, estimated(g)),
        ]
        for g in groups
        for t in g.tokens
    ]


Section = tuple[str, list[str], list[list[str]]]  # title, headers, rows


def summary_table(
    summaries: Sequence[Summary],
    notes: Sequence[str] = (),
    fmt: str = "table",
    sections: Sequence[Section] = (),
) -> str:
    """The per-group table of summaries (see `figures_table`)."""
    return figures_table([group_figures(s) for s in summaries], notes, fmt, sections)


def figures_table(
    groups: Sequence[GroupFigures],
    notes: Sequence[str] = (),
    fmt: str = "table",
    sections: Sequence[Section] = (),
) -> str:
    """The per-group table, the token table when rows carry tokens, further titled tables
    (Pareto, oracle), then notes (the report's, then each group's) and the synthetic banner;
    `fmt` is "table" (terminal) or "markdown"."""
    markdown = fmt == "markdown"
    table = markdown_table if markdown else format_table
    # only when there is something to count, so that ordinary reports keep their shape
    suspicious = any(g.suspicious for g in groups)
    columns = headers(SUMMARY_HEADERS, groups)
    if suspicious:
        columns.insert(columns.index("errors") + 1, "suspicious")
    tables = [table(columns, summary_rows(groups, suspicious))]
    tokens = token_rows(groups)
    if tokens:
        tables.append(table(headers(TOKEN_HEADERS, groups), tokens))
    for title, section_headers, rows in sections:
        heading = f"**{markdown_cell(title)}**" if markdown else title
        tables.append(heading + "\n" * (1 + markdown) + table(section_headers, rows))
    footer = [*notes, *(note for g in groups for note in g.notes)]
    if suspicious:
        footer.append(SUSPICIOUS_NOTE)
    if any(g.synthetic for g in groups):
        footer.append(SYNTHETIC_BANNER)
    if markdown:
        return "\n\n".join(tables + [markdown_cell(line) for line in footer])
    return "\n".join(["\n\n".join(tables), *footer])


def policy_notes(variants: set[Variant]) -> list[str]:
    """A policy name whose rows come from different rules or price tables is not one policy:
    say so, rather than average over the change silently; nor is one price table version
    with different prices."""
    notes = [
        f"warning: price table {version} has {len(hashes)} different contents "
        f"(price_table_hash {listed(hashes)}): rows priced at different prices under one "
        "version are counted together; give an edited table a new version"
        for version, hashes in sorted(price_table_contents(variants).items())
        if len(hashes) > 1
    ]
    for what, column, index in (
        ("rule sets", "policy_hash", 1),
        ("price tables", "price_table", 2),
    ):
        seen: dict[str, set[str]] = defaultdict(set)
        for variant in variants:
            if variant[index]:
                seen[variant[0]].add(variant[index])
        notes += [
            f"note: policy {policy} has rows of {len(values)} {what} ({column} "
            f"{listed(values)}); they are counted together"
            for policy, values in sorted(seen.items())
            if len(values) > 1
        ]
    return notes
