"""Per-policy summaries users decide by: pass rate, cost, and cost per resolved task.

`Metrics` is the one set of numbers every report shows, whether for a policy's rows or for
one side of a paired comparison. Everything here is a pure function of result rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from harness.pricing import Usage
from harness.reporting.metrics import Metrics
from harness.reporting.prices import price_table_contents
from harness.reporting.tables import (
    ESTIMATE_MARK,
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
        estimated = bool(m.inexact_calls)
        flagged = [f"{m.suspicious} ({m.suspicious_resolved})"] if suspicious else []
        rows.append(
            [
                s.label,
                str(m.tasks),
                str(m.resolved),
                rate_with_interval(m),
                str(m.errors),
                *flagged,
                money(m.total_cost, estimated),
                money(None if m.uncosted else m.error_cost_usd, estimated),
                money(m.cost_per_task, estimated),
                money(m.cost_per_resolved, estimated),
                money(m.graded_cost_per_resolved, estimated),
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
                    money(cost, bool(s.metrics.inexact_calls)),
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


def spend_notes(summary: Summary) -> list[str]:
    """What a group's money rests on beyond its finished rows: errored attempts run again,
    lost attempts, attempts that reached no row, and calls not billed as reported."""
    m, label = summary.metrics, summary.label
    notes = []
    if m.retried:
        notes.append(
            f"note: {label}: {m.retried} attempt(s) that ended in an error were run "
            "again; each task counts once, and what the errored attempts cost is in the "
            "total and error cost"
        )
    if m.lost_attempts:
        notes.append(
            f"note: {label}: {m.lost_attempts} attempt(s) were lost (their node died, or their "
            f"run stopped) and run again; their known spend ({money(m.lost_cost_usd)}) is in "
            "the total and error cost"
        )
    if m.unrecorded:
        notes.append(
            f"note: {label}: {m.unrecorded} attempt(s) reached no row (their run stopped, and "
            f"the task was not run again); their spend ({money(m.unrecorded_cost_usd)}), from "
            "the spend journal, is in the total and error cost"
        )
    if m.inexact_calls:
        notes.append(f"note: {label}: {usage_text(m)}")
    return notes


def usage_text(m: Metrics) -> str:
    """How many calls were not billed as the provider reported them, and how."""
    kinds = [
        (m.adjusted_calls, "adjusted (counts that did not add up, read the way that costs most)"),
        (m.estimated_calls, "estimated from the text (usage missing or unusable)"),
        (m.unknown_calls, "of unknown usage (nothing read back: estimated from the request)"),
    ]
    parts = ", ".join(f"{count} {what}" for count, what in kinds if count)
    return (
        f"{m.inexact_calls} model call(s) not billed as reported: {parts}; costs marked "
        f"{ESTIMATE_MARK} rest on these estimates"
    )


def policy_notes(variants: set[tuple[str, str, str, str]]) -> list[str]:
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
