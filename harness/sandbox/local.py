"""Local sandboxes: the task's repository in a temporary folder on the host, commands run by
the same executor code as in containers. No isolation at all: for tests only, where they run
the agent loop in seconds without a Docker engine."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
import uuid
from pathlib import Path

from harness import HarnessError
from harness.sandbox import DEFAULT_OUTPUT_LIMIT, CommandResult, ImageUse
from harness.sandbox import executor as local_executor
from harness.sandbox.workspace import GitWorkspace
from harness.tasks import Task, resolve_repo

GIT_IDENTITY = [
    "-c",
    "user.name=agent",
    "-c",
    "user.email=agent@localhost",
    "-c",
    "commit.gpgsign=false",
]


class LocalSandbox(GitWorkspace):
    def __init__(self, root: Path, output_limit: int = DEFAULT_OUTPUT_LIMIT):
        self.root = root
        self.workdir = root / "testbed"
        self.output_limit = output_limit
        self.warnings: list[str] = []

    def run(self, command: str, timeout: float = 60, stdin: str | None = None) -> CommandResult:
        reply = local_executor.run(command, timeout, self.output_limit, str(self.workdir), stdin)
        return CommandResult.from_reply(reply, timeout)

    def _path(self, path: str) -> Path:
        return Path(path) if Path(path).is_absolute() else self.workdir / path

    def write_file(self, path: str, data: bytes | str) -> None:
        target = self._path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)

    def read_file(self, path: str) -> bytes:
        try:
            return self._path(path).read_bytes()
        except OSError as exc:
            raise HarnessError(f"cannot read {path}: {exc.strerror}") from None

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class LocalProvider:
    """Fresh copies of each task's repository at its base commit, in temporary folders."""

    def __init__(self, run_id: str | None = None, repo_mirror: Path | None = None):
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.repo_mirror = repo_mirror
        self._open: list[LocalSandbox] = []

    def prepare(self, task: Task) -> str:
        return str(resolve_repo(task, self.repo_mirror))

    def expect(self, tasks: list[Task]) -> None:
        """Nothing to make ahead: a repository is found in no time."""

    def release(self, task: Task) -> ImageUse:
        return ImageUse()

    def start(
        self, task: Task, environment: str, output_limit: int = DEFAULT_OUTPUT_LIMIT
    ) -> LocalSandbox:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", task.base_commit],
            cwd=environment,
            capture_output=True,
        )
        if archive.returncode != 0:
            raise HarnessError(
                f"{task.instance_id}: base_commit {task.base_commit} not found in {environment}"
            )
        sandbox = LocalSandbox(
            Path(tempfile.mkdtemp(prefix=f"harness-{self.run_id}-")), output_limit
        )
        sandbox.workdir.mkdir()
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as repo:
            repo.extractall(sandbox.workdir, filter="data")
        setup = [task.environment.install] if task.environment.install else []
        # what the sandbox image's global gitignore keeps out of diffs in a container
        ignore = "printf '__pycache__/\\n*.pyc\\n.pytest_cache/\\n' >> .git/info/exclude"
        for command in [
            *setup,
            f"git init -q -b main && {ignore} && git add -A",
            f"git {' '.join(GIT_IDENTITY)} commit -q --no-verify -m base",
        ]:
            result = sandbox.run(command, 600)
            if result.exit_code != 0:
                sandbox.close()
                raise HarnessError(
                    f"{task.instance_id}: local sandbox set-up failed: "
                    f"{result.output.strip()[-200:]}"
                )
        self._open.append(sandbox)
        return sandbox

    def cleanup(self) -> int:
        count = len(self._open)
        for sandbox in self._open:
            sandbox.close()
        self._open.clear()
        return count
