"""Which rows of a results file are attempts at the same result.

A later row of the same task, policy and seed is a new attempt at the earlier one's result
(what --rerun-errors writes) only under the same configuration: a run added to the file with
--append-run under other rules, models or limits is another result, and both count. Values a
row does not record (rows of an older harness) are not compared, as when resuming.
"""

from __future__ import annotations

from typing import Any, Generic, NamedTuple, TypeVar

from harness.results.resume import configuration, may_be_the_same

Group = TypeVar("Group")


class Attempt(NamedTuple, Generic[Group]):
    """The latest row of a task under one configuration, as far as telling a rerun needs."""

    config: int  # see Configurations.of
    task_hash: str
    group: Group
    status: str
    kept: int  # where the report keeps the row, or -1


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

    def earlier_attempt(self, attempts: list[Attempt[Any]], new: Attempt[Any]) -> int | None:
        """Which of the task's earlier rows the new one is a later attempt at; None when it is
        another configuration's result."""
        for index, earlier in enumerate(attempts):
            same_task = earlier.task_hash == new.task_hash or not (
                earlier.task_hash and new.task_hash
            )
            if same_task and self.same(earlier.config, new.config):
                return index
        return None
