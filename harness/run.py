"""Running a task set under one policy: sandbox, agent, grading, one result row per task."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harness import HarnessError, __version__
from harness.agent import Agent, Limits, Trajectory
from harness.grading import Verdict, grade
from harness.models import (
    DEEPSEEK_BASE_URL,
    DEFAULT_KEY_VARIABLE,
    DEFAULT_MODELS,
    ClientSettings,
    Model,
    ModelOptions,
)
from harness.policy import Policy
from harness.pricing import PriceTable, Usage
from harness.results import ResultRow, ResultStore
from harness.sandbox import Docker
from harness.tasks import Task


@dataclass(frozen=True)
class RunConfig:
    policy: Policy
    prices: PriceTable
    backend: str = "sim"  # sim | openai
    seed: int = 0
    model_names: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    base_url: str = DEEPSEEK_BASE_URL
    key_variable: str = DEFAULT_KEY_VARIABLE
    model_options: ModelOptions = ModelOptions()  # thinking, reasoning effort
    client: ClientSettings = ClientSettings()  # timeout, retries, concurrency per model
    record_dir: Path | None = None  # --record: keep every request and response here
    replay_dir: Path | None = None  # --replay: serve recorded responses, no network
    limits: Limits = Limits()
    grade_timeout_s: float = 900.0

    @property
    def synthetic(self) -> bool:
        return self.backend == "sim"

    @property
    def model_name_or_path(self) -> str:
        tiers = self.policy.tiers
        prefix = "sim:" if self.synthetic else ""
        return f"{prefix}{self.policy.name}:" + "+".join(self.model_names[t] for t in tiers)


def build_models(config: RunConfig, task: Task) -> dict[str, Model]:
    """One model per tier the policy uses; simulated ones are made per task (their prompt
    cache, like a provider's, starts empty for a new trajectory)."""
    if config.backend == "sim":
        from harness.sim import SimModel

        return {tier: SimModel(task, tier, config.model_names[tier], config.seed)
                for tier in config.policy.tiers}
    from harness.models import OpenAIModel
    from harness.recording import ReplayModel, Tape

    # One tape per task, shared by its tiers: it names the task when a replay misses.
    if config.replay_dir is not None:
        tape = Tape(config.replay_dir, task.instance_id)
        return {tier: ReplayModel(config.model_names[tier], tape, config.model_options)
                for tier in config.policy.tiers}
    recorder = Tape(config.record_dir, task.instance_id) if config.record_dir else None
    return {tier: OpenAIModel(config.model_names[tier], config.base_url, config.key_variable,
                              config.model_options, config.client, recorder)
            for tier in config.policy.tiers}


def tokens_by_tier(trajectory: Trajectory) -> dict[str, dict[str, int]]:
    totals: dict[str, Usage] = {}
    for call in trajectory.calls:
        totals[call.tier] = totals.get(call.tier, Usage()) + call.usage
    return {tier: asdict(usage) for tier, usage in sorted(totals.items())}


def cost_by_tier(trajectory: Trajectory) -> dict[str, float]:
    totals: dict[str, float] = {}
    for call in trajectory.calls:
        totals[call.tier] = totals.get(call.tier, 0.0) + call.cost_usd
    return dict(sorted(totals.items()))


def run_task(task: Task, config: RunConfig, docker: Docker, store: ResultStore) -> ResultRow:
    """Solve and grade one task; any failure becomes a row with status error and a reason."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    agent: Agent | None = None
    try:
        image = docker.task_image(task)
        sandbox = docker.start(image)
        try:
            agent = Agent(build_models(config, task), config.policy, config.prices,
                          config.limits)
            patch = agent.solve(task, sandbox).patch
        finally:
            sandbox.close()
        verdict = grade(task, patch, docker, image, config.grade_timeout_s)
    except HarnessError as exc:  # infrastructure, a missing repo, a refused API key ...
        verdict = Verdict("error", str(exc))
    except Exception as exc:  # a bug must not end the run or pass as 'unresolved'
        verdict = Verdict("error", f"internal error: {type(exc).__name__}: {exc}",
                          log=traceback.format_exc())
    # even a task that failed half-way keeps the calls it paid for
    trajectory = agent.trajectory if agent is not None else None
    return _finish(task, config, docker, store, trajectory, verdict, started, started_at)


def _finish(task: Task, config: RunConfig, docker: Docker, store: ResultStore,
            trajectory: Trajectory | None, verdict: Verdict, started: float,
            started_at: str) -> ResultRow:
    trajectory = trajectory or Trajectory(messages=[])
    policy = config.policy
    path = store.write_trajectory(task.instance_id, policy.name, config.seed, {
        "instance_id": task.instance_id, "policy": policy.name, "seed": config.seed,
        "run_id": docker.run_id, "synthetic": config.synthetic,
        "exit_reason": trajectory.exit_reason, "messages": trajectory.messages,
        "calls": [asdict(call) for call in trajectory.calls],
        "turns": [asdict(turn) for turn in trajectory.turns],
        "patch": trajectory.patch,
        "verdict": {"status": verdict.status, "reason": verdict.reason, "log": verdict.log},
    })
    return ResultRow(
        instance_id=task.instance_id,
        model_name_or_path=config.model_name_or_path,
        model_patch=trajectory.patch,
        run_id=docker.run_id,
        policy=policy.name,
        policy_hash=policy.rules_hash,
        backend=config.backend,
        synthetic=config.synthetic,
        seed=config.seed,
        price_table=config.prices.version,
        status=verdict.status,
        status_reason=verdict.reason,
        FAIL_TO_PASS={"success": list(verdict.fail_to_pass.success),
                      "failure": list(verdict.fail_to_pass.failure)},
        PASS_TO_PASS={"success": list(verdict.pass_to_pass.success),
                      "failure": list(verdict.pass_to_pass.failure)},
        turns=len(trajectory.turns),
        escalations=trajectory.escalations,
        exit_reason=trajectory.exit_reason,
        tokens=tokens_by_tier(trajectory),
        cost_usd=trajectory.cost_usd,
        cost_by_tier=cost_by_tier(trajectory),
        wall_time_s=round(time.monotonic() - started, 3),
        started_at=started_at,
        harness_version=__version__,
        trajectory=str(path.relative_to(store.path.parent)),
    )


def run_tasks(tasks: list[Task], config: RunConfig, docker: Docker, store: ResultStore,
              on_row: Callable[[ResultRow], None] = lambda row: None,
              retry_errors: bool = False, workers: int = 1) -> list[ResultRow]:
    """Run every task that has no row yet in the store, `workers` at a time. Rows go through
    one writer, in the order tasks finish; after an interrupt no more rows are written, so a
    task cut short runs again on resume instead of counting as an error."""
    done = store.done(retry_errors)
    todo = [t for t in tasks if (t.instance_id, config.policy.name, config.seed) not in done]
    writer = threading.Lock()
    stopped = threading.Event()
    rows: list[ResultRow] = []

    def run_one(task: Task) -> None:
        row = run_task(task, config, docker, store)
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
