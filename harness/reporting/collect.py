"""Reading results files into groups of metrics, one row at a time.

A report over months of runs reads 100,000 rows or more, so nothing here holds rows: each row
is parsed into the few fields a report needs (a `row_view`), added to its group's metrics, and
dropped. What stays is small: per group, its totals and a few numbers per task (for the
cluster bootstrap and the oracle's pairing), and a few tuples per row to tell a rerun from a
duplicate.

How rows become task results:
- In one file, a later row of the same task (instance_id, policy, seed) is a new attempt at
  it: the earlier one no longer counts as a task, but what it cost stays in the spend. That
  is what --rerun-errors writes; a replaced row that was not an error is warned about.
- The very same row seen twice (the same file given twice) counts once, with a warning.
- Rows of one task in different files (other seeds, repeated runs) are repeats: each counts,
  and intervals resample tasks with all their rows (a cluster bootstrap).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple, cast, get_origin

from harness import HarnessError
from harness.reporting.metrics import Metrics
from harness.reporting.prices import price_table_contents
from harness.reporting.summary import (
    SimParams,
    Summary,
    calibration_notes,
    file_notes,
    policy_notes,
    spend_notes,
)
from harness.results.attempts import Attempt, Configurations
from harness.results.journal import journal_path, read_journal
from harness.results.row import KEY_FIELDS, ReportedRow, ResultRow, Status, row_key, row_view
from harness.results.store import iter_rows
from harness.tiers import Tier

Warn = Callable[[str], None]

REPORT_FIELDS = frozenset(
    {
        *KEY_FIELDS,
        "synthetic",
        "run_id",
        "settings",
        "started_at",
        "status",
        "cost_usd",
        "suspicious",
        "turns",
        "escalations",
        "tokens",
        "cost_by_tier",
        "calls",
        "lost_attempts",
        "lost_cost_usd",
        "policy_hash",
        "backend",
        "task_hash",
        "price_table",
        "price_table_hash",
        "adjusted_calls",
        "estimated_calls",
        "unknown_calls",
        "attempt_id",
    }
)
DEFAULT_GROUPS = ("policy",)
STRONG_TIER: Tier = "pro"  # whose calls the oracle table counts
# Short names for the columns people group by.
GROUP_ALIASES = {"model": "model_name_or_path", "rules": "policy_hash", "rules_hash": "policy_hash"}
_SCALARS = (str, int, float, bool)


def groupable_columns() -> list[str]:
    """Row fields with one plain value per row: what rows can be grouped by."""
    return sorted(
        name
        for name, info in ResultRow.model_fields.items()
        if info.annotation in _SCALARS or get_origin(info.annotation) is Literal
    )


def group_columns(names: Sequence[str]) -> tuple[str, ...]:
    """Row fields for --group-by names (aliases resolved); an unknown name is bad input."""
    if not names:
        raise HarnessError("--group-by needs at least one column")
    columns = tuple(GROUP_ALIASES.get(name, name) for name in names)
    allowed = groupable_columns()
    for name, column in zip(names, columns):
        if column not in allowed:
            raise HarnessError(
                f"cannot group by {name!r}: choose from {', '.join(allowed)} "
                f"(or {', '.join(GROUP_ALIASES)})"
            )
    return tuple(dict.fromkeys(columns))


class Outcome(NamedTuple):
    """One task result, for pairing runs task by task (compare, the oracle)."""

    status: Status
    cost_usd: float | None  # None: graded elsewhere, its cost never seen
    calls: int  # model calls of every tier; 0 in rows written before calls were recorded
    strong_calls: int  # calls of the strong tier (the oracle's "pro")
    inexact_calls: int = 0  # calls whose usage was adjusted, estimated or unknown


GroupKey = tuple[tuple[tuple[str, str], ...], bool]


@dataclass
class KeptRow:
    """A row kept for the task table, with the file it came from (its trajectory's path is
    relative to that file's folder) and whether a later attempt replaced it."""

    source: Path
    row: Any
    replaced: bool = False


@dataclass
class Collected:
    """What a report is made of: per group, metrics and task outcomes; notes; warnings given."""

    groups: dict[GroupKey, Metrics] = field(default_factory=lambda: defaultdict(Metrics))
    outcomes: dict[GroupKey, dict[tuple[str, int], Outcome]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    notes: list[str] = field(default_factory=list)
    rows: list[KeptRow] = field(default_factory=list)  # only when asked for (the HTML page)
    # groups holding results of one task under several configurations (--append-run)
    mixed: set[GroupKey] = field(default_factory=set)
    price_tables: dict[str, set[str]] = field(default_factory=dict)  # version -> contents

    def summaries(self) -> list[Summary]:
        return [
            Summary(group, synthetic, metrics)
            for (group, synthetic), metrics in sorted(self.groups.items())
            if metrics.tasks or metrics.cost_usd
        ]


class Collector:
    """Feeds rows, file by file, into per-group metrics (see the module's docstring)."""

    def __init__(
        self,
        group_by: Sequence[str] = DEFAULT_GROUPS,
        warn: Warn = lambda message: None,
        keep_rows: Iterable[str] = (),
    ):
        self.columns = group_columns(group_by)
        self.view = row_view(REPORT_FIELDS | set(self.columns) | set(keep_rows))
        self.keep_rows = bool(keep_rows)
        self.warn = warn
        self.result = Collected()
        self._seen: set[int] = set()  # hashes of rows already counted
        self._twice = 0
        self._groups: dict[tuple[tuple[str, ...], bool], GroupKey] = {}
        # policy, rules hash, price table version, price table content hash
        self._variants: set[tuple[str, str, str, str]] = set()
        self._unrecorded: set[str] = set()  # journal attempts already counted
        self._configurations = Configurations()

    def read(self, path: Path) -> int:
        """Every row of a results file, and the spend its journal holds of attempts that
        reached no row; how many rows there were."""
        journal = journal_path(Path(path))
        recorded: set[str] | None = set() if journal.exists() else None
        with _without_cycle_collection():
            count = self.feed(str(path), iter_rows(path, self.view, self.warn), recorded)
        if recorded is not None:  # attempts that reached no row: spend of their run's group
            for row, calls in read_journal(journal, recorded).unrecorded_rows(self._unrecorded):
                self.result.groups[self.group_of(row)].add_unrecorded(row.instance_id, calls)
        return count

    def feed(self, name: str, rows: Iterable[Any], recorded: set[str] | None = None) -> int:
        # per task (row_key, and whether simulated: a real and a simulated row are never
        # attempts at the same result): its latest row under each configuration in the file
        latest: dict[tuple[str, str, int, bool], list[Attempt[GroupKey]]] = {}
        replaced: list[tuple[str, str, int]] = []
        appended = 0
        runs: set[str] = set()
        params: SimParams = {}
        source = Path(name)
        seen = self._seen
        count = 0
        for row in rows:
            count += 1
            if recorded is not None:
                recorded.add(row.attempt_id)
            key = (*row_key(row), row.synthetic)
            identity = hash((key, row.run_id, row.started_at, row.status, row.cost_usd))
            if identity in seen:
                self._twice += 1
                continue
            seen.add(identity)
            runs.add(row.run_id)
            if row.synthetic:
                settings = row.settings
                used = params.get(row.policy)
                if used is None:
                    used = params[row.policy] = set()
                used.add((settings.sim_params, settings.sim_calibrated_from))
            group = self.group_of(row)
            attempt = Attempt(
                self._configurations.of(row),
                row.task_hash,
                group,
                row.status,
                len(self.result.rows) if self.keep_rows else -1,
            )
            attempts = latest.get(key)
            if attempts is None:
                latest[key] = [attempt]
            elif not self.follow(key, attempts, attempt, replaced):
                appended += 1
            self.add(group, row, source)
        if replaced:
            self.warn(
                f"warning: {name}: {len(replaced)} duplicate row(s) for the same task, policy "
                f"and seed (e.g. {', '.join(map(str, replaced[0]))}); the last of each is kept"
            )
        if appended:
            self.result.notes.append(
                f"note: {name}: {appended} row(s) are another configuration's result for a task "
                "that has one already (a run added with --append-run); each counts (group by "
                "run_id or rules to see each run)"
            )
        self.result.notes += file_notes(name, runs) + calibration_notes(name, params)
        return count

    def follow(
        self,
        key: tuple[str, str, int, bool],
        attempts: list[Attempt[GroupKey]],
        attempt: Attempt[GroupKey],
        replaced: list[tuple[str, str, int]],
    ) -> bool:
        """A row of a task seen before in the file: a later attempt at an earlier row's result
        takes its place (True); a result of another configuration joins it (False)."""
        index = self._configurations.earlier_attempt(attempts, attempt)
        if index is None:
            self.result.mixed.add(attempt.group)
            attempts.append(attempt)
            return False
        earlier = attempts[index]
        self.result.groups[earlier.group].retire(key[0], earlier.status)
        if earlier.status != "error":
            replaced.append(key[:3])
        if earlier.kept >= 0:
            self.result.rows[earlier.kept].replaced = True
        attempts[index] = attempt
        return True

    def group_of(self, row: Any) -> GroupKey:
        if self.columns == DEFAULT_GROUPS:  # the common case, without a tuple per row
            values: tuple[str, ...] = (row.policy,)
        else:
            values = tuple(str(getattr(row, c)) for c in self.columns)
        group = self._groups.get((values, row.synthetic))
        if group is None:  # one key object per group, so that dict look-ups stay cheap
            group = (tuple(zip(self.columns, values)), row.synthetic)
            self._groups[(values, row.synthetic)] = group
        return group

    def add(self, group: GroupKey, row: Any, source: Path) -> None:
        self.result.groups[group].add(cast(ReportedRow, row))
        calls = row.calls
        total, strong = (sum(calls.values()) if calls else 0), calls.get(STRONG_TIER, 0)
        inexact = row.adjusted_calls + row.estimated_calls + row.unknown_calls
        self.result.outcomes[group][(row.instance_id, row.seed)] = Outcome(
            row.status, row.cost_usd, total, strong, inexact
        )
        self._variants.add((row.policy, row.policy_hash, row.price_table, row.price_table_hash))
        if self.keep_rows:
            self.result.rows.append(KeptRow(source, row))

    def finish(self) -> Collected:
        if self._twice:
            self.warn(
                f"warning: {self._twice} duplicate row(s): the very same row given twice (the "
                "same file twice?); each is counted once"
            )
        self.result.notes += policy_notes(self._variants) + repeat_notes(self.result)
        self.result.price_tables = price_table_contents(self._variants)
        return self.result


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Reading rows makes no reference cycles (each row is freed as soon as it is counted),
    but the small objects kept per task make Python's cycle collector scan them again and
    again as they grow: a tenth of the time of a report over 100,000 rows."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def repeat_notes(collected: Collected) -> list[str]:
    notes = []
    for summary in collected.summaries():
        m = summary.metrics
        if m.repeated:
            notes.append(
                f"note: {summary.label}: {m.repeated} of {len(m.per_task)} tasks have several "
                "rows (seeds or repeated runs), all counted; intervals resample tasks with all "
                "their rows (cluster bootstrap)"
            )
        notes += spend_notes(summary)
    return notes


def collect(
    paths: Sequence[Path],
    group_by: Sequence[str] = DEFAULT_GROUPS,
    warn: Warn = lambda message: None,
    keep_rows: Iterable[str] = (),
) -> Collected:
    """Read results files into groups; an empty file is warned about, no rows at all is an
    error."""
    collector = Collector(group_by, warn, keep_rows)
    for path in paths:
        if not collector.read(path):
            warn(f"warning: {path} holds no result rows")
    result = collector.finish()
    if not result.groups:
        raise HarnessError("no result rows in " + ", ".join(map(str, paths)))
    return result


def summarize(rows: Iterable[Any], group_by: Sequence[str] = DEFAULT_GROUPS) -> list[Summary]:
    """Summaries of rows already in memory, as one file."""
    collector = Collector(group_by)
    collector.feed("rows", rows)
    return collector.finish().summaries()
