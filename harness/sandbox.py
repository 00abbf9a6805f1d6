"""Docker sandboxes: images built by content hash, locked-down containers, commands, cleanup.

Image layers: base (from the project Dockerfile, its base image a build argument) -> task image
(the repository at base_commit in /testbed as a fresh one-commit history, then its install step).
Tags carry a hash of everything that went in, so an unchanged input is never rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shlex
import socket
import subprocess
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from docker.utils.socket import STDOUT, frames_iter

from harness import HarnessError, InfrastructureError
from harness.engine import default_base_image, image_exists
from harness.tasks import PROJECT_ROOT, Task, resolve_repo

LABEL = "cascade-harness"
RUN_LABEL = "cascade-harness.run"
OWNER_LABEL = "cascade-harness.owner"  # host:pid of the run, so gc can tell a dead run
WORKDIR = "/testbed"
SNAPSHOT_INDEX = "/tmp/.harness-index"
DEFAULT_OUTPUT_LIMIT = 20_000


@dataclass(frozen=True)
class Limits:
    memory: str = "2g"
    cpus: float = 1.0
    pids: int = 512
    network: bool = False


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    output: str
    timed_out: bool = False
    cut_bytes: int = 0


def _tar_bytes(files: dict[str, bytes], extra: tarfile.TarFile | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            archive.addfile(info, io.BytesIO(data))
        if extra is not None:
            for member in extra.getmembers():
                archive.addfile(member, extra.extractfile(member) if member.isfile() else None)
    return buffer.getvalue()


class Executor:
    """The persistent process in a container (harness/executor.py) that runs commands; one
    JSON line out, one back, over an attached exec socket."""

    SOURCE = (Path(__file__).parent / "executor.py").read_text(encoding="utf-8")

    def __init__(self, container):
        api = container.client.api
        exec_id = api.exec_create(container.id, ["python3", "-u", "-c", self.SOURCE],
                                  stdin=True, workdir=WORKDIR)["Id"]
        self._socket = api.exec_start(exec_id, socket=True)
        self._raw = getattr(self._socket, "_sock", self._socket)
        self._frames = frames_iter(self._socket, tty=False)
        self._buffer = b""

    def request(self, command: str, timeout: float, limit: int) -> dict:
        line = json.dumps({"command": command, "timeout": timeout, "limit": limit})
        self._raw.settimeout(timeout + 30)  # the executor enforces the timeout itself
        self._raw.sendall(line.encode() + b"\n")
        while b"\n" not in self._buffer:
            stream, data = next(self._frames)  # StopIteration: the executor died
            if stream == STDOUT:
                self._buffer += data
        reply, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(reply)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._raw.close()


class Sandbox:
    """One running container with the task's repository in /testbed."""

    def __init__(self, container, output_limit: int = DEFAULT_OUTPUT_LIMIT):
        self.container = container
        self.output_limit = output_limit
        self._executor: Executor | None = None

    def run(self, command: str, timeout: float = 60) -> CommandResult:
        """Run a shell command in /testbed; on timeout its whole process group is killed."""
        for attempt in (1, 2):  # a command may kill the executor (e.g. the OOM killer)
            try:
                if self._executor is None:
                    self._executor = Executor(self.container)
                reply = self._executor.request(command, timeout, self.output_limit)
                break
            except (StopIteration, OSError, ValueError, docker.errors.DockerException) as exc:
                self._drop_executor()
                if attempt == 2 or not self._alive():
                    raise InfrastructureError(f"command failed in container: "
                                              f"{type(exc).__name__}: {exc}") from None
        if "error" in reply:
            raise InfrastructureError(f"executor: {reply['error']}")
        output = reply["head"]
        if reply["cut"]:
            output += f"\n[... {reply['cut']} bytes of output cut ...]\n"
        output += reply["tail"]
        if reply["timed_out"]:
            output += f"\n[command timed out after {timeout:g} s and was killed]"
        return CommandResult(reply["exit_code"], output, reply["timed_out"], reply["cut"])

    def _alive(self) -> bool:
        try:
            self.container.reload()
            return self.container.status == "running"
        except docker.errors.DockerException:
            return False

    def _drop_executor(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None

    def write_file(self, path: str, data: bytes | str) -> None:
        payload = data.encode() if isinstance(data, str) else data
        directory, name = path.rsplit("/", 1)
        try:
            self.container.put_archive(directory or "/", _tar_bytes({name: payload}))
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot write {path} into container: {exc}") from None

    def read_file(self, path: str) -> bytes:
        """A file's bytes, out of the container through an in-memory tar archive."""
        try:
            stream, _ = self.container.get_archive(path)
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

    def snapshot(self) -> str:
        """A git tree id of the working tree (ignored files aside), without touching the
        agent's own index or history."""
        result = self.run(
            f"export GIT_INDEX_FILE={SNAPSHOT_INDEX}; cp .git/index $GIT_INDEX_FILE 2>/dev/null;"
            " git add -A . >/dev/null && git write-tree", timeout=120)
        if result.exit_code != 0:
            raise InfrastructureError(f"snapshot failed: {result.output.strip()[-200:]}")
        return result.output.strip()

    def restore(self, tree: str) -> None:
        """Put the working tree back exactly as it was at `snapshot()`."""
        result = self.run(
            f"export GIT_INDEX_FILE={SNAPSHOT_INDEX}; git read-tree {shlex.quote(tree)}"
            " && git checkout-index -a -f"
            " && git ls-files -z --others --exclude-standard | xargs -0 -r rm -f --", timeout=120)
        if result.exit_code != 0:
            raise InfrastructureError(f"restore failed: {result.output.strip()[-200:]}")

    def diff(self) -> str:
        """Everything changed against the base commit, new files included."""
        tree = self.snapshot()
        result = self.run(f"git diff --no-color --no-ext-diff HEAD {tree}", timeout=120)
        if result.exit_code != 0 or result.cut_bytes:
            raise InfrastructureError(f"git diff failed: {result.output.strip()[-200:]}")
        return result.output

    def close(self) -> None:
        self._drop_executor()
        try:
            self.container.remove(force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if exc.status_code != 409:  # 409: a removal is already under way
                raise InfrastructureError(f"cannot remove container: {exc}") from None


class Docker:
    """Images and containers of one run, all labelled with its run id for cleanup."""

    def __init__(self, client: docker.DockerClient, run_id: str | None = None,
                 limits: Limits = Limits(), base_image: str | None = None,
                 repo_mirror: Path | None = None):
        self.client = client
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.limits = limits
        self.base_image = base_image or default_base_image(client)
        self.repo_mirror = repo_mirror
        self._labels = {LABEL: "1", RUN_LABEL: self.run_id, OWNER_LABEL: owner()}

    # -- images --------------------------------------------------------------------------------

    def _build(self, tag: str, files: dict[str, bytes], repo: tarfile.TarFile | None = None,
               buildargs: dict[str, str] | None = None) -> str:
        if image_exists(self.client, tag):
            return tag
        context = _tar_bytes(files, repo)
        try:
            self.client.images.build(fileobj=io.BytesIO(context), custom_context=True, tag=tag,
                                     buildargs=buildargs or {}, labels={LABEL: "1"}, rm=True,
                                     forcerm=True, network_mode="default")
        except docker.errors.BuildError as exc:
            log = "".join(str(item.get("stream", item.get("error", ""))) for item in exc.build_log)
            raise InfrastructureError(f"image {tag} failed to build: {log.strip()[-300:]}") \
                from None
        except docker.errors.APIError as exc:
            raise InfrastructureError(f"image {tag} failed to build: {exc}") from None
        return tag

    def base_sandbox_image(self) -> str:
        dockerfile = (PROJECT_ROOT / "Dockerfile").read_bytes()
        if not image_exists(self.client, self.base_image):
            raise InfrastructureError(
                f"base image {self.base_image} is missing; run `python -m harness setup`")
        digest = self._digest(self.base_image, dockerfile.decode())
        return self._build(f"{LABEL}/sandbox:{digest}", {"Dockerfile": dockerfile},
                           buildargs={"BASE_IMAGE": self.base_image})

    def environment_image(self, task: Task) -> str:
        """The sandbox image plus the environment's `setup`, shared by every task that has
        the same one; without a setup, the sandbox image itself."""
        parent = self.base_sandbox_image()
        setup = task.environment.setup
        if not setup:
            return parent
        dockerfile = f"FROM {parent}\nUSER root\nRUN {setup}\nUSER agent\n"
        return self._build(f"{LABEL}/env:{self._digest(parent, dockerfile)}",
                           {"Dockerfile": dockerfile.encode()})

    def _digest(self, parent: str, *inputs: str) -> str:
        """Names an image by its parent's id and everything else that goes into it."""
        parent_id = self.client.images.get(parent).id
        return hashlib.sha256("\0".join([parent_id, *inputs]).encode()).hexdigest()[:16]

    def _task_dockerfile(self, task: Task) -> str:
        # install before the commit: what it builds (egg-info, caches) is then part of the
        # base, never of the agent's diff
        install = f"RUN {task.environment.install}\n" if task.environment.install else ""
        return (
            f"FROM {self.environment_image(task)}\n"
            f"COPY --chown=1000:1000 repo/ {WORKDIR}/\n"
            "USER agent\n"
            f"WORKDIR {WORKDIR}\n"
            f"{install}"
            "RUN git init -q -b main && git add -A"
            " && git -c user.name=agent -c user.email=agent@localhost"
            " commit -q --no-verify -m base\n"
        )

    def task_image_tag(self, task: Task) -> str:
        """The tag of a task's image: a hash of everything that goes into it."""
        if task.image:
            return task.image
        digest = self._digest(self.environment_image(task), self._task_dockerfile(task),
                              task.repo, task.base_commit)
        return f"{LABEL}/task:{digest}"

    def task_image(self, task: Task) -> str:
        """The image a task runs in: its own `image` if it names one (pulled when a registry
        answers), else one built here and reused while its inputs are unchanged."""
        tag = self.task_image_tag(task)
        if image_exists(self.client, tag):
            return tag
        if task.image:
            return self._pull(task)
        repo = resolve_repo(task, self.repo_mirror)
        archive = subprocess.run(["git", "archive", "--format=tar", "--prefix=repo/",
                                  task.base_commit], cwd=repo, capture_output=True)
        if archive.returncode != 0:
            raise HarnessError(f"{task.instance_id}: base_commit {task.base_commit} not found in "
                               f"{task.repo} ({archive.stderr.decode().strip()[-200:]})")
        dockerfile = self._task_dockerfile(task).encode()
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as repo_tar:
            return self._build(tag, {"Dockerfile": dockerfile}, repo_tar)

    def _pull(self, task: Task) -> str:
        repository, _, tag = task.image.partition(":")
        try:
            self.client.images.pull(repository, tag=tag or "latest")
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"{task.instance_id}: image {task.image} is not here and "
                                      f"cannot be pulled ({str(exc)[:150]})") from None
        return task.image

    # -- containers ----------------------------------------------------------------------------

    def start(self, image: str, output_limit: int = DEFAULT_OUTPUT_LIMIT) -> Sandbox:
        limits = self.limits
        # our images have an unprivileged user; a task's own image runs as it was made
        ours = LABEL in (self.client.images.get(image).labels or {})
        # init=True: an init process reaps orphans, so a fork bomb's zombies cannot hold the
        # process limit after its process group is killed
        try:
            container = self.client.containers.run(
                image, ["sleep", "infinity"], detach=True, labels=self._labels, init=True,
                working_dir=WORKDIR, user="agent" if ours else None,
                network_mode="bridge" if limits.network else "none",
                mem_limit=limits.memory, memswap_limit=limits.memory,
                nano_cpus=int(limits.cpus * 1e9), pids_limit=limits.pids,
                cap_drop=["ALL"], security_opt=["no-new-privileges"],
                environment={"PYTHONDONTWRITEBYTECODE": "1", "PIP_NO_INPUT": "1"},
            )
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot start a container from {image}: {exc}") from None
        return Sandbox(container, output_limit)

    def cleanup(self) -> int:
        """Remove every container this run started."""
        return remove_containers(self.client, {RUN_LABEL: self.run_id})


def _labelled(client: docker.DockerClient, labels: dict[str, str]) -> list[tuple[str, dict]]:
    """(id, labels) of matching containers, from the list call alone: a container removed by
    someone else meanwhile cannot make the listing fail."""
    filters = {"label": [f"{key}={value}" for key, value in labels.items()]}
    return [(c.id, c.attrs.get("Labels") or {})
            for c in client.containers.list(all=True, filters=filters, sparse=True)]


def _remove(client: docker.DockerClient, container_id: str) -> bool:
    try:
        client.api.remove_container(container_id, force=True)
        return True
    except docker.errors.NotFound:
        return False
    except docker.errors.APIError as exc:
        if exc.status_code == 409:  # a removal is already under way
            return False
        raise


def remove_containers(client: docker.DockerClient, labels: dict[str, str]) -> int:
    return sum(_remove(client, cid) for cid, _ in _labelled(client, labels))

def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead(owner_label: str) -> bool:
    host, _, pid = owner_label.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's run: only --all removes it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def collect_garbage(client: docker.DockerClient, everything: bool = False) -> list[str]:
    """Remove the containers of runs that died (their process is gone), found by label;
    with `everything`, every container the harness made. Returns the run ids removed."""
    removed = []
    for container_id, labels in _labelled(client, {LABEL: "1"}):
        if (everything or _dead(labels.get(OWNER_LABEL, ""))) and _remove(client, container_id):
            removed.append(labels.get(RUN_LABEL, "?"))
    return removed

def harness_images(client: docker.DockerClient) -> list:
    return client.images.list(filters={"label": f"{LABEL}=1"})
