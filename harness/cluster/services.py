"""What every task of a cluster run shares, as Ray actors on the driver's node (so that they
outlive any worker node): one slot keeper per model and endpoint, which makes the
`--max-concurrency` limit hold across machines, and a ledger of the calls each attempt has
paid for, which tells the spend of an attempt whose node died.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from harness import HarnessError
from harness.cluster import NAMESPACE
from harness.models.client import DEEPSEEK_BASE_URL
from harness.models.retry import slot_source
from harness.results import ModelCall
from harness.results.journal import (
    AttemptEntry,
    AttemptSpend,
    CallEntry,
    CallEvent,
    SpendJournal,
)
from harness.runner import RunConfig

ModelKey = tuple[str, str]  # (endpoint, model)


class ModelSlots:
    """Hands out the slots of one model at one endpoint to every task of the run, on any node.
    Slots are held per attempt, so that those of an attempt that died can be taken back."""

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self.held: Counter[str] = Counter()
        self.peak = 0
        self.changed = asyncio.Condition()

    async def acquire(self, holder: str) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.held.total() < self.limit)
            self.held[holder] += 1
            self.peak = max(self.peak, self.held.total())

    async def release(self, holder: str) -> None:
        async with self.changed:
            if self.held[holder] > 0:  # not when the attempt was given up on meanwhile
                self.held[holder] -= 1
                if not self.held[holder]:
                    del self.held[holder]
                self.changed.notify()

    async def release_all(self, holder: str) -> int:
        async with self.changed:
            count = self.held.pop(holder, 0)
            self.changed.notify(count)
            return count

    async def in_use(self) -> tuple[int, int]:
        """Slots held now, and the most ever held at once."""
        return self.held.total(), self.peak


@dataclass
class Started:
    node: str
    spend: AttemptSpend | None = None


class SpendLedger:
    """Every call each attempt makes, reported as it is made and written to the run's spend
    journal (on this, the driver's, node) before the node uses the reply: when an attempt dies
    with its node, what it had spent is still here, and on disk whatever dies."""

    def __init__(self) -> None:
        self.attempts: dict[str, Started] = {}
        self.journal: SpendJournal | None = None

    def open(self, path: str) -> None:
        """Write the calls into the journal at `path` from now on."""
        self.journal = SpendJournal(Path(path))

    def started(self, attempt: str, node: str) -> None:
        self.attempts.setdefault(attempt, Started(node)).node = node

    def call(self, started: AttemptEntry, event: CallEvent, number: int, call: ModelCall) -> None:
        known = self.attempts.setdefault(started.attempt, Started(""))
        if self.journal is not None:  # the journal says which node the attempt ran on
            on_node = started.model_copy(update={"node": known.node})
            self.journal.call(on_node, event, number, call)
        known.spend = known.spend or AttemptSpend(started)
        known.spend.add(CallEntry(event=event, attempt=started.attempt, number=number, call=call))

    def take(self, attempt: str) -> tuple[str, list[ModelCall]]:
        """The node and calls of an attempt (those never settled as sent), forgotten here."""
        started = self.attempts.pop(attempt, Started(""))
        return started.node, started.spend.paid if started.spend else []


@dataclass(frozen=True)
class Services:
    """Handles of the run's actors; travels with every task to its node."""

    ledger: Any
    slots: dict[ModelKey, Any]

    @contextmanager
    def attempt(self, attempt: str) -> Iterator[None]:
        """Inside the block, clients take their slots from the run's slot keepers, held in
        the name of this attempt."""
        self.ledger.started.remote(attempt, ray.get_runtime_context().get_node_id())

        def source(endpoint: str, model: str, limit: int) -> ClusterSlot:
            keeper = self.slots.get((endpoint, model))
            if keeper is None:
                raise HarnessError(f"no concurrency limit was set up for {model} at {endpoint}")
            return ClusterSlot(keeper, attempt)

        with slot_source(source):
            yield

    def observer(self, started: AttemptEntry) -> LedgerObserver:
        """The agent's CallObserver for one attempt on a node: its calls go to the ledger."""
        return LedgerObserver(self.ledger, started)

    def lost(self, attempt: str) -> tuple[str, list[ModelCall]]:
        """Give back the slots a dead attempt held; its node and the calls it reported."""
        ray.get([keeper.release_all.remote(attempt) for keeper in self.slots.values()])
        node, calls = ray.get(self.ledger.take.remote(attempt))
        return str(node), list(calls)

    def forget(self, attempt: str) -> None:
        """An attempt that finished: its calls are in its trajectory."""
        self.ledger.take.remote(attempt)


@dataclass(frozen=True)
class LedgerObserver:
    """Each report is waited for (a millisecond or so, against seconds for the call): once the
    agent acts on a reply, its price is on record, whatever happens to this node."""

    ledger: Any
    started: AttemptEntry

    def sending(self, number: int, call: ModelCall) -> None:
        ray.get(self.ledger.call.remote(self.started, "sending", number, call))

    def settled(self, number: int, call: ModelCall) -> None:
        ray.get(self.ledger.call.remote(self.started, "settled", number, call))


@dataclass(frozen=True)
class ClusterSlot:
    """One request's slot from a slot keeper: a `Slots` of models/retry.py."""

    keeper: Any
    holder: str

    def __enter__(self) -> ClusterSlot:
        ray.get(self.keeper.acquire.remote(self.holder))
        return self

    def __exit__(self, *exc_info: object) -> None:
        # waited for: an async actor does not promise to run one caller's calls in order
        ray.get(self.keeper.release.remote(self.holder))


def model_keys(config: RunConfig) -> list[ModelKey]:
    """The (endpoint, model) pairs whose calls go over the network in this run."""
    models = config.models
    if models.synthetic or models.settings.replay is not None:
        return []
    endpoint = (models.settings.base_url or DEEPSEEK_BASE_URL).rstrip("/")
    return sorted({(endpoint, models.settings.names[tier]) for tier in config.policy.tiers})


def start_services(config: RunConfig, run_id: str) -> Services:
    """The run's actors, on this (the driver's) node: they live as long as the driver."""
    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    common: dict[str, Any] = {"num_cpus": 0, "scheduling_strategy": here, "namespace": NAMESPACE}
    ledger = ray.remote(SpendLedger).options(name=f"ledger:{run_id}", **common).remote()
    limit = config.models.client.max_concurrency
    slots = {
        key: ray.remote(ModelSlots)
        .options(name=f"slots:{run_id}:{key[0]}:{key[1]}", max_concurrency=1000, **common)
        .remote(limit)
        for key in model_keys(config)
    }
    return Services(ledger, slots)
