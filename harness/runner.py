"""Running a task set under one policy: sandbox, agent, grading, one result row per task."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Generator, Iterable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from harness import HarnessError, __version__
from harness.agent.baseline import BaselineCache
from harness.agent.calls import CallObserver
from harness.agent.loop import Agent, Limits
from harness.agent.policy import Policy
from harness.grading import grade
from harness.grading.preflight import preflight, preflight_problem
from harness.models.factory import ModelFamily
from harness.pricing import PriceTable
from harness.prompts import Prompts, default_prompts
from harness.results import (
    ResultRow,
    ResultStore,
    RunIdentity,
    RunSettings,
    Trajectory,
    Verdict,
)
from harness.results.journal import (
    AttemptEntry,
    SpendJournal,
    carry,
    journal_path,
    lost_attempts,
)
from harness.results.predictions import Prediction
from harness.results.resume import finished
from harness.results.row import RowKey, task_key
from harness.sandbox import ImageUse, SandboxProvider
from harness.sandbox.memo import Grader
from harness.sandbox.settings import SandboxSettings
from harness.tasks import Task
from harness.threads import ThreadPool


@dataclass(frozen=True)
class RunConfig:
    policy: Policy
    prices: PriceTable
    models: ModelFamily = field(default_factory=ModelFamily)
    limits: Limits = field(default_factory=Limits)
    grade_timeout_s: float = 900.0
    prompts: Prompts = field(default_factory=default_prompts)
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    grader: Grader = grade  # a memoised provider's, to reuse verdicts (sandbox/memo.py)

    def key(self, task: Task) -> RowKey:
        """The key of this run's row of a task."""
        return task_key(task.instance_id, self.policy.name, self.models.seed)

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
            price_table_hash=self.prices.digest,
            harness_version=__version__,
            settings=RunSettings(
                limits=asdict(self.limits),
                model_options=asdict(self.models.options),
                models={tier: names[tier] for tier in self.policy.tiers},
                prompt_hash=self.prompts.digest,
                sandbox=asdict(self.sandbox),
                sim_params=self.models.sim_params.digest if self.models.synthetic else "",
                sim_calibrated_from=(
                    self.models.sim_params.calibrated_from if self.models.synthetic else 0
                ),
            ),
        )


@dataclass(frozen=True)
class Attempt:
    """One task's work, done wherever it ran, before anything is written: the trajectory with
    its verdict, and when it started and how long it took."""

    trajectory: Trajectory
    started_at: str
    wall_time_s: float
    task_hash: str = ""  # what the row records of the task's content
    image: ImageUse = ImageUse()
    attempt_id: str = ""  # its id in the spend journal


def attempt_task(
    task: Task,
    config: RunConfig,
    sandboxes: SandboxProvider,
    observer: CallObserver | None = None,
    attempt_id: str = "",
) -> Attempt:
    """Solve and grade one task; any failure becomes status error with a reason. Nothing is
    written here but what `observer` (the spend journal) is told of each model call, so this
    runs as well on another machine as in this process."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    agent: Agent | None = None
    try:
        preflight(task)  # what can be known without Docker, before any other work
        environment = sandboxes.prepare(task)
        sandbox = sandboxes.start(task, environment, config.limits.observation_bytes)
        try:
            agent = Agent(
                config.models.build(task, config.policy.tiers),
                config.policy,
                config.prices,
                config.limits,
                config.prompts,
                observer,
            )
            baselines = BaselineCache.for_environment(environment, task.base_commit)
            patch = agent.solve(task, sandbox, baselines).patch
        finally:
            sandbox.close()
        verdict = config.grader(task, patch, sandboxes, environment, config.grade_timeout_s)
    except Exception as exc:  # infrastructure, bad input or a bug: see error_verdict
        verdict = error_verdict(exc)
    image = sandboxes.release(task)  # its image may now make room for others
    # even a task that failed half-way keeps the calls it paid for
    trajectory = (
        agent.trajectory if agent and agent.trajectory else Trajectory(instance_id=task.instance_id)
    )
    finish_trajectory(trajectory, config, sandboxes.run_id, verdict)
    return Attempt(
        trajectory,
        started_at,
        time.monotonic() - started,
        task.content_hash,
        image,
        attempt_id,
    )


def error_verdict(exc: Exception) -> Verdict:
    """An error row's verdict: infrastructure, a missing repo, a refused key (HarnessError)
    say what happened; anything else is a bug, which must not end the run or pass as
    'unresolved'."""
    if isinstance(exc, HarnessError):
        return Verdict(status="error", reason=str(exc))
    return Verdict(
        status="error",
        reason=f"internal error: {type(exc).__name__}: {exc}",
        log=traceback.format_exc(),
    )


def finish_trajectory(
    trajectory: Trajectory, config: RunConfig, run_id: str, verdict: Verdict
) -> None:
    """What a finished trajectory records about its run, and its verdict."""
    trajectory.policy, trajectory.seed = config.policy.name, config.models.seed
    trajectory.run_id, trajectory.synthetic = run_id, config.models.synthetic
    trajectory.verdict = verdict
    if verdict.status == "error" and not trajectory.exit_reason:
        trajectory.exit_reason = "error"  # the agent never stopped on its own


def record_attempt(
    attempt: Attempt, config: RunConfig, run_id: str, store: ResultStore, number: int = 1
) -> ResultRow:
    """Write an attempt's trajectory beside the results file; the row that sums it up.
    `number` counts the task's rows already in the store, plus one (--rerun-errors)."""
    path = store.write_trajectory(attempt.trajectory, number)
    row = attempt.trajectory.to_row(
        config.identity(run_id),
        attempt.wall_time_s,
        attempt.started_at,
        path,
        attempt.task_hash,
        attempt.attempt_id,
    )
    image = attempt.image
    return row.model_copy(
        update={
            "image_wait_s": image.wait_s,
            "registry_wait_s": image.registry_wait_s,
            "image_bytes_pulled": image.downloaded,
            "node": attempt.trajectory.node,
        }
    )


@dataclass(frozen=True)
class TaskWork:
    """What a pool runs for each task: picklable when the sandbox provider is, so that a
    cluster can run it on its nodes."""

    config: RunConfig
    sandboxes: SandboxProvider

    def __call__(
        self, task: Task, observer: CallObserver | None = None, attempt_id: str = ""
    ) -> Attempt:
        return attempt_task(task, self.config, self.sandboxes, observer, attempt_id)

    def started(self, task: Task) -> AttemptEntry:
        """A new attempt at the task, as the spend journal knows it."""
        key = self.config.key(task)
        return AttemptEntry.new(self.sandboxes.run_id, key, task.content_hash)

    def journaled(self, journal: SpendJournal, task: Task) -> Attempt:
        """An attempt whose every model call goes into `journal` as it is made."""
        started = self.started(task)
        return self(task, journal.observer(started), started.attempt)


class TaskPool(Protocol):
    """Where tasks run: threads of this process, or the nodes of a cluster."""

    def attempts(
        self, tasks: list[Task], work: TaskWork, journal: SpendJournal
    ) -> Generator[Attempt, None, None]:
        """One attempt per task, in the order they finish; every model call goes into the
        spend journal before its reply is used. Closing the iterator before the end stops
        what is still running."""
        ...


def run_tasks(
    tasks: list[Task],
    config: RunConfig,
    sandboxes: SandboxProvider,
    store: ResultStore,
    on_row: Callable[[ResultRow], None] = lambda row: None,
    retry_errors: bool = False,
    workers: int = 1,
    append_run: bool = False,
    pool: TaskPool | None = None,
    done: set[RowKey] | None = None,
) -> list[ResultRow]:
    """Run every task that has no row yet in the store, `workers` at a time in this process
    or on `pool`. A store holding rows of another configuration is refused unless
    `append_run` (see results/resume.py). `done`: what resume.finished said of the store,
    when the caller asked it already."""
    identity = config.identity(sandboxes.run_id)
    if done is None:
        done = finished(store.path, identity, tasks, retry_errors, append_run)
    numbers = store.attempts()
    by_id = {task.instance_id: task for task in tasks}
    todo = [task for task in tasks if config.key(task) not in done]
    # in the order the pool starts them; a task that fails its preflight needs no image
    sandboxes.expect([task for task in todo if not preflight_problem(task)])
    earlier = lost_attempts(store.path, identity)  # what runs that stopped had spent
    work = TaskWork(config, sandboxes)
    with closing(SpendJournal(journal_path(store.path))) as journal:
        journal.run(identity)
        if pool is None:
            attempts = ThreadPool(workers).attempts(todo, partial(work.journaled, journal))
        else:
            attempts = pool.attempts(todo, work, journal)

        def recorded(attempt: Attempt) -> ResultRow:
            task = by_id[attempt.trajectory.instance_id]
            mine = earlier.pop(config.key(task), [])
            carry(attempt.trajectory, attempt.attempt_id, mine, task.content_hash, journal)
            number = numbers[config.key(task)] + 1
            return record_attempt(attempt, config, sandboxes.run_id, store, number)

        with closing(attempts):  # an interrupt here stops the pool's remaining work
            return write_rows(map(recorded, attempts), store, on_row)


def write_rows(
    rows: Iterable[ResultRow], store: ResultStore, on_row: Callable[[ResultRow], None]
) -> list[ResultRow]:
    """This thread is the one writer: rows are written in the order their tasks finish, and
    after an interrupt no more are, so a task cut short runs again on resume instead of
    counting as an error."""
    written = []
    for row in rows:
        store.append(row)
        written.append(row)
        on_row(row)
    return written


def grade_prediction(
    task: Task,
    prediction: Prediction,
    sandboxes: SandboxProvider,
    store: ResultStore,
    timeout_s: float = 900.0,
) -> ResultRow:
    """Grade a patch made elsewhere: a row whose cost is unknown (null), with a trajectory
    that holds the patch and the verdict."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    try:
        preflight(task)
        environment = sandboxes.prepare(task) if prediction.model_patch.strip() else ""
        verdict = grade(task, prediction.model_patch, sandboxes, environment, timeout_s)
    except Exception as exc:  # infrastructure, bad input or a bug: see error_verdict
        verdict = error_verdict(exc)
    sandboxes.release(task)
    name = prediction.model_name_or_path
    trajectory = Trajectory(
        instance_id=task.instance_id,
        patch=prediction.model_patch,
        policy=name,
        run_id=sandboxes.run_id,
        synthetic=name.startswith("sim:"),
        verdict=verdict,
    )
    identity = RunIdentity(
        run_id=sandboxes.run_id,
        model_name_or_path=name,
        policy=name,
        policy_hash="",
        backend="predictions",
        synthetic=trajectory.synthetic,
        seed=0,
        price_table="",
        harness_version=__version__,
    )
    path = store.write_trajectory(trajectory)
    row = trajectory.to_row(identity, time.monotonic() - started, started_at, path)
    return row.model_copy(update={"cost_usd": None})
