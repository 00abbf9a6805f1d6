"""How repeated rows of one task, policy and seed count: the one definition every view uses
(report, compare, check, the oracle, the Pareto view, the HTML page, export).

- The very same row given twice (one file given twice) counts once.
- Rows of one task, policy and seed under one configuration (policy rules, backend, models,
  request options, prices, limits, prompts, sandbox settings, and the task's content) are
  attempts at one result:
  - every graded row (resolved, unresolved, empty patch) is a result; several are
    replicates (the task run again, e.g. the same run's rows in two files under two run ids),
    and each counts;
  - a row with status error is an attempt that failed for a reason not the policy's: when the
    configuration has a graded result, every error row was run again (what --rerun-errors
    writes), so its spend counts and its task does not; when it has none, the task's result
    is an error (the latest row by start time) and the other error rows were run again.
- Rows under other configurations (runs added with --append-run, or files of runs with other
  settings) are other results, and each counts; the views that pair tasks (compare, check,
  the oracle) need one result per task and seed, and say so.

None of this depends on the order of files or rows: only on what the rows hold. A value a row
does not record (rows of an older harness) is not compared, as when resuming.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from harness.results.resume import configuration, may_be_the_same

T = TypeVar("T")
Order = tuple[Any, ...]  # see attempt_order


class Attempt(NamedTuple, Generic[T]):
    """One row of a task, as far as telling reruns, replicates and configurations apart needs;
    `item` is what the caller keeps of it."""

    config: int  # see Configurations.of
    task_hash: str
    status: str
    order: Order  # start time, run id, status, cost: latest is largest
    item: T


def attempt_order(row: Any) -> Order:
    """Which of two attempts at a task is the later: by start time, then by everything else
    a report reads of them, so that only the very same row ties (and counts once)."""
    cost = row.cost_usd
    return (
        row.started_at,
        row.run_id,
        row.status,
        -1.0 if cost is None else cost,
        row.lost_cost_usd,
        row.turns,
        row.escalations,
        tuple(sorted(row.calls.items())),
        row.policy_hash,
        row.task_hash,
        row.backend,
        row.price_table,
    )


def row_identity(row: Any, order: Order | None = None) -> int:
    """What makes two rows of a task the very same row (one file given twice); `order` is
    the row's attempt_order, when known."""
    order = attempt_order(row) if order is None else order
    return hash((row.instance_id, row.policy, row.seed, row.synthetic, order))


@dataclass(frozen=True)
class Resolution(Generic[T]):
    """A task's rows sorted out: per configuration, its attempts and the ones that count as
    results (latest last); the error attempts that were run again."""

    configurations: list[list[Attempt[T]]]
    results: list[list[Attempt[T]]]
    retried: list[Attempt[T]]


class Configurations:
    """The configurations rows were run under, each worked out once: a report reads 100,000
    rows, and nearly all of them share a handful."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, ...], int] = {}
        self._values: list[dict[str, str]] = []
        # per run: the settings and index of its first row (rows of a run share them, nearly
        # always: comparing with that row is cheaper than writing each row's settings out)
        self._runs: dict[tuple[str, ...], tuple[Any, int]] = {}

    def of(self, row: Any) -> int:
        """An index standing for the row's configuration (all that changes a result but the
        task itself)."""
        prices = (row.price_table, row.price_table_hash)
        run = (row.run_id, row.policy_hash, row.backend, *prices)
        known = self._runs.get(run)
        if known is not None and known[0].__dict__ == row.settings.__dict__:
            return known[1]
        raw = (row.policy_hash, row.backend, *prices, row.settings.model_dump_json())
        index = self._ids.get(raw)
        if index is None:
            index = self._ids[raw] = len(self._values)
            self._values.append(configuration(row))
        self._runs.setdefault(run, (row.settings, index))
        return index

    def same(self, a: int, b: int) -> bool:
        return a == b or may_be_the_same(self._values[a], self._values[b])

    def order_key(self, config: int) -> tuple[int, tuple[str, ...]]:
        """Fully recorded configurations first, then by their values: an order of
        configurations that does not depend on the order rows came in."""
        values = self._values[config]
        return (-sum(1 for value in values.values() if value), tuple(values.values()))

    def sort_key(self, attempt: Attempt[Any]) -> tuple[int, tuple[str, ...], str]:
        """The order in which one task's attempts are matched to configurations: by
        configuration (see `order_key`), rows that record their task's content first."""
        recorded, values = self.order_key(attempt.config)
        return (recorded - bool(attempt.task_hash), values, attempt.task_hash)

    def compatible(self, a: Attempt[Any], b: Attempt[Any]) -> bool:
        same_task = a.task_hash == b.task_hash or not (a.task_hash and b.task_hash)
        return same_task and self.same(a.config, b.config)

    def resolve(self, attempts: Sequence[Attempt[T]]) -> Resolution[T]:
        """Sort one task's attempts (one instance id, policy and seed) into results and
        reruns, as the module's docstring says."""
        groups: list[list[Attempt[T]]] = []
        for attempt in sorted(attempts, key=lambda a: (self.sort_key(a), a.order)):
            home = next((g for g in groups if self.compatible(g[0], attempt)), None)
            if home is None:
                groups.append([attempt])
            else:
                home.append(attempt)
        results, retried = [], []
        for attempts_of_one in groups:
            ordered = sorted(attempts_of_one, key=lambda a: a.order)
            graded = [a for a in ordered if a.status != "error"]
            errors = [a for a in ordered if a.status == "error"]
            if graded:
                results.append(graded)
                retried += errors
            else:
                results.append(errors[-1:])
                retried += errors[:-1]
        return Resolution(groups, results, retried)
