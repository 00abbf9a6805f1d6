"""Running a task set under one policy: sandbox, agent, grading, one result row per task."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from harness import HarnessError, __version__
from harness.agent import Agent, Limits
from harness.baseline import BaselineCache
from harness.grading import grade
from harness.models.factory import ModelFamily
from harness.policy import Policy
from harness.predictions import Prediction
from harness.preflight import check_task
from harness.pricing import PriceTable
from harness.prompts import Prompts, default_prompts
from harness.results import ResultRow, ResultStore, RunIdentity, RunSettings, Trajectory, Verdict
from harness.results.resume import finished
from harness.sandbox import SandboxProvider
from harness.sandbox.settings import SandboxSettings
from harness.tasks import Task

T = TypeVar("T")


@dataclass(frozen=True)
class RunConfig:
    policy: Policy
    prices: PriceTable
    models: ModelFamily = field(default_factory=ModelFamily)
    limits: Limits = field(default_factory=Limits)
    grade_timeout_s: float = 900.0
    prompts: Prompts = field(default_factory=default_prompts)
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)

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
                sandbox=asdict(self.sandbox),
            ),
        )


def run_task(
    task: Task,
    config: RunConfig,
    sandboxes: SandboxProvider,
    store: ResultStore,
    attempt: int = 1,
) -> ResultRow:
    """Solve and grade one task; any failure becomes a row with status error and a reason.
    `attempt` counts the task's rows already in the store, plus one."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    agent: Agent | None = None
    try:
        check_task(task)  # what can be known without Docker, before any other work
        environment = sandboxes.prepare(task)
        sandbox = sandboxes.start(task, environment, config.limits.observation_bytes)
        try:
            agent = Agent(
                config.models.build(task, config.policy.tiers),
                config.policy,
                config.prices,
                config.limits,
                config.prompts,
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
    identity = config.identity(sandboxes.run_id)
    trajectory.policy, trajectory.seed = identity.policy, identity.seed
    trajectory.run_id, trajectory.synthetic = identity.run_id, identity.synthetic
    trajectory.verdict = verdict
    if verdict.status == "error" and not trajectory.exit_reason:
        trajectory.exit_reason = "error"  # the agent never stopped on its own
    path = store.write_trajectory(trajectory, attempt)
    return trajectory.to_row(
        identity, time.monotonic() - started, started_at, path, task.content_hash
    )


def run_tasks(
    tasks: list[Task],
    config: RunConfig,
    sandboxes: SandboxProvider,
    store: ResultStore,
    on_row: Callable[[ResultRow], None] = lambda row: None,
    retry_errors: bool = False,
    workers: int = 1,
    append_run: bool = False,
) -> list[ResultRow]:
    """Run every task that has no row yet in the store, `workers` at a time. A store holding
    rows of another configuration is refused unless `append_run` (see results/resume.py)."""
    done = finished(store.path, config.identity(sandboxes.run_id), tasks, retry_errors, append_run)
    attempts = store.attempts()
    todo = [t for t in tasks if (t.instance_id, config.policy.name, config.models.seed) not in done]

    def attempt(task: Task) -> ResultRow:
        number = attempts[(task.instance_id, config.policy.name, config.models.seed)] + 1
        return run_task(task, config, sandboxes, store, number)

    return run_all(todo, attempt, store, on_row, workers)


def run_all(
    items: Sequence[T],
    work: Callable[[T], ResultRow],
    store: ResultStore,
    on_row: Callable[[ResultRow], None],
    workers: int,
) -> list[ResultRow]:
    """`work` on every item, `workers` at a time. Rows go through one writer, in the order
    items finish; after an interrupt no more rows are written, so an item cut short runs again
    on resume instead of counting as an error."""
    writer = threading.Lock()
    stopped = threading.Event()
    rows: list[ResultRow] = []

    def run_one(item: T) -> None:
        row = work(item)
        with writer:
            if stopped.is_set():
                return
            store.append(row)
            rows.append(row)
            on_row(row)

    if workers <= 1:
        for item in items:
            run_one(item)
        return rows
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="task")
    try:
        for future in [pool.submit(run_one, item) for item in items]:
            future.result()
    except BaseException:
        stopped.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return rows


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
        check_task(task)
        environment = sandboxes.prepare(task) if prediction.model_patch.strip() else ""
        verdict = grade(task, prediction.model_patch, sandboxes, environment, timeout_s)
    except HarnessError as exc:
        verdict = Verdict(status="error", reason=str(exc))
    except Exception as exc:  # a bug must not end the run or pass as 'unresolved'
        verdict = Verdict(
            status="error",
            reason=f"internal error: {type(exc).__name__}: {exc}",
            log=traceback.format_exc(),
        )
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
