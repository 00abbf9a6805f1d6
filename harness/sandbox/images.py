"""Sandbox images, built by content hash so that an unchanged input is never rebuilt.

Layers: a base image -> the sandbox image (the project Dockerfile, its base image a build
argument) -> an environment image per distinct `setup` -> a task image (the repository at
base_commit in /testbed as a fresh one-commit history, after the environment's `install`).
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import docker
import docker.errors

from harness import HarnessError, InfrastructureError
from harness.sandbox import WORKDIR
from harness.sandbox.containers import LABEL
from harness.sandbox.engine import default_base_image, docker_reason, image_exists
from harness.sandbox.pull import Progress, Pulled, PullPolicy, pull
from harness.sandbox.registry import Registries
from harness.tasks import PROJECT_ROOT, Task, resolve_repo

TASK_IMAGES = f"{LABEL}/task:"


def tar_bytes(files: dict[str, bytes], extra: tarfile.TarFile | None = None) -> bytes:
    """An in-memory tar archive of `files`, plus the members of `extra`."""
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


@dataclass(frozen=True)
class Ready:
    """A task's image, made ready: its name, the images that making it pulled or built (none
    when it was here), and what its pull cost."""

    image: str
    made: tuple[str, ...] = ()
    downloaded: int = 0
    rate_limit_wait_s: float = 0.0


def is_instance_image(name: str) -> bool:
    """A task's own image (pulled, or built for one task), not an environment or the sandbox
    image that many tasks share."""
    return not name.startswith(LABEL + "/") or name.startswith(TASK_IMAGES)


class Images:
    """Builds, names and finds the images tasks run in."""

    def __init__(
        self,
        client: docker.DockerClient,
        base_image: str | None = None,
        repo_mirror: Path | None = None,
    ):
        self.client = client
        self.base_image = base_image or default_base_image(client)
        self.repo_mirror = repo_mirror
        # a progress display for each image pulled, when someone watches
        self.progress: Callable[[str], Progress] | None = None
        self.pull_policy = PullPolicy()
        self._made = threading.local()  # the tags built by this thread's make_ready

    @cached_property
    def registries(self) -> Registries:
        """Where the engine pulls from (its mirrors, its plain-HTTP registries)."""
        return Registries.of_engine(self.client.info())

    def _build(
        self,
        tag: str,
        files: dict[str, bytes],
        repo: tarfile.TarFile | None = None,
        buildargs: dict[str, str] | None = None,
    ) -> str:
        if image_exists(self.client, tag):
            return tag
        context = tar_bytes(files, repo)
        try:
            self.client.images.build(
                fileobj=io.BytesIO(context),
                custom_context=True,
                tag=tag,
                buildargs=buildargs or {},
                labels={LABEL: "1"},
                rm=True,
                forcerm=True,
                network_mode="default",
            )
        except docker.errors.BuildError as exc:
            log = "".join(str(item.get("stream", item.get("error", ""))) for item in exc.build_log)
            raise InfrastructureError(
                f"image {tag} failed to build: {log.strip()[-300:]}"
            ) from None
        except docker.errors.APIError as exc:
            reason = docker_reason(exc)
            raise InfrastructureError(f"image {tag} failed to build: {reason}") from None
        made: list[str] | None = getattr(self._made, "tags", None)
        if made is not None:
            made.append(tag)
        return tag

    def check_base_image(self) -> None:
        """The base image is here, or is pulled now: found missing before the first task, not
        in every task's row."""
        if image_exists(self.client, self.base_image):
            return
        repository, _, tag = self.base_image.partition(":")
        try:
            self.client.images.pull(repository, tag=tag or "latest")
        except docker.errors.DockerException as exc:
            raise HarnessError(
                f"no such image here, and it cannot be pulled ({docker_reason(exc)})"
            ) from None

    def sandbox_image(self) -> str:
        dockerfile = (PROJECT_ROOT / "Dockerfile").read_bytes()
        if not image_exists(self.client, self.base_image):
            raise InfrastructureError(
                f"base image {self.base_image} is missing; run `python -m harness setup`"
            )
        digest = self._digest(self.base_image, dockerfile.decode())
        return self._build(
            f"{LABEL}/sandbox:{digest}",
            {"Dockerfile": dockerfile},
            buildargs={"BASE_IMAGE": self.base_image},
        )

    def environment_image(self, task: Task) -> str:
        """The sandbox image plus the environment's `setup`, shared by every task that has
        the same one; without a setup, the sandbox image itself."""
        parent = self.sandbox_image()
        setup = task.environment.setup
        if not setup:
            return parent
        dockerfile = f"FROM {parent}\nUSER root\nRUN {setup}\nUSER agent\n"
        return self._build(
            f"{LABEL}/env:{self._digest(parent, dockerfile)}", {"Dockerfile": dockerfile.encode()}
        )

    def _digest(self, parent: str, *inputs: str) -> str:
        """Names an image by its parent's id and everything else that goes into it."""
        parent_id = str(self.client.images.get(parent).id)
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
        digest = self._digest(
            self.environment_image(task), self._task_dockerfile(task), task.repo, task.base_commit
        )
        return f"{LABEL}/task:{digest}"

    def task_image(self, task: Task) -> str:
        """The image a task runs in: its own `image` if it names one (pulled when a registry
        answers), else one built here and reused while its inputs are unchanged."""
        return self.make_ready(task).image

    def make_ready(self, task: Task) -> Ready:
        """`task_image`, saying which images it pulled or built and what a pull cost."""
        if task.image:
            if image_exists(self.client, task.image):
                return Ready(task.image)
            pulled = self._pull(task.image)
            return Ready(task.image, (task.image,), pulled.downloaded, pulled.rate_limit_wait_s)
        self._made.tags = []
        try:
            image = self._build_task_image(task)
            return Ready(image, tuple(self._made.tags))
        finally:
            del self._made.tags

    def _build_task_image(self, task: Task) -> str:
        tag = self.task_image_tag(task)
        if image_exists(self.client, tag):
            return tag
        repo = resolve_repo(task, self.repo_mirror)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", "--prefix=repo/", task.base_commit],
            cwd=repo,
            capture_output=True,
        )
        if archive.returncode != 0:
            raise HarnessError(
                f"{task.instance_id}: base_commit {task.base_commit} not found in "
                f"{task.repo} ({archive.stderr.decode().strip()[-200:]})"
            )
        dockerfile = self._task_dockerfile(task).encode()
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as repo_tar:
            return self._build(tag, {"Dockerfile": dockerfile}, repo_tar)

    def _pull(self, image: str) -> Pulled:
        # the message names the image, which names the task: a row's reason says it once
        progress = self.progress(image) if self.progress else None
        return pull(
            self.client, image, progress, policy=self.pull_policy, registries=self.registries
        )

    def is_ours(self, image: str) -> bool:
        """Built by the harness (so it has the unprivileged `agent` user)."""
        return LABEL in (self.client.images.get(image).labels or {})

    def prune(self, keep_tasks: list[Task] | None) -> tuple[int, int]:
        """Remove the harness's images that the given tasks do not need (all of them when
        `keep_tasks` is None); (removed, kept)."""
        keep: set[str] = set()
        if keep_tasks is not None:
            keep = {self.sandbox_image()} | {
                tag
                for task in keep_tasks
                for tag in (self.environment_image(task), self.task_image_tag(task))
            }
        removed = 0
        for image in harness_images(self.client):
            if not keep & set(image.tags):
                self.client.images.remove(image.id, force=True)
                removed += 1
        return removed, len(keep)


def harness_images(client: docker.DockerClient) -> list[Any]:
    return list(client.images.list(filters={"label": f"{LABEL}=1"}))
