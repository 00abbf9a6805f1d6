"""Running one task set across the machines of a Ray cluster (`--ray`).

Each task becomes a Ray task on a node that declares the `docker` resource; its image is built
(or pulled) on that node's engine, and its row comes back to this process, which stays the one
writer of the results file. Only `pool` and `services` import Ray, and only a `--ray` run
imports them: this package's top level and `nodes` are plain Python.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness import UsageError
from harness.cluster.nodes import NodeSandboxes
from harness.options import option, positive
from harness.sandbox.settings import ImageSettings, SandboxSettings

if TYPE_CHECKING:
    from harness.cluster.pool import RayPool
    from harness.runner import RunConfig

# The custom resource a node declares for each task it may run at once, e.g.
# `ray start ... --resources '{"docker": 4}'`.
DOCKER_RESOURCE = "docker"
NAMESPACE = "cascade-harness"


@dataclass(frozen=True)
class ClusterSettings:
    ray_attempts: int = option(
        3,
        "with --ray: attempts at a task whose node or worker process dies under it",
        metavar="N",
        check=positive,
    )


def refuse_what_cannot_run(config: RunConfig) -> None:
    """Bad input for a cluster run, found before any file is touched."""
    models = config.models.settings
    if models.record or models.replay:
        raise UsageError(
            "--record and --replay read and write files where the model is called; "
            "they do not run with --ray"
        )


def join(
    address: str,
    config: RunConfig,
    settings: ClusterSettings,
    sandbox_settings: SandboxSettings,
    repo_mirror: Path | None,
    run_id: str | None,
    images: ImageSettings | None = None,
    pulled: tuple[str, ...] = (),
) -> tuple[NodeSandboxes, RayPool]:
    """The sandboxes and the task pool of a run on the Ray cluster at `address`; `pulled`:
    the images its tasks name, whose registries every node must reach."""
    refuse_what_cannot_run(config)
    try:
        from harness.cluster import pool
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("ray"):
            raise
        raise UsageError("--ray needs Ray: pip install 'cascade-harness[ray]'") from None
    sandboxes = NodeSandboxes(run_id or uuid.uuid4().hex[:12], sandbox_settings, repo_mirror)
    return sandboxes, pool.connect(address, config, sandboxes, settings, images, pulled)
