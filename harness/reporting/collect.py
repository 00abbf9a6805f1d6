"""Reading results files into groups of metrics, one row at a time.

A report over months of runs reads 100,000 rows or more, so nothing here holds rows: each row
is parsed into the few fields a report needs (a `row_view`), added to its group's metrics, and
dropped. What stays is small: per group, its totals and a few numbers per task (for the
cluster bootstrap and the oracle's pairing), and a few tuples per row to tell a rerun from a
duplicate.

How rows become task results is defined once, in harness/results/attempts.py: reruns of
errored attempts, replicates, runs under other configurations and the same row given twice.
Which of them count is decided when every file has been read, so that no figure depends on
the order of files or rows.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from harness import HarnessError
from harness.reporting.dollars import dollars, units
from harness.reporting.grouping import group_columns
from harness.reporting.images import FIELDS as IMAGE_FIELDS
from harness.reporting.images import ImageTotals
from harness.reporting.metrics import Metrics
from harness.reporting.notes import repeat_notes, several_notes
from harness.reporting.outcomes import (
    COST,
    GROUP,
    KEPT,
    LOST,
    GroupKey,
    Outcome,
    Seen,
    TaskKey,
    attempt_of,
    outcome_of,
    spent_of,
)
from harness.reporting.prices import Variant, price_table_contents
from harness.reporting.summary import (
    SimParams,
    Summary,
    calibration_notes,
    file_notes,
    policy_notes,
)
from harness.results.attempts import (
    Configurations,
    attempt_order,
    row_identity,
)
from harness.results.journal import journal_path, read_journal
from harness.results.row import KEY_FIELDS, ReportedRow, row_key, row_view
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
        "attempt_id",
        "inexact_calls",
        *IMAGE_FIELDS,
    }
)
DEFAULT_GROUPS = ("policy",)
STRONG_TIER: Tier = "pro"  # whose calls the oracle table counts


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
    # groups holding results of one task and seed under several configurations, and groups
    # holding several graded results of one under one (replicates): pairing needs one
    mixed: set[GroupKey] = field(default_factory=set)
    replicated: set[GroupKey] = field(default_factory=set)
    group_notes: dict[GroupKey, list[str]] = field(default_factory=dict)
    images: ImageTotals = field(default_factory=ImageTotals)  # waits and pulls, per node
    price_tables: dict[str, set[str]] = field(default_factory=dict)  # version -> contents

    def summaries(self) -> list[Summary]:
        return [
            Summary(group, synthetic, metrics, tuple(self.group_notes.get((group, synthetic), ())))
            for (group, synthetic), metrics in sorted(self.groups.items())
            if metrics.tasks or metrics.cost_units
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
        self._seen: set[int] = set()  # identities of rows already counted
        self._twice = 0
        self._groups: dict[tuple[tuple[str, ...], bool], GroupKey] = {}
        self._variants: set[Variant] = set()  # policy, rules hash, price table and its hash
        self._recorded: set[str] = set()  # attempt ids of the rows read
        self._unrecorded: set[str] = set()  # attempts read from journals, that no row carries
        self._configurations = Configurations()
        self._attempts: dict[TaskKey, Seen | list[Seen]] = {}
        self._file_notes: dict[str, list[str]] = {}
        self._several: dict[GroupKey, set[str]] = {}  # tasks with several results, per group
        self._kept: dict[int, KeptRow] = {}  # rows kept for the task table, by identity

    def read(self, path: Path) -> int:
        """Every row of a results file, and from its spend journal the attempts that reached
        no row (spend of their run's group, never a task); how many rows there were."""
        with _without_cycle_collection():
            count = self.feed(str(path), iter_rows(path, self.view, self.warn))
        journal = read_journal(journal_path(Path(path)), self._recorded)
        for row, calls in journal.unrecorded_rows(self._unrecorded):
            self.result.groups[self.group_of(row)].add_unrecorded(row.instance_id, calls)
        return count

    def feed(self, name: str, rows: Iterable[Any]) -> int:
        runs: set[str] = set()
        params: SimParams = {}
        source = Path(name)
        seen, attempts = self._seen, self._attempts
        count = 0
        for row in rows:
            count += 1
            runs.add(row.run_id)  # what the file holds, for its notes, repeated rows too
            self._recorded.add(row.attempt_id)
            if row.synthetic:
                settings = row.settings
                used = params.get(row.policy)
                if used is None:
                    used = params[row.policy] = set()
                used.add((settings.sim_params, settings.sim_calibrated_from))
            order = attempt_order(row)
            identity = row_identity(row, order)
            if identity in seen:
                self._twice += 1
                self.same_row_again(identity, source)
                continue
            seen.add(identity)
            group = self.group_of(row)
            calls = row.calls
            seen_row: Seen = (
                self._configurations.of(row),
                row.task_hash,
                row.status,
                order,
                row.cost_usd,
                row.lost_cost_usd,
                group,
                len(self.result.rows) if self.keep_rows else -1,
                sum(calls.values()) if calls else 0,
                calls.get(STRONG_TIER, 0),
            )
            key = (*row_key(row), row.synthetic)
            known = attempts.get(key)
            if known is None:  # one row per task, nearly always: no list for it
                attempts[key] = seen_row
            elif isinstance(known, list):
                known.append(seen_row)
            else:
                attempts[key] = [known, seen_row]
            self.add(group, row, source)
            if self.keep_rows:
                self._kept[identity] = self.result.rows[-1]
        notes = file_notes(name, runs) + calibration_notes(name, params)
        self._file_notes.setdefault(name, notes)
        return count

    def same_row_again(self, identity: int, source: Path) -> None:
        """A row given in two files is shown as from the first of them by name, whichever
        was read first."""
        kept = self._kept.get(identity)
        if kept is not None and str(source) < str(kept.source):
            kept.source = source

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
        self._variants.add((row.policy, row.policy_hash, row.price_table, row.price_table_hash))
        self.result.images.add(row)
        if self.keep_rows:
            self.result.rows.append(KeptRow(source, row))

    def settle(self, key: TaskKey, rows: Seen | list[Seen]) -> None:
        """Which of a task's rows count (see harness/results/attempts.py), and its outcome in
        each group for pairing."""
        outcomes = self.result.outcomes
        task = (key[0], key[2])
        if not isinstance(rows, list):  # nearly every task: one row, its own result
            outcomes[rows[GROUP]][task] = outcome_of(rows, rows[LOST])
            return
        resolution = self._configurations.resolve([attempt_of(seen) for seen in rows])
        for attempt in resolution.retried:
            retired = attempt.item
            self.result.groups[retired[GROUP]].retire(key[0], attempt.status)
            if retired[KEPT] >= 0:
                self.result.rows[retired[KEPT]].replaced = True
        found: dict[GroupKey, list[tuple[int, Seen]]] = {}
        for index, results_of_one in enumerate(resolution.results):
            for result in results_of_one:
                found.setdefault(result.item[GROUP], []).append((index, result.item))
        for group, results in found.items():
            if len(results) > 1:  # no one outcome to pair: pairing views say so
                configurations = {index for index, _ in results}
                if len(configurations) > 1:
                    self.result.mixed.add(group)
                if len(configurations) < len(results):
                    self.result.replicated.add(group)
                self._several.setdefault(group, set()).add(key[0])
                continue
            [(index, counted)] = results
            spent = sum(
                spent_of(a.item) for a in resolution.configurations[index] if a.item[GROUP] == group
            )
            outcomes[group][task] = outcome_of(counted, dollars(spent - units(counted[COST])))

    def finish(self) -> Collected:
        for key in sorted(self._attempts):
            self.settle(key, self._attempts[key])
        if self._twice:
            self.warn(
                f"warning: {self._twice} duplicate row(s): the very same row given twice (the "
                "same file twice?); each is counted once"
            )
        result = self.result
        result.rows.sort(key=_row_order)
        for name in sorted(self._file_notes):
            result.notes += self._file_notes[name]
        result.notes += policy_notes(self._variants)
        result.price_tables = price_table_contents(self._variants)
        for summary in result.summaries():
            group = (summary.group, summary.synthetic)
            notes = several_notes(
                summary, group, result.replicated, result.mixed, self._several
            ) + repeat_notes(summary)
            if notes:
                result.group_notes[group] = notes
        return result


def _row_order(kept: KeptRow) -> tuple[Any, ...]:
    row = kept.row
    return (row.policy, row.instance_id, row.seed, row.synthetic, *attempt_order(row))


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
