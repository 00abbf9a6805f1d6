"""Docker sandboxes: locked-down containers, and the executor that runs commands in them."""

from __future__ import annotations

import io
import tarfile
import threading
import uuid
from pathlib import Path
from typing import Any

import docker
import docker.errors

from harness import HarnessError, InfrastructureError
from harness.sandbox import DEFAULT_OUTPUT_LIMIT, WORKDIR, CommandResult
from harness.sandbox.channel import NO_PYTHON_WARNING, Channel, Probe, open_channel, probe
from harness.sandbox.containers import RUN_LABEL, remove_containers, run_labels
from harness.sandbox.images import Images, tar_bytes
from harness.sandbox.settings import SandboxSettings
from harness.sandbox.workspace import GitWorkspace
from harness.tasks import Task


class DockerSandbox(GitWorkspace):
    """One running container with the task's repository in /testbed; commands run in the
    environment the probe found (see sandbox/channel.py)."""

    def __init__(
        self, container: Any, output_limit: int = DEFAULT_OUTPUT_LIMIT, found: Probe = Probe()
    ):
        self.container = container
        self.output_limit = output_limit
        self.found = found
        self.warnings = [] if found.python else [NO_PYTHON_WARNING]
        self._executor: Channel | None = None

    def run(self, command: str, timeout: float = 60, stdin: str | None = None) -> CommandResult:
        for attempt in (1, 2):  # a command may kill the executor (e.g. the OOM killer)
            try:
                if self._executor is None:
                    self._executor = open_channel(self.container, self.found)
                reply = self._executor.request(command, timeout, self.output_limit, stdin)
                break
            except (StopIteration, OSError, ValueError, docker.errors.DockerException) as exc:
                self._drop_executor()
                if attempt == 2 or not self._alive():
                    raise InfrastructureError(
                        f"command failed in container: {type(exc).__name__}: {exc}"
                    ) from None
        if "error" in reply:
            raise InfrastructureError(f"executor: {reply['error']}")
        return CommandResult.from_reply(reply, timeout)

    def _alive(self) -> bool:
        try:
            self.container.reload()
            return bool(self.container.status == "running")
        except docker.errors.DockerException:
            return False

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
            raise InfrastructureError(f"cannot write {path} into container: {exc}") from None

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
        except docker.errors.NotFound:
            raise HarnessError(f"no such file in the container: {path}") from None
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot read {path} from container: {exc}") from None

    def close(self) -> None:
        self._drop_executor()
        try:
            self.container.remove(force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if exc.status_code != 409:  # 409: a removal is already under way
                raise InfrastructureError(f"cannot remove container: {exc}") from None


def _absolute(path: str) -> str:
    """Container paths relative to the repository, as in every sandbox."""
    return path if path.startswith("/") else f"{WORKDIR}/{path}"


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
        self.settings = settings
        self.images = Images(client, settings.base_image, repo_mirror)
        self._labels = run_labels(self.run_id)
        self._probes: dict[tuple[str, str], Probe] = {}
        self._probe_lock = threading.Lock()

    def prepare(self, task: Task) -> str:
        return self.images.task_image(task)

    def start(
        self, task: Task, environment: str, output_limit: int = DEFAULT_OUTPUT_LIMIT
    ) -> DockerSandbox:
        settings = self.settings
        # our images have an unprivileged user; a task's own image runs as it was made
        user = "agent" if self.images.is_ours(environment) else None
        # init=True: an init process reaps orphans, so a fork bomb's zombies cannot hold the
        # process limit after its process group is killed
        try:
            container = self.client.containers.run(
                environment,
                ["sleep", "infinity"],
                detach=True,
                labels=self._labels,
                init=True,
                working_dir=WORKDIR,
                user=user,
                network_mode="bridge" if settings.network else "none",
                mem_limit=settings.memory,
                memswap_limit=settings.memory,
                nano_cpus=int(settings.cpus * 1e9),
                pids_limit=settings.pids,
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                environment={"PYTHONDONTWRITEBYTECODE": "1", "PIP_NO_INPUT": "1"},
            )
        except docker.errors.DockerException as exc:
            raise InfrastructureError(
                f"cannot start a container from {environment}: {exc}"
            ) from None
        try:
            found = self._probe(container, environment, task.environment.activate)
        except InfrastructureError:
            container.remove(force=True)
            raise
        return DockerSandbox(container, output_limit, found)

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

    def cleanup(self) -> int:
        return remove_containers(self.client, {RUN_LABEL: self.run_id})
