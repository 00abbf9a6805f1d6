"""Running a task set under one policy: sandbox, agent, grading, one result row per task."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from harness import HarnessError, __version__
from harness.agent import Agent, Limits
from harness.baseline import BaselineCache
from harness.grading import grade
from harness.models.factory import ModelFamily
from harness.policy import Policy
from harness.pricing import PriceTable
from harness.prompts import Prompts, default_prompts
from harness.results import (
    ModelCall,
    ResultRow,
    ResultStore,
    RunIdentity,
    RunSettings,
    Trajectory,
    Verdict,
)
from harness.sandbox import SandboxProvider
from harness.tasks import Task


@dataclass(frozen=True)
class RunConfig:
    policy: Policy
    prices: PriceTable
    models: ModelFamily = field(default_factory=ModelFamily)
    limits: Limits = field(default_factory=Limits)
    grade_timeout_s: float = 900.0
    prompts: Prompts = field(default_factory=default_prompts)

    @property
    def model_name_or_path(self) -> str:
        names = self.models.settings.names
        prefix = "sim:" if self.models.synthetic else ""
        return f"{prefix}{self.policy.name}:" + "+".join(names[t] for t in self.policy.tiers)

    def identity(self, run_id: str) -> RunIdentity:
        """What every row of this run records about it."""
        names = self.models.settings.names
        return RunIdentity(
            run_id=run_id,
            model_name_or_path=self.model_name_or_path,
            policy=self.policy.name,
            policy_hash=self.policy.rules_hash,
            backend=self.models.backend,
            synthetic=self.models.synthetic,
            seed=self.models.seed,
            price_table=self.prices.version,
            harness_version=__version__,
            settings=RunSettings(
                limits=asdict(self.limits),
                model_options=asdict(self.models.options),
                models={tier: names[tier] for tier in self.policy.tiers},
                prompt_hash=self.prompts.digest,
            ),
        )


CallObserver = Callable[[ModelCall], None]


@dataclass(frozen=True)
class Attempt:
    """One task's work, done wherever it ran, before anything is written: the trajectory with
    its verdict, and when it started and how long it took."""

    trajectory: Trajectory
    started_at: str
    wall_time_s: float


def attempt_task(
    task: Task,
    config: RunConfig,
    sandboxes: SandboxProvider,
    on_call: CallObserver | None = None,
) -> Attempt:
    """Solve and grade one task; any failure becomes status error with a reason. Nothing is
    written here, so this runs as well on another machine as in this process."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    agent: Agent | None = None
    try:
        environment = sandboxes.prepare(task)
        sandbox = sandboxes.start(task, environment, config.limits.observation_bytes)
        try:
            agent = Agent(
                config.models.build(task, config.policy.tiers),
                config.policy,
                config.prices,
                config.limits,
                config.prompts,
                on_call,
            )
            baselines = BaselineCache.on_disk(f"{environment}@{task.base_commit}")
            patch = agent.solve(task, sandbox, baselines).patch
        finally:
            sandbox.close()
        verdict = grade(task, patch, sandboxes, environment, config.grade_timeout_s)
    except HarnessError as exc:  # infrastructure, a missing repo, a refused API key ...
        verdict = Verdict(status="error", reason=str(exc))
    except Exception as exc:  # a bug must not end the run or pass as 'unresolved'
        verdict = Verdict(
            status="error",
            reason=f"internal error: {type(exc).__name__}: {exc}",
            log=traceback.format_exc(),
        )
    # even a task that failed half-way keeps the calls it paid for
    trajectory = (
        agent.trajectory if agent and agent.trajectory else Trajectory(instance_id=task.instance_id)
    )
    stamp(trajectory, config, sandboxes.run_id, verdict)
    return Attempt(trajectory, started_at, time.monotonic() - started)


def stamp(trajectory: Trajectory, config: RunConfig, run_id: str, verdict: Verdict) -> None:
    """What a finished trajectory records about its run, and its verdict."""
    trajectory.policy, trajectory.seed = config.policy.name, config.models.seed
    trajectory.run_id, trajectory.synthetic = run_id, config.models.synthetic
    trajectory.verdict = verdict


def record_attempt(
    attempt: Attempt, config: RunConfig, run_id: str, store: ResultStore
) -> ResultRow:
    """Write an attempt's trajectory beside the results file; the row that sums it up."""
    path = store.write_trajectory(attempt.trajectory)
    return attempt.trajectory.to_row(
        config.identity(run_id), attempt.wall_time_s, attempt.started_at, path
    )


@dataclass(frozen=True)
class TaskWork:
    """What a pool runs for each task: picklable when the sandbox provider is, so that a
    cluster can run it on its nodes."""

    config: RunConfig
    sandboxes: SandboxProvider

    def __call__(self, task: Task, on_call: CallObserver | None = None) -> Attempt:
        return attempt_task(task, self.config, self.sandboxes, on_call)


class TaskPool(Protocol):
    """Where tasks run: threads of this process, or the nodes of a cluster."""

    def attempts(self, tasks: list[Task], work: TaskWork) -> Generator[Attempt, None, None]:
        """One attempt per task, in the order they finish. Closing the iterator before the
        end stops what is still running."""
        ...


@dataclass(frozen=True)
class ThreadPool:
    """`workers` tasks at a time in this process; one at a time runs in the caller's thread."""

    workers: int = 1

    def attempts(self, tasks: list[Task], work: TaskWork) -> Generator[Attempt, None, None]:
        if self.workers <= 1:
            for task in tasks:
                yield work(task)
            return
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="task")
        try:
            for future in as_completed([pool.submit(work, task) for task in tasks]):
                yield future.result()
        finally:
            # after an interrupt, queued tasks never start; running ones finish unwritten
            pool.shutdown(wait=False, cancel_futures=True)


def run_tasks(
    tasks: list[Task],
    config: RunConfig,
    sandboxes: SandboxProvider,
    store: ResultStore,
    on_row: Callable[[ResultRow], None] = lambda row: None,
    retry_errors: bool = False,
    workers: int = 1,
    pool: TaskPool | None = None,
) -> list[ResultRow]:
    """Run every task that has no row yet in the store, `workers` at a time in this process
    or on `pool`. This thread is the one writer: rows are written in the order tasks finish,
    and after an interrupt no more are, so a task cut short runs again on resume instead of
    counting as an error."""
    done = store.done(retry_errors)
    todo = [t for t in tasks if (t.instance_id, config.policy.name, config.models.seed) not in done]
    rows: list[ResultRow] = []
    attempts = (pool or ThreadPool(workers)).attempts(todo, TaskWork(config, sandboxes))
    with closing(attempts):  # an interrupt here stops the pool's remaining work
        for attempt in attempts:
            row = record_attempt(attempt, config, sandboxes.run_id, store)
            store.append(row)
            rows.append(row)
            on_row(row)
    return rows
