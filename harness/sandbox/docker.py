"""Docker sandboxes: locked-down containers, and the executor that runs commands in them."""

from __future__ import annotations

import contextlib
import io
import tarfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.types import Ulimit

from harness import HarnessError, InfrastructureError, warn
from harness.sandbox import DEFAULT_OUTPUT_LIMIT, WORKDIR, CommandResult, ImageUse
from harness.sandbox.channel import (
    EXECUTOR_SOURCE,
    NO_PYTHON_WARNING,
    Channel,
    Probe,
    open_channel,
    probe,
)
from harness.sandbox.containers import (
    INSTANCE_LABEL,
    remove_containers,
    run_labels,
    why_stopped,
)
from harness.sandbox.disk import DiskLimit, Watchdog, storage_opt_unsupported
from harness.sandbox.engine import docker_reason
from harness.sandbox.images import Images, tar_bytes
from harness.sandbox.keeper import ImageKeeping
from harness.sandbox.settings import SandboxSettings, size_in_bytes
from harness.sandbox.workspace import GitWorkspace
from harness.tasks import Task


class DockerSandbox(GitWorkspace):
    """One running container with the task's repository in /testbed; commands run in the
    environment the probe found (see sandbox/channel.py)."""

    def __init__(
        self,
        container: Any,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
        found: Probe = Probe(),
        disk: DiskLimit | None = None,
    ):
        self.container = container
        self.output_limit = output_limit
        self.found = found
        self.warnings = [] if found.python else [NO_PYTHON_WARNING]
        self.disk = disk
        self._executor: Channel | None = None
        self._watchdog = None
        if disk is not None and disk.watchdog:
            self._watchdog = Watchdog(container, disk.size, self._stop_everything)

    def run(self, command: str, timeout: float = 60, stdin: str | None = None) -> CommandResult:
        for attempt in (1, 2):  # a command may kill the executor (e.g. the OOM killer)
            try:
                if self._executor is None:
                    self._executor = open_channel(self.container, self.found)
                with self._watching() as stopped:
                    reply = self._executor.request(command, timeout, self.output_limit, stdin)
                break
            except (StopIteration, OSError, ValueError, docker.errors.DockerException):
                self._drop_executor()
                if stopped_because := why_stopped(self.container):
                    raise InfrastructureError(stopped_because) from None
                if attempt == 2:
                    raise InfrastructureError(
                        "the command runner in the sandbox died while running the command, "
                        "twice (the command may kill processes it did not start, or need more "
                        "memory than --memory allows)"
                    ) from None
        if "error" in reply:
            raise InfrastructureError(f"executor: {reply['error']}")
        disk, output = self.disk, reply["head"] + reply["tail"]
        full = disk.text if disk and disk.hit(reply["exit_code"], output, stopped()) else None
        return CommandResult.from_reply(reply, timeout, full)

    def _watching(self) -> contextlib.AbstractContextManager[Callable[[], bool]]:
        if self._watchdog is None:
            return contextlib.nullcontext(lambda: False)
        return self._watchdog.watching()

    def _why(self, exc: BaseException) -> str:
        return why_stopped(self.container) or docker_reason(exc)

    def _stop_everything(self) -> None:
        """Stop, from outside, every process commands started: the running command (the
        executor is busy waiting for it) and what earlier ones left in the background."""
        if not self.found.python:  # commands run one `docker exec` each, with a timeout
            return
        with contextlib.suppress(docker.errors.DockerException, OSError):
            self.container.exec_run([self.found.python, "-c", EXECUTOR_SOURCE, "stop"])

    def _drop_executor(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None

    def write_file(self, path: str, data: bytes | str) -> None:
        payload = data.encode() if isinstance(data, str) else data
        directory, name = _absolute(path).rsplit("/", 1)
        try:
            self.container.put_archive(directory or "/", tar_bytes({name: payload}))
        except docker.errors.DockerException as exc:
            raise InfrastructureError(
                f"cannot write {path} into the sandbox: {self._why(exc)}"
            ) from None

    def read_file(self, path: str) -> bytes:
        """A file's bytes, out of the container through an in-memory tar archive."""
        try:
            stream, _ = self.container.get_archive(_absolute(path))
            with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
                member = archive.next()
                handle = archive.extractfile(member) if member else None
                if handle is None:
                    raise HarnessError(f"{path} is not a file")
                return handle.read()
        except docker.errors.DockerException as exc:
            if stopped_because := why_stopped(self.container):
                raise InfrastructureError(f"cannot read {path}: {stopped_because}") from None
            if isinstance(exc, docker.errors.NotFound):
                raise HarnessError(f"no such file in the sandbox: {path}") from None
            raise InfrastructureError(f"cannot read {path}: {docker_reason(exc)}") from None

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.close()
        self._drop_executor()
        try:
            self.container.remove(force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if exc.status_code != 409:  # 409: a removal is already under way
                raise InfrastructureError(
                    f"cannot remove the sandbox container: {docker_reason(exc)}"
                ) from None


def _absolute(path: str) -> str:
    """Container paths relative to the repository, as in every sandbox."""
    return path if path.startswith("/") else f"{WORKDIR}/{path}"


CREATE_WAIT_S = 1.0  # at most, for containers being created when a run stops


class DockerProvider:
    """Task images and locked-down containers of one run, all labelled with its run id."""

    def __init__(
        self,
        client: docker.DockerClient,
        run_id: str | None = None,
        settings: SandboxSettings = SandboxSettings(),
        repo_mirror: Path | None = None,
    ):
        self.client = client
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.instance = uuid.uuid4().hex  # this process's containers, whatever the run id
        self.settings = settings
        self.images = Images(client, settings.base_image, repo_mirror)
        self._labels = run_labels(self.run_id, self.instance)
        # "storage-opt" once the engine took a disk size, "watchdog" once it refused one
        self.disk_enforcement: str | None = None
        self._disk_lock = threading.Lock()
        self._probes: dict[tuple[str, str], Probe] = {}
        self._probe_lock = threading.Lock()
        # a run's images within a disk budget, fetched ahead (sandbox/keeper.py); without
        # one, each image is made when its task asks
        self.keeper: ImageKeeping | None = None
        self._uses: dict[str, ImageUse] = {}
        # once cleanup began, no container starts: one made meanwhile would outlive the run
        self._stopping = False
        self._creating = 0  # containers being created now
        self._starts = threading.Condition()

    def prepare(self, task: Task) -> str:
        if self.keeper is None:
            return self.images.task_image(task)
        acquired = self.keeper.acquire(task)
        self._uses[task.instance_id] = acquired.use
        return acquired.image

    def expect(self, tasks: list[Task]) -> None:
        if self.keeper is not None:
            self.keeper.plan(tasks)

    def release(self, task: Task) -> ImageUse:
        if self.keeper is not None:
            self.keeper.release(task)
        return self._uses.pop(task.instance_id, ImageUse())

    def start(
        self, task: Task, environment: str, output_limit: int = DEFAULT_OUTPUT_LIMIT
    ) -> DockerSandbox:
        settings = self.settings
        # our images have an unprivileged user; a task's own image runs as it was made
        user = "agent" if self.images.is_ours(environment) else None
        # init=True: an init process reaps orphans, so a fork bomb's zombies cannot hold the
        # process limit after its process group is killed
        options = {
            "detach": True,
            "labels": self._labels,
            "init": True,
            "working_dir": WORKDIR,
            "user": user,
            "network_mode": "bridge" if settings.network else "none",
            "mem_limit": settings.memory,
            "memswap_limit": settings.memory,
            "nano_cpus": int(settings.cpus * 1e9),
            "pids_limit": settings.pids,
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "environment": {"PYTHONDONTWRITEBYTECODE": "1", "PIP_NO_INPUT": "1"},
        }
        with self._starts:
            if self._stopping:
                raise InfrastructureError("the run is stopping: no sandbox starts")
            self._creating += 1
        try:
            container, disk = self._run_limited(environment, options)
        except docker.errors.DockerException as exc:
            raise InfrastructureError(
                f"cannot start a container from {environment}: {docker_reason(exc)}"
            ) from None
        finally:
            with self._starts:
                self._creating -= 1
                self._starts.notify_all()
        try:
            found = self._probe(container, environment, task.environment.activate)
        except InfrastructureError:
            container.remove(force=True)
            raise
        return DockerSandbox(container, output_limit, found, disk)

    def _probe(self, container: Any, image: str, activate: str) -> Probe:
        """The environment of an image, found in its first container and reused."""
        key = (image, activate)
        with self._probe_lock:
            known = self._probes.get(key)
        if known is None:
            known = probe(container, activate)
            with self._probe_lock:
                self._probes[key] = known
        return known

    def _run_limited(self, image: str, options: dict[str, Any]) -> tuple[Any, DiskLimit]:
        """A container with its disk limited: by the storage driver when the engine takes a
        size for it (the first start finds out), else by a file-size limit and the watchdog
        (see sandbox/disk.py)."""
        text = self.settings.disk
        size = size_in_bytes(text)
        command = ["sleep", "infinity"]
        if self.disk_enforcement != "watchdog":
            try:
                container = self.client.containers.run(
                    image, command, storage_opt={"size": text}, **options
                )
                self.disk_enforcement = "storage-opt"
                return container, DiskLimit(text, size, watchdog=False)
            except docker.errors.APIError as exc:
                if not storage_opt_unsupported(exc):
                    raise
                self._fall_back_to_watchdog(docker_reason(exc))
        fsize = Ulimit(name="fsize", soft=size, hard=size)
        container = self.client.containers.run(image, command, ulimits=[fsize], **options)
        return container, DiskLimit(text, size, watchdog=True)

    def _fall_back_to_watchdog(self, reason: str) -> None:
        with self._disk_lock:
            if self.disk_enforcement != "watchdog":
                self.disk_enforcement = "watchdog"
                warn(
                    "note: Docker's storage driver cannot cap a container's disk "
                    f"({reason}); --disk {self.settings.disk} is held by a file-size limit "
                    "and a watchdog instead"
                )

    def cleanup(self) -> int:
        """Remove this run's containers; none starts after this. A container being created
        is waited for (a moment), so that it is removed too."""
        with self._starts:
            self._stopping = True
            self._starts.wait_for(lambda: self._creating == 0, timeout=CREATE_WAIT_S)
        return remove_containers(self.client, {INSTANCE_LABEL: self.instance})
