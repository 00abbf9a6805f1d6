"""The running totals a run's progress shows after each task: resolved, errors and dollars
spent, counted from the rows a resumed run finds in its file, as its task counter is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.reporting.tables import money
from harness.results import ResultRow, iter_rows
from harness.results.attempts import attempt_order
from harness.results.resume import differences
from harness.results.row import RowKey
from harness.runner import RunConfig
from harness.tasks import Task


@dataclass
class RunningTotals:
    """What the progress shows after each task: this run's resolved, errors and spend."""

    resolved: int = 0
    errors: int = 0
    spent: float = 0.0

    def add(self, row: ResultRow) -> None:
        self.resolved += row.status == "resolved"
        self.errors += row.status == "error"
        self.spent += (row.cost_usd or 0.0) + row.lost_cost_usd

    def shown(self) -> dict[str, str]:
        return {
            "resolved": str(self.resolved),
            "errors": str(self.errors),
            "spent": money(self.spent),
        }


def resumed_totals(
    output: Path, config: RunConfig, tasks: list[Task], done: set[RowKey]
) -> RunningTotals:
    """The totals of the rows a resumed run finds in its file, so that its progress counts
    from them as its counter does: the tasks it skips (resolved, errors) and what every
    attempt at the run's tasks under its configuration cost (errored ones run again too)."""
    totals = RunningTotals()
    if not output.exists():
        return totals
    identity, hashes = config.identity(""), {config.key(t): t.content_hash for t in tasks}
    latest: dict[RowKey, ResultRow] = {}
    for row in iter_rows(output, ResultRow):
        if row.key not in hashes or differences(row, identity, hashes[row.key]):
            continue
        totals.spent += (row.cost_usd or 0.0) + row.lost_cost_usd
        if row.key not in latest or attempt_order(row) > attempt_order(latest[row.key]):
            latest[row.key] = row
    for key in done & latest.keys():
        totals.resolved += latest[key].status == "resolved"
        totals.errors += latest[key].status == "error"
    return totals
