"""The report as data: every figure the text, markdown and HTML views show, in one model.

The views render from these models, so none of them can show a figure that `report --format
json` lacks; the JSON Schema in data/report.schema.json is generated from `ReportDocument`
(a test fails when the two disagree). Dollars are in `*_usd` fields, shares in [0, 1].
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.results.row import schema_document

REPORT_SCHEMA_VERSION: Literal[1] = 1
REPORT_SCHEMA_PATH = Path(__file__).parent.parent / "data" / "report.schema.json"
Axis = Literal["cost/resolved", "cost/task"]
AXES: tuple[Axis, ...] = ("cost/resolved", "cost/task")  # the Pareto view's two cost axes
# A ratio of costs is unbounded when the side below it resolved nothing.
Ratio = float | Literal["unbounded"]


class Figures(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Interval(Figures):
    """A 95% interval."""

    low: float
    high: float


class RatioInterval(Figures):
    low: Ratio
    high: Ratio


class TierTokens(Figures):
    """Tokens of one model tier ("all" for the sum), by price tier."""

    tier: str
    cache_hit: int
    cache_miss: int
    output: int
    reasoning: int
    cache_hit_rate: float | None
    cost_usd: float | None


class GroupFigures(Figures):
    """One group of rows (by default one policy) on its own tasks."""

    label: str = Field(description="The group's name, with '*' when synthetic.")
    group: dict[str, str] = Field(description="The values of the grouping columns.")
    synthetic: bool
    tasks: int = Field(description="Results counted: a task counts once per seed or replicate.")
    distinct_tasks: int
    resolved: int
    errors: int
    graded: int = Field(description="Results that count for the pass rate (not errors).")
    pass_rate: float | None
    pass_rate_interval: Interval | None
    pass_rate_interval_method: Literal["wilson", "cluster bootstrap"]
    suspicious: int
    suspicious_resolved: int
    total_cost_usd: float | None = Field(
        description="Every dollar spent, errored and lost attempts included; null when some "
        "row's cost is unknown."
    )
    error_cost_usd: float | None
    cost_per_task_usd: float | None
    cost_per_resolved_usd: float | None
    graded_cost_per_resolved_usd: float | None
    escalations_per_turn: float | None
    retried_attempts: int = Field(description="Errored attempts that were run again.")
    lost_attempts: int
    lost_cost_usd: float
    unrecorded_attempts: int = Field(
        0,
        description="Attempts that reached no row (their run stopped, and the task was not run "
        "again), their spend read from the spend journal: in the total and error cost.",
    )
    unrecorded_cost_usd: float = 0.0
    adjusted_calls: int = Field(
        0, description="Calls whose usage did not add up, billed at the reading that costs most."
    )
    estimated_calls: int = Field(
        0, description="Calls whose usage was missing or unusable, estimated from the text."
    )
    unknown_calls: int = Field(
        0,
        description="Calls of which nothing was read back (no reply, or in flight when a run "
        "stopped), estimated from the request. When any of the three is not 0, the group's "
        "dollar figures rest on estimates.",
    )
    calls: dict[str, int]
    tokens: list[TierTokens]
    notes: list[str] = Field(default_factory=list, description="Notes on this group.")


class ParetoPoint(Figures):
    """A group on the tasks every group of the view ran."""

    label: str
    synthetic: bool
    pass_rate: float | None
    pass_rate_interval: Interval | None
    cost_per_resolved_usd: float | None
    cost_per_resolved_interval: Interval | None
    cost_per_task_usd: float | None
    cost_per_task_interval: Interval | None
    dominated_by: dict[Axis, list[str]] | None = Field(
        description="Per cost axis, the groups that resolve at least as much for no more "
        "(empty: on the frontier); null when the groups share no task to judge on."
    )


class ParetoFigures(Figures):
    tasks: int = Field(description="Tasks every group ran: what the view compares on.")
    all_tasks: int = Field(description="Tasks any group holds.")
    paired: bool = Field(description="Whether the groups share tasks to compare on.")
    resamples: int
    seed: int
    points: list[ParetoPoint]
    frontier: dict[Axis, list[str]] = Field(description="Per axis, cheapest first.")


class OracleRow(Figures):
    """A policy (or the oracle itself) on the tasks it shares with both tier runs."""

    label: str
    tasks: int
    pass_rate: float | None
    cheap_pass_rate: float | None
    oracle_pass_rate: float | None
    gap_closed: float | None
    gap_closed_interval: Interval | None
    cost_per_task_usd: float | None
    cost_per_resolved_usd: float | None
    oracle_cost_per_task_usd: float | None
    oracle_cost_per_resolved_usd: float | None
    strong_call_share: float | None


class RoutingMix(Figures):
    """A random router sending each task to the strong tier with probability strong_share
    (RouteLLM's baseline), on the Pareto view's tasks."""

    strong_share: float
    pass_rate: float | None
    cost_per_task_usd: float | None
    cost_per_resolved_usd: float | None


class OracleFigures(Figures):
    cheap: str
    strong: str
    lines: list[OracleRow]
    on_pareto_tasks: OracleRow | None = Field(
        description="The oracle on the Pareto view's tasks: the point on the plot."
    )
    random_routing: list[RoutingMix] = Field(
        description="The line of random routing between the two tiers on the Pareto view's "
        "tasks, from all on the cheap tier to all on the strong one."
    )


class PairedHeadline(Figures):
    """Two frontier groups paired task by task, as `compare` does."""

    a: str
    b: str
    tasks: int
    pass_rate_difference: float = Field(description="B minus A.")
    pass_rate_difference_interval: Interval | None
    pass_rate_p_value: float
    pass_rate_more_than_noise: bool
    cost_ratio: Ratio | None = Field(description="B's cost per resolved task over A's.")
    cost_ratio_interval: RatioInterval | None
    cost_more_than_noise: bool


class Headline(Figures):
    text: list[str] = Field(description="The headline as the HTML page and text view show it.")
    frontier: list[str] = Field(description="Frontier groups on cost per resolved task.")
    paired: PairedHeadline | None


class NodeImages(Figures):
    """What getting their images cost the rows' tasks on one node ("" when not on a cluster)."""

    node: str
    rows: int
    waited: int = Field(description="Rows whose task waited for its image at all.")
    image_wait_s: float
    registry_wait_s: float = Field(description="Of the pulls, time spent on rate limits.")
    bytes_pulled: int


class ReportDocument(Figures):
    schema_version: Literal[1] = REPORT_SCHEMA_VERSION
    files: list[str]
    grouped_by: list[str]
    synthetic: bool
    headline: Headline
    groups: list[GroupFigures]
    pareto: ParetoFigures
    oracle: OracleFigures | None
    images: list[NodeImages] = Field(
        default_factory=list, description="Per node; empty when no row pulled or waited."
    )
    notes: list[str]


def report_schema() -> dict[str, Any]:
    """The JSON Schema of `report --format json`, as committed in data/report.schema.json."""
    return schema_document(
        ReportDocument,
        f"cascade-harness report, schema version {REPORT_SCHEMA_VERSION}",
        "What `python -m harness report --format json` prints: every figure of the text and "
        "HTML views.",
    )


def write_report_schema() -> None:
    """Rewrite data/report.schema.json after a change to the models (a test checks it)."""
    text = json.dumps(report_schema(), indent=2) + "\n"
    REPORT_SCHEMA_PATH.write_text(text, encoding="utf-8")
