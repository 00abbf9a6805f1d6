"""Notes on how to read one group's figures: tasks with several rows or results, and the
spend of attempts run again. A group's notes travel with its figures (GroupFigures.notes), so
every view shows them beside the group they are about."""

from __future__ import annotations

from harness.reporting.metrics import Metrics
from harness.reporting.summary import Summary
from harness.reporting.tables import ESTIMATE_MARK, money

GroupKey = tuple[tuple[tuple[str, str], ...], bool]


def several_notes(
    summary: Summary,
    key: GroupKey,
    replicated: set[GroupKey],
    mixed: set[GroupKey],
    several: dict[GroupKey, set[str]],
) -> list[str]:
    """A group in which a task and seed has more than one result: which kind, and what
    counts."""
    tasks = len(several.get(key, ()))
    notes = []
    if key in replicated:
        notes.append(
            f"note: {summary.label}: tasks have several graded results of one seed under one "
            f"configuration ({tasks} task(s); replicates, e.g. rows of one run given in two "
            "files, or two runs pooled): each counts, so 'tasks' counts results, not distinct "
            "tasks (group by run_id to see each run)"
        )
    if key in mixed:
        notes.append(
            f"note: {summary.label}: tasks have results under several configurations "
            f"({tasks} task(s); runs added with --append-run, or files of runs with other "
            "rules, models, prices, limits, prompts or sandbox): each counts (group by run_id "
            "or rules to see each)"
        )
    return notes


def repeat_notes(summary: Summary) -> list[str]:
    notes = []
    m = summary.metrics
    if m.repeated:
        notes.append(
            f"note: {summary.label}: {m.repeated} of {len(m.per_task)} tasks have several rows "
            "(seeds or repeated runs), all counted; intervals resample tasks with all their "
            "rows (cluster bootstrap)"
        )
    if m.retried:
        notes.append(
            f"note: {summary.label}: {m.retried} attempt(s) that ended in an error were run "
            "again; each task counts once, and what the errored attempts cost is in the total "
            "and error cost"
        )
    if m.lost_attempts:
        notes.append(
            f"note: {summary.label}: {m.lost_attempts} attempt(s) were lost (their node died, "
            f"or their run stopped) and run again; their known spend "
            f"({money(m.lost_cost_usd, bool(m.inexact_calls))}) is in the total and error cost"
        )
    if m.unrecorded:
        notes.append(
            f"note: {summary.label}: {m.unrecorded} attempt(s) reached no row (their run "
            "stopped, and the task has not been run again); their spend "
            f"({money(m.unrecorded_cost_usd, bool(m.inexact_calls))}), from the spend journal, "
            "is in the total and error cost"
        )
    if m.inexact_calls:
        notes.append(f"note: {summary.label}: {usage_text(m)}")
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
        f"{m.inexact_calls} model call(s) not billed as reported: {parts}; sums of dollars "
        f"marked {ESTIMATE_MARK} rest on these estimates"
    )
