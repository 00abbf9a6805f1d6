"""The Ray task pool: each task of a run becomes a Ray task on a node with Docker.

The run loop (runner.run_tasks) is the same as in a local run; this pool only decides where
each task's work happens. An attempt whose node or worker process dies is run again
elsewhere, at most `ray_attempts` times in all, and the spend it had reported is kept with
the task. Every task yields exactly one attempt, so it gets exactly one row.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ray
import ray.exceptions
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from harness import HarnessError, UsageError, first_line, warn
from harness.cluster import DOCKER_RESOURCE, NAMESPACE, ClusterSettings
from harness.cluster.images import NodeKeepers, placements, prefer, start_keepers
from harness.cluster.nodes import (
    NodeReport,
    NodeSandboxes,
    bundle_repo,
    code_digest,
    on_this_node,
    probe,
    remove_run_containers,
)
from harness.cluster.services import Services, start_services
from harness.results import LostAttempt, Trajectory, Verdict
from harness.results.journal import AttemptEntry, SpendJournal
from harness.runner import Attempt, RunConfig, TaskWork, finish_trajectory
from harness.sandbox.keeper import ImageReport
from harness.sandbox.settings import ImageSettings
from harness.tasks import Task

CANCEL_WAIT_S = 30.0  # for cancelled tasks to end before their containers are removed
NODE_CALL_TIMEOUT_S = 120.0
CONNECT_TIMEOUT_S = 10.0
NODE_WATCH_S = 30.0


def attempt_on_node(
    work: TaskWork, task: Task, bundle: bytes | None, started: AttemptEntry, services: Services
) -> Attempt:
    """One attempt at a task, on the node Ray chose: the same work as in a local run, with
    the run's cluster-wide model slots, and every call reported to the ledger (and so to the
    spend journal) as it is made and before its reply is used."""
    attempt = started.attempt
    with services.attempt(attempt):
        result = work(on_this_node(task, bundle), services.observer(started), attempt)
    result.trajectory.node = ray.get_runtime_context().get_node_id()
    return result


@dataclass
class Job:
    """A task and its attempts so far."""

    task: Task
    work: TaskWork
    lost: list[LostAttempt] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    started: float = field(default_factory=time.monotonic)
    current: AttemptEntry | None = None

    def next_attempt(self) -> AttemptEntry:
        self.current = self.work.started(self.task)
        return self.current

    @property
    def attempt(self) -> str:
        assert self.current is not None
        return self.current.attempt


class RayPool:
    """Runs each task as a Ray task on a node that declares the `docker` resource."""

    def __init__(
        self,
        settings: ClusterSettings,
        services: Services,
        run_id: str,
        keepers: NodeKeepers | None = None,
    ):
        self.settings = settings
        self.services = services
        self.run_id = run_id
        self.keepers = keepers

    def attempts(
        self, tasks: list[Task], work: TaskWork, journal: SpendJournal
    ) -> Generator[Attempt, None, None]:
        remote = ray.remote(attempt_on_node)
        ray.get(self.services.ledger.open.remote(str(journal.path.absolute())))
        shared_work = ray.put(work)
        bundles = {path: ray.put(bundle_repo(path)) for path in _repo_paths(tasks)}
        running: dict[Any, Job] = {}
        preferred = placements(tasks, self._holders(tasks))

        def submit(job: Job) -> None:
            bundle: Any = bundles.get(job.task.repo_path) if job.task.repo_path else None
            node = preferred.get(job.task.instance_id) if not job.lost else None
            where = {"scheduling_strategy": prefer(node)} if node else {}
            options = remote.options(
                num_cpus=0, resources={DOCKER_RESOURCE: 1}, max_retries=0, **where
            )
            started = job.next_attempt()
            ref = options.remote(shared_work, job.task, bundle, started, self.services)
            running[ref] = job

        for task in tasks:
            submit(Job(task, work))
        watch = NodeWatch()
        try:
            while running:
                ready, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
                if not ready:
                    watch.check()
                for ref in ready:
                    job = running.pop(ref)
                    attempt = self._outcome(ref, job, work)
                    if attempt is None:
                        submit(job)
                        continue
                    attempt.trajectory.lost_attempts = job.lost
                    yield attempt
        finally:
            if running:
                self._cancel(list(running))

    def _holders(self, tasks: list[Task]) -> dict[str, set[str]]:
        """node -> the tasks whose image it holds."""
        if self.keepers is None:
            return {}
        nodes = list(self.keepers.actors)
        answers = ray.get([self.keepers.actors[n].holding.remote(tasks) for n in nodes])
        return {node: set(held) for node, held in zip(nodes, answers)}

    def image_reports(self) -> list[ImageReport]:
        """Each node's keeper closed (its cache level applied), and what it reports."""
        if self.keepers is None:
            return []
        actors = self.keepers.actors
        try:
            return list(ray.get([actor.close.remote(node) for node, actor in actors.items()]))
        except ray.exceptions.RayError as exc:
            warn(f"warning: could not close the image keeper of every node: {exc}")
            return []

    def _outcome(self, ref: Any, job: Job, work: TaskWork) -> Attempt | None:
        """The attempt a finished Ray task gave; None when it was lost and goes again."""
        attempt_id = job.attempt
        try:
            attempt: Attempt = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # failed on the node outside attempt_task
            cause = getattr(exc, "cause", None) or exc
            reason = f"internal error on the node: {first_line(cause)}"
            self._lose(job, reason)  # whatever it had spent stays with the task
            return _failed(job, work, reason)
        except ray.exceptions.RayError as exc:  # the node or the worker process died
            reason = f"{type(exc).__name__}: {first_line(exc, 200)}"
            self._lose(job, reason)
            if len(job.lost) < self.settings.ray_attempts:
                warn(f"{job.task.instance_id}: attempt {len(job.lost)} lost ({reason}); again")
                return None
            return _failed(job, work, f"lost {len(job.lost)} attempt(s); the last: {reason}")
        self.services.forget(attempt_id)
        return attempt

    def _lose(self, job: Job, reason: str) -> None:
        node, calls = self.services.lost(job.attempt)
        job.lost.append(LostAttempt(node=node, reason=reason, calls=calls, attempt_id=job.attempt))

    def _cancel(self, refs: list[Any]) -> None:
        """Stop the run's tasks on every node: a killed worker leaves its containers, which
        `cleanup` removes once the tasks have ended."""
        for ref in refs:
            with contextlib.suppress(Exception):  # already over
                ray.cancel(ref, force=True)
        ray.wait(refs, num_returns=len(refs), timeout=CANCEL_WAIT_S)

    def cleanup(self) -> int:
        """Remove the run's containers on every node with Docker; how many there were."""
        try:
            nodes = docker_nodes()
            return sum(ray.get(on_each_node(nodes, remove_run_containers, self.run_id)))
        except ray.exceptions.RayError as exc:
            warn(f"warning: could not remove every container of run {self.run_id}: {exc}")
            return 0


class NodeWatch:
    """Says so when no node with Docker is left: the tasks then wait for one to join."""

    def __init__(self) -> None:
        self.checked = time.monotonic()
        self.warned = False

    def check(self) -> None:
        if time.monotonic() - self.checked < NODE_WATCH_S:
            return
        self.checked = time.monotonic()
        alive = bool(docker_nodes())
        if not alive and not self.warned:
            warn(
                f"no node with the {DOCKER_RESOURCE!r} resource is alive; the remaining tasks "
                "wait for one to join (Ctrl-C stops the run, and a rerun resumes it)"
            )
        self.warned = not alive


def _failed(job: Job, work: TaskWork, reason: str) -> Attempt:
    """An error row for a task whose every attempt was lost: they are its lost attempts."""
    trajectory = Trajectory(instance_id=job.task.instance_id)
    run_id = work.sandboxes.run_id
    finish_trajectory(trajectory, work.config, run_id, Verdict(status="error", reason=reason))
    return Attempt(
        trajectory,
        job.started_at,
        time.monotonic() - job.started,
        job.task.content_hash,
        # its row then carries, and covers, the spend of every lost attempt
        attempt_id=job.attempt,
    )


def _repo_paths(tasks: list[Task]) -> set[Path]:
    return {task.repo_path for task in tasks if task.repo_path is not None}


def docker_nodes() -> list[dict[str, Any]]:
    return [
        node
        for node in ray.nodes()  # type: ignore[no-untyped-call]
        if node.get("Alive") and node.get("Resources", {}).get(DOCKER_RESOURCE, 0) >= 1
    ]


def on_each_node(nodes: list[dict[str, Any]], function: Any, *args: Any) -> list[Any]:
    """`function(*args)` once on each of `nodes`; the refs of the results."""
    remote = ray.remote(function)
    return [
        remote.options(
            num_cpus=0,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False),
        ).remote(*args)
        for node in nodes
    ]


def connect(
    address: str,
    config: RunConfig,
    sandboxes: NodeSandboxes,
    settings: ClusterSettings,
    images: ImageSettings | None = None,
    pulled: tuple[str, ...] = (),
) -> RayPool:
    """Join the cluster, check that its Docker nodes can run this run's tasks, and start the
    run's shared services; a HarnessError saying what to do when something is missing."""
    key = config.models.settings.api_key_env
    # the workers build the model clients, so they need the key; it travels in the job's
    # runtime environment, never in a task's arguments or a row
    env = {key: os.environ[key]} if config.models.backend == "openai" and key in os.environ else {}
    try:
        _answers(address)
        ray.init(
            address=address,
            namespace=NAMESPACE,
            logging_level=logging.WARNING,
            log_to_driver=False,
            runtime_env={"env_vars": env} if env else None,
        )
    except ValueError as exc:  # the address is malformed
        raise UsageError(f"--ray {address}: {first_line(exc, 200)}") from None
    except Exception as exc:  # ConnectionError, a version mismatch ...
        raise HarnessError(
            f"cannot join a Ray cluster at {address}: {first_line(exc, 200)}; start one with "
            f"`ray start --head --resources '{{\"{DOCKER_RESOURCE}\": 2}}'` (see README)"
        ) from None
    try:
        check_nodes(sandboxes, pulled)
        keepers = start_keepers(sandboxes, images, docker_nodes()) if images else None
        sandboxes.keepers = keepers
        services = start_services(config, sandboxes.run_id)
        return RayPool(settings, services, sandboxes.run_id, keepers)
    except BaseException:
        ray.shutdown()
        raise


def _answers(address: str) -> None:
    """Ray waits minutes for a head that is not there; a closed port is known at once."""
    host, colon, port = address.rpartition(":")
    if address == "auto" or "://" in address or not colon or not port.isdigit():
        return  # ray.init finds the cluster, or says what is wrong with the address
    with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
        pass


def check_nodes(sandboxes: NodeSandboxes, pulled: tuple[str, ...] = ()) -> list[NodeReport]:
    """Every node with Docker runs the driver's harness and has an engine and a base image,
    and the registries of the images to pull (`pulled`) answer it."""
    nodes = docker_nodes()
    if not nodes:
        raise HarnessError(
            f"no node of the Ray cluster declares the {DOCKER_RESOURCE!r} resource; start "
            f"workers with `ray start --address ... --resources '{{\"{DOCKER_RESOURCE}\": N}}'`"
        )
    reports: list[NodeReport] = ray.get(
        on_each_node(nodes, probe, sandboxes.settings, pulled), timeout=NODE_CALL_TIMEOUT_S
    )
    ours = code_digest()
    problems = [
        f"{node['NodeManagerAddress']} ({report.host}): "
        + (
            report.problem
            or f"runs harness {report.version} (code {report.digest}), the driver "
            f"code {ours}: install the same harness on every node"
        )
        for node, report in zip(nodes, reports)
        if report.problem or report.digest != ours
    ]
    if problems:
        raise HarnessError("nodes that cannot run tasks: " + "; ".join(problems))
    slots = sum(int(node["Resources"][DOCKER_RESOURCE]) for node in nodes)
    warn(f"Ray cluster: {len(nodes)} node(s) with Docker, {slots} task(s) at a time")
    return reports
