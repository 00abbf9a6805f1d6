"""Where a run's tasks run: this machine's Docker engine, after the preflight of the images
the tasks need, or the nodes of a Ray cluster; and what became of the images at the end."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from harness.cluster import ClusterSettings, join
from harness.commands.common import byte_bars, check_base_image
from harness.sandbox import SandboxProvider
from harness.sandbox.docker import DockerProvider
from harness.sandbox.engine import connect
from harness.sandbox.keeper import ImageKeeper, ImageReport
from harness.sandbox.preflight import image_budget
from harness.sandbox.pull import PullPolicy
from harness.sandbox.settings import ImageSettings
from harness.tasks import Task

if TYPE_CHECKING:
    from harness.cluster.pool import RayPool
    from harness.runner import RunConfig


def start_sandboxes(
    args: argparse.Namespace,
    config: RunConfig,
    cluster: ClusterSettings,
    images: ImageSettings,
    tasks: list[Task],
) -> tuple[SandboxProvider, RayPool | None]:
    """Where tasks run: this machine's Docker engine, or the nodes of a Ray cluster; for
    this machine, after the preflight of the images `tasks` need."""
    if args.ray is not None:
        named = tuple(dict.fromkeys(str(task.image) for task in tasks if task.image))
        where = (config.sandbox, args.repo_mirror, args.run_id, images, named)
        return join(args.ray, config, cluster, *where)
    local = DockerProvider(connect(), args.run_id, config.sandbox, args.repo_mirror)
    local.images.progress = byte_bars  # official images are gigabytes: show their pulls
    local.images.pull_policy = PullPolicy(rate_limit_deadline_s=images.rate_limit_deadline)
    check_base_image(local.images, config.sandbox.base_image)
    budget = image_budget(local.images, tasks, images, args.workers, config.sandbox.disk)
    local.keeper = ImageKeeper(local.images, budget, images)
    return local, None


def image_reports(sandboxes: SandboxProvider, pool: RayPool | None) -> list[ImageReport]:
    """Close the run's image keepers (the cache level applies); what they did, where they
    pulled or built anything."""
    if pool is not None:
        reports = pool.image_reports()
    elif isinstance(sandboxes, DockerProvider) and isinstance(sandboxes.keeper, ImageKeeper):
        reports = [sandboxes.keeper.close()]
    else:
        reports = []
    return [r for r in reports if r.pulled or r.built or r.evicted or r.removed]
