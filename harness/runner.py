"""Running a task set under one policy: sandbox, agent, grading, one result row per task."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from harness import HarnessError, __version__
from harness.agent import Agent, Limits
from harness.baseline import BaselineCache
from harness.grading import grade
from harness.models.factory import ModelFamily
from harness.policy import Policy
from harness.pricing import PriceTable
from harness.prompts import Prompts, default_prompts
from harness.results import ResultRow, ResultStore, RunIdentity, RunSettings, Trajectory, Verdict
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
                sim_params=self.models.sim_params.digest if self.models.synthetic else "",
                sim_calibrated_from=(
                    self.models.sim_params.calibrated_from if self.models.synthetic else 0
                ),
            ),
        )


def run_task(
    task: Task, config: RunConfig, sandboxes: SandboxProvider, store: ResultStore
) -> ResultRow:
    """Solve and grade one task; any failure becomes a row with status error and a reason."""
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
    path = store.write_trajectory(trajectory)
    return trajectory.to_row(identity, time.monotonic() - started, started_at, path)


def run_tasks(
    tasks: list[Task],
    config: RunConfig,
    sandboxes: SandboxProvider,
    store: ResultStore,
    on_row: Callable[[ResultRow], None] = lambda row: None,
    retry_errors: bool = False,
    workers: int = 1,
) -> list[ResultRow]:
    """Run every task that has no row yet in the store, `workers` at a time. Rows go through
    one writer, in the order tasks finish; after an interrupt no more rows are written, so a
    task cut short runs again on resume instead of counting as an error."""
    done = store.done(retry_errors)
    todo = [t for t in tasks if (t.instance_id, config.policy.name, config.models.seed) not in done]
    writer = threading.Lock()
    stopped = threading.Event()
    rows: list[ResultRow] = []

    def run_one(task: Task) -> None:
        row = run_task(task, config, sandboxes, store)
        with writer:
            if stopped.is_set():
                return
            store.append(row)
            rows.append(row)
            on_row(row)

    if workers <= 1:
        for task in todo:
            run_one(task)
        return rows
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="task")
    try:
        for future in [pool.submit(run_one, task) for task in todo]:
            future.result()
    except BaseException:
        stopped.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return rows
