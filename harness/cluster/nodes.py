"""What a cluster node needs to run tasks, in plain Python: sandboxes on the node's own Docker
engine, the task repositories the driver sends, a check that the node is fit to run, and the
removal of a run's containers.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import harness
from harness import HarnessError
from harness.sandbox import DEFAULT_OUTPUT_LIMIT, ImageUse
from harness.sandbox.budget import DiskBudget
from harness.sandbox.containers import RUN_LABEL, remove_containers
from harness.sandbox.docker import DockerProvider, DockerSandbox
from harness.sandbox.engine import connect, default_base_image, image_exists
from harness.sandbox.images import Images
from harness.sandbox.keeper import Acquired, ImageKeeper, ImageKeeping, ImageReport
from harness.sandbox.layers import engine_chains
from harness.sandbox.preflight import check_registries, default_budget, free_bytes
from harness.sandbox.pull import PullPolicy
from harness.sandbox.settings import ImageSettings, SandboxSettings, size_in_bytes
from harness.tasks import PROJECT_ROOT, Task
from harness.tasks.repos import cache_dir, git


@dataclass
class NodeSandboxes:
    """A SandboxProvider that travels: it names the run and its settings, and on whatever
    machine it is used, works through a DockerProvider of that machine's engine."""

    run_id: str
    settings: SandboxSettings = SandboxSettings()
    repo_mirror: Path | None = None
    # the image keeper of the node a task runs on, shared by the node's worker processes
    # (cluster/pool.py); None: each image is made when its task asks
    keepers: Callable[[], ImageKeeping | None] | None = None

    def prepare(self, task: Task) -> str:
        provider = self._here()
        if provider.keeper is None and self.keepers is not None:
            provider.keeper = self.keepers()
        return provider.prepare(task)

    def expect(self, tasks: list[Task]) -> None:
        """Nothing is made ahead: which node runs a task is known only when it starts."""

    def release(self, task: Task) -> ImageUse:
        return self._here().release(task)

    def start(
        self, task: Task, environment: str, output_limit: int = DEFAULT_OUTPUT_LIMIT
    ) -> DockerSandbox:
        return self._here().start(task, environment, output_limit)

    def cleanup(self) -> int:
        """Remove the run's containers on this machine's engine."""
        return self._here().cleanup()

    def _here(self) -> DockerProvider:
        return _provider(self.run_id, self.settings, self.repo_mirror)


@cache
def _provider(run_id: str, settings: SandboxSettings, mirror: Path | None) -> DockerProvider:
    # one per process and run: a node's worker process runs many tasks of a run
    return DockerProvider(connect(), run_id, settings, mirror)


class NodeImages:
    """The images of one run on one node (a Ray actor there, so that every worker process of
    the node asks the same keeper): the node's own disk budget, from its own free space
    unless --image-disk says."""

    def __init__(
        self,
        settings: SandboxSettings,
        repo_mirror: Path | None,
        image_settings: ImageSettings,
        slots: int,
    ):
        client = connect()
        images = Images(client, settings.base_image, repo_mirror)
        images.pull_policy = PullPolicy(rate_limit_deadline_s=image_settings.rate_limit_deadline)
        if image_settings.image_disk:
            limit: int | None = size_in_bytes(image_settings.image_disk)
        else:
            free = free_bytes(client, images.base_image)
            limit = None if free is None else default_budget(free, slots, settings.disk)
        self.keeper = ImageKeeper(images, DiskBudget(limit, engine_chains(client)), image_settings)

    def acquire(self, task: Task) -> Acquired:
        return self.keeper.acquire(task)

    def release(self, task: Task) -> None:
        self.keeper.release(task)

    def holding(self, tasks: list[Task]) -> list[str]:
        """The tasks whose named image this node's engine has."""
        client = self.keeper.images.client
        return [t.instance_id for t in tasks if t.image and image_exists(client, t.image)]

    def close(self, node: str) -> ImageReport:
        return replace(self.keeper.close(), node=node)


def remove_run_containers(run_id: str) -> int:
    """Remove a run's containers on this machine's engine, whoever started them (a worker
    that was killed leaves its containers behind)."""
    return remove_containers(connect(), {RUN_LABEL: run_id})


def code_digest() -> str:
    """A hash of the harness's code, prompts, data and sandbox Dockerfile: nodes whose
    digests differ would not give the same results for the same task."""
    digest = hashlib.sha256()
    package = Path(harness.__file__).parent
    files = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for path in sorted(files):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    dockerfile = PROJECT_ROOT / "Dockerfile"
    digest.update(dockerfile.read_bytes() if dockerfile.is_file() else b"")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class NodeReport:
    host: str
    version: str
    digest: str
    problem: str = ""  # empty when the node can run tasks


def probe(settings: SandboxSettings, pulled: tuple[str, ...] = ()) -> NodeReport:
    """Can this machine run tasks: the same harness as the driver, an engine, a base image,
    and registries that answer for the images to pull (`pulled`)."""
    host = socket.gethostname()
    report = NodeReport(host, harness.__version__, code_digest())
    try:
        client = connect()
    except HarnessError as exc:
        return replace(report, problem=str(exc))
    base = settings.base_image or default_base_image(client)
    if not image_exists(client, base):
        return replace(
            report, problem=f"base image {base} is missing; run `python -m harness setup` there"
        )
    try:
        check_registries(client, [name for name in pulled if not image_exists(client, name)])
    except HarnessError as exc:
        return replace(report, problem=str(exc))
    return report


def bundle_repo(path: Path) -> bytes:
    """A task repository as a git bundle, to send to nodes that do not have it."""
    with tempfile.TemporaryDirectory(prefix="harness-bundle-") as tmp:
        target = Path(tmp) / "repo.bundle"
        git("bundle", "create", "-q", str(target), "--all", cwd=path)
        return target.read_bytes()


def local_repo(bundle: bytes) -> Path:
    """The repository of a bundle on this machine, cloned once per distinct bundle."""
    target = cache_dir() / "cluster-repos" / hashlib.sha256(bundle).hexdigest()[:16]
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f"{target.name}.tmp{os.getpid()}")
    with tempfile.NamedTemporaryFile(suffix=".bundle") as handle:
        handle.write(bundle)
        handle.flush()
        result = subprocess.run(
            ["git", "clone", "-q", "--bare", handle.name, str(staging)],
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        problem = (result.stderr.strip().splitlines() or ["git clone failed"])[-1]
        raise HarnessError(f"cannot unpack a task repository: {problem}")
    try:
        staging.rename(target)
    except OSError:  # another worker of this node made it first; theirs is identical
        subprocess.run(["rm", "-rf", str(staging)], check=True)
    return target


def on_this_node(task: Task, bundle: bytes | None) -> Task:
    """The task with its repository on this node: one the driver had on its own disk comes in
    `bundle` (the same path here may not exist, or hold something else); others are found as
    in a local run (mirror, clone)."""
    if task.repo_path is None or bundle is None:
        return task
    return replace(task, repo_path=local_repo(bundle))
