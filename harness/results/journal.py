"""The spend journal: every model call made for a results file, written before its request
goes out and again before its reply is used, flushed and fsynced each time. It sits beside
the results file (`<results>.spend`) and, like it, is only ever appended to.

Whatever stops a run (SIGTERM, kill -9, a Ray node that dies), no call it may have paid for is
lost: a call whose reply was never read stays in the journal as sent, of unknown usage,
estimated from its request. An attempt at a task that never reached a row is picked up when the
task runs again (its spend goes into the new row as a lost attempt, see `LostAttempt`), and
until then reports count it from here.

One JSON object per line:
- `run`: a run's identity, once per run that writes to the file;
- `attempt`: an attempt at a task (its id, run and task), before its first call;
- `sending` / `settled`: a call, by its attempt and its place in the attempt's calls; the
  settled entry replaces the sending one;
- `absorbed`: an attempt whose row carries the spend of earlier attempts that never reached a
  row (written before that row, so that a crash in between leaves them unabsorbed).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from harness import HarnessError
from harness.results.resume import configuration
from harness.results.row import Record, ResultRow, RowKey, RunIdentity, row_view
from harness.results.store import iter_rows, unfinished
from harness.results.trajectory import LostAttempt, ModelCall, Trajectory

UNRECORDED = "the run stopped before this attempt reached a row"


def journal_path(results: Path) -> Path:
    """Where the journal of a results file is: beside it, named after it."""
    return results.with_name(results.stem + ".spend")


class RunEntry(Record):
    event: Literal["run"] = "run"
    identity: RunIdentity


class AttemptEntry(Record):
    event: Literal["attempt"] = "attempt"
    attempt: str
    run_id: str
    instance_id: str
    policy: str
    seed: int
    task_hash: str = ""
    node: str = ""  # the Ray node it ran on, in a cluster run

    @property
    def key(self) -> RowKey:
        return (self.instance_id, self.policy, self.seed)

    @classmethod
    def new(cls, run_id: str, key: RowKey, task_hash: str) -> AttemptEntry:
        """An attempt with an id of its own: run ids may be given again, attempt ids never."""
        instance_id, policy, seed = key
        return cls(
            attempt=f"{run_id}:{uuid.uuid4().hex[:12]}",
            run_id=run_id,
            instance_id=instance_id,
            policy=policy,
            seed=seed,
            task_hash=task_hash,
        )


CallEvent = Literal["sending", "settled"]


class CallEntry(Record):
    event: CallEvent
    attempt: str
    number: int
    call: ModelCall


class AbsorbedEntry(Record):
    event: Literal["absorbed"] = "absorbed"
    attempt: str
    lost: list[str]


Entry = Annotated[RunEntry | AttemptEntry | CallEntry | AbsorbedEntry, Field(discriminator="event")]
_ENTRY: TypeAdapter[Entry] = TypeAdapter(Entry)


@dataclass
class AttemptSpend:
    """One attempt's calls as the journal has them: each call's settled entry, or its sending
    entry when it never settled (usage unknown)."""

    started: AttemptEntry
    calls: dict[int, ModelCall] = field(default_factory=dict)

    def add(self, entry: CallEntry) -> None:
        if entry.event == "settled" or entry.number not in self.calls:
            self.calls[entry.number] = entry.call

    @property
    def paid(self) -> list[ModelCall]:
        return [self.calls[number] for number in sorted(self.calls)]

    def lost(self) -> LostAttempt:
        """As a lost attempt of the row that carries its spend."""
        return LostAttempt(reason=UNRECORDED, calls=self.paid, attempt_id=self.started.attempt)


class SpendJournal:
    """Appends entries to a journal, each in one write, flushed and fsynced before the call
    returns. Several threads (and, in a Ray run, the driver and the ledger actor) may append
    to one journal at once: a line goes in one write to a file opened for appending."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._started: set[str] = set()
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            size = os.fstat(self._fd).st_size
            # a line cut short by a crash gets its end first, so the next entry stands alone
            self._pending = b"\n" if size and os.pread(self._fd, 1, size - 1) != b"\n" else b""
        except OSError as exc:
            raise HarnessError(f"cannot write spend journal {path}: {exc.strerror}") from None

    def close(self) -> None:
        """No entry is written after this: a call not yet sent then never is (a run that was
        told to stop sends nothing more)."""
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def write(self, *entries: Record) -> None:
        data = b"".join(entry.to_json().encode("utf-8") + b"\n" for entry in entries)
        with self._lock:
            if self._fd < 0:
                raise HarnessError(f"the spend journal {self.path} is closed: the run stopped")
            data, self._pending = self._pending + data, b""
            while data:
                data = data[os.write(self._fd, data) :]
            os.fsync(self._fd)

    def run(self, identity: RunIdentity) -> None:
        self.write(RunEntry(identity=identity))

    def absorbed(self, attempt: str, lost: list[str]) -> None:
        if lost:
            self.write(AbsorbedEntry(attempt=attempt, lost=lost))

    def call(self, started: AttemptEntry, event: CallEvent, number: int, call: ModelCall) -> None:
        """A call's entry, after its attempt's entry when it is the attempt's first."""
        entry = CallEntry(event=event, attempt=started.attempt, number=number, call=call)
        with self._lock:
            first = started.attempt not in self._started
            self._started.add(started.attempt)
        self.write(*([started] if first else []), entry)

    def observer(self, started: AttemptEntry) -> AttemptObserver:
        return AttemptObserver(self, started)


@dataclass(frozen=True)
class AttemptObserver:
    """The agent's CallObserver for one attempt: its calls into the journal."""

    journal: SpendJournal
    started: AttemptEntry

    def sending(self, number: int, call: ModelCall) -> None:
        self.journal.call(self.started, "sending", number, call)

    def settled(self, number: int, call: ModelCall) -> None:
        self.journal.call(self.started, "settled", number, call)


@dataclass
class Journal:
    """What a journal says: the runs, and the attempts no row holds the spend of."""

    runs: dict[str, RunIdentity] = field(default_factory=dict)
    attempts: dict[str, AttemptSpend] = field(default_factory=dict)
    covered: set[str] = field(default_factory=set)  # absorbed by an attempt that has a row

    @property
    def unrecorded(self) -> list[AttemptSpend]:
        """Attempts with calls whose spend no row holds: they reached no row, and no attempt
        that has a row absorbed them."""
        return [
            spend
            for attempt, spend in self.attempts.items()
            if spend.calls and attempt not in self.covered
        ]

    def unrecorded_rows(self, seen: set[str]) -> Iterator[tuple[ResultRow, list[ModelCall]]]:
        """Each unrecorded attempt not in `seen` (which it joins) as an error row of its run
        that reports would group it by, with its calls: spend, never a task."""
        for spend in self.unrecorded:
            started = spend.started
            run = self.runs.get(started.run_id)
            if run is None or started.attempt in seen:
                continue
            seen.add(started.attempt)
            row = ResultRow(
                **run.model_dump(),
                instance_id=started.instance_id,
                model_patch="",
                status="error",
                status_reason=UNRECORDED,
            )
            yield row, spend.paid


def read_journal(path: Path, recorded: set[str]) -> Journal:
    """The journal at `path` (empty when there is none), read against the attempt ids of the
    rows written (`recorded`): only what no row holds is kept."""
    journal = Journal()
    for entry in _entries(path):
        if isinstance(entry, RunEntry):
            journal.runs[entry.identity.run_id] = entry.identity
        elif isinstance(entry, AttemptEntry):
            if entry.attempt not in recorded:
                journal.attempts.setdefault(entry.attempt, AttemptSpend(entry))
        elif isinstance(entry, CallEntry):
            if (spend := journal.attempts.get(entry.attempt)) is not None:
                spend.add(entry)
        elif entry.attempt in recorded:
            journal.covered.update(entry.lost)
    return journal


def _entries(path: Path) -> Iterator[Entry]:
    try:
        with open(path, "rb", buffering=1 << 20) as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    yield _ENTRY.validate_json(line)
                except ValidationError:
                    if unfinished(line):  # cut short by a crash: as if never written
                        continue
                    raise HarnessError(
                        f"{path}: line {number} is not a spend journal entry"
                    ) from None
    except FileNotFoundError:
        return
    except OSError as exc:
        raise HarnessError(f"cannot read spend journal {path}: {exc.strerror}") from None


def recorded_attempts(results: Path) -> set[str]:
    """The attempt ids of a results file's rows."""
    if not results.exists():
        return set()
    rows: Iterator[Any] = iter_rows(results, row_view({"attempt_id"}))
    return {row.attempt_id for row in rows if row.attempt_id}


def lost_attempts(results: Path, identity: RunIdentity) -> dict[RowKey, list[AttemptSpend]]:
    """Per task, the attempts of a run of this configuration on `results` that never reached
    a row and whose spend no row holds: a new attempt at the task carries them."""
    journal = read_journal(journal_path(results), recorded_attempts(results))
    mine = configuration(identity)
    found: dict[RowKey, list[AttemptSpend]] = {}
    for spend in journal.unrecorded:
        run = journal.runs.get(spend.started.run_id)
        if run is not None and configuration(run) == mine:
            found.setdefault(spend.started.key, []).append(spend)
    return found


def carry(
    trajectory: Trajectory,
    attempt: str,
    earlier: list[AttemptSpend],
    task_hash: str,
    journal: SpendJournal,
) -> None:
    """The attempt's row carries the spend of the task's earlier attempts that never reached a
    row (runs that stopped), as lost attempts; the journal says so before the row is written,
    so that reports count that spend once."""
    mine = [spend.lost() for spend in earlier if spend.started.task_hash in ("", task_hash)]
    trajectory.lost_attempts = mine + trajectory.lost_attempts
    carried = [lost.attempt_id for lost in trajectory.lost_attempts if lost.attempt_id]
    journal.absorbed(attempt, carried)
