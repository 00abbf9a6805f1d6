"""What a report keeps of each row until every file is read, and what a task's result is for
pairing it with another run's (compare, the oracle)."""

from __future__ import annotations

from typing import Final, NamedTuple

from harness.reporting.dollars import units
from harness.results.attempts import Attempt, Order
from harness.results.row import Status


class Outcome(NamedTuple):
    """One task result, for pairing runs task by task (compare, the oracle)."""

    status: Status
    cost_usd: float | None  # the graded attempt's cost; None: graded elsewhere, never seen
    calls: int  # model calls of every tier; 0 in rows written before calls were recorded
    strong_calls: int  # calls of the strong tier (the oracle's "pro")
    error_cost_usd: float = 0.0  # spend of the task's errored attempts run again, and lost ones

    @property
    def spent(self) -> float | None:
        """Every dollar the task cost: the graded attempt and those run again."""
        return None if self.cost_usd is None else self.cost_usd + self.error_cost_usd


GroupKey = tuple[tuple[tuple[str, str], ...], bool]
TaskKey = tuple[str, str, int, bool]  # instance id, policy, seed, synthetic


# What a report keeps of each row until every file is read, as a plain tuple (a report reads
# 100,000 rows): configuration, task hash, status, its order among attempts, cost, lost
# cost, group, where the row is kept (or -1), model calls, strong-tier calls.
Seen = tuple[int, str, Status, Order, float | None, float, GroupKey, int, int, int]
COST: Final = 4
LOST: Final = 5
GROUP: Final = 6
KEPT: Final = 7


def outcome_of(seen: Seen, error_cost: float) -> Outcome:
    return Outcome(seen[2], seen[COST], seen[8], seen[9], error_cost)


def attempt_of(seen: Seen) -> Attempt[Seen]:
    return Attempt(seen[0], seen[1], seen[2], seen[3], seen)


def spent_of(seen: Seen) -> int:
    return units(seen[COST]) + units(seen[LOST])
