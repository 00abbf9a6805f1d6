"""The preflight of a run's images, before any model call: does their registry answer, and can
the engine's disk hold them.

The registry is asked through the engine, as a pull would ask it (the engine's network, proxy,
mirrors and credentials): a failure that holds for every pull from it (its name does not
resolve, it refuses connections, it refuses the credentials) stops the run in one line instead
of ending every task in an error row after retries. The sizes come from the registry's
manifests (what each image adds: the layers the engine does not have yet, at their download
size, which the disk needs at least), read beside the engine; an image too big for the budget
on its own stops the run, a selection too big to hold at once is said with how many tasks fit.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import docker
import docker.errors

from harness import HarnessError, UsageError, warn
from harness.sandbox.budget import DiskBudget
from harness.sandbox.engine import docker_reason, image_exists
from harness.sandbox.images import Images
from harness.sandbox.layers import chain_ids, engine_chains
from harness.sandbox.pull import PERMANENT, RATE_LIMITED, registry_problem
from harness.sandbox.registry import Reference
from harness.sandbox.settings import ImageSettings, size_in_bytes, size_text
from harness.tasks import Task

MARGIN = 2 * 2**30  # beside the sandboxes' own writes: logs, build caches, the unexpected
PROBES = 3  # images asked about per registry before "none of them exists" is believed
READERS = 8  # registries read at once for sizes


def free_bytes(client: docker.DockerClient, base_image: str) -> int | None:
    """Free space where the engine keeps images: read here when the engine is on this
    machine, else from a container of the base image that mounts it. None when unknown."""
    root = str(client.info().get("DockerRootDir") or "/var/lib/docker")
    if os.environ.get("DOCKER_HOST", "unix://").startswith("unix://"):
        try:
            return shutil.disk_usage(root).free
        except OSError:
            pass
    try:
        output = client.containers.run(
            base_image,
            ["df", "-Pk", "/engine-root"],
            volumes={root: {"bind": "/engine-root", "mode": "ro"}},
            remove=True,
            network_mode="none",
            user="root",
        )
    except docker.errors.DockerException:
        return None
    lines = output.decode(errors="replace").split("\n")
    fields = lines[1].split() if len(lines) > 1 else []
    return int(fields[3]) * 1024 if len(fields) > 3 and fields[3].isdigit() else None


def default_budget(free: int, concurrent: int, disk: str) -> int:
    """What the run's images may take of the free space: the rest is kept for each running
    task's container (its --disk) and a margin."""
    return max(0, free - concurrent * size_in_bytes(disk) - MARGIN)


def check_registries(client: docker.DockerClient, names: Iterable[str]) -> None:
    """Ask each registry of `names` about a few of its images, through the engine; a
    HarnessError when no pull from it can work."""
    by_registry: dict[str, list[str]] = {}
    for name in names:
        by_registry.setdefault(Reference.parse(name).registry, []).append(name)
    for registry, images in by_registry.items():
        missing: list[tuple[str, str]] = []
        for name in images[:PROBES]:
            reason = _ask(client, name)
            if reason is None:
                break
            if kind := registry_problem(reason):
                what = "cannot be reached" if kind == "unreachable" else "refuses the credentials"
                raise HarnessError(
                    f"registry {registry} {what} ({reason}): none of the {len(images)} task "
                    f"image(s) from it can be pulled; check the network, `docker login "
                    f"{registry}`, or --image-namespace"
                )
            if RATE_LIMITED.search(reason) or not PERMANENT.search(reason):
                break  # a limit is waited out, a passing fault retried, by each pull
            missing.append((name, reason))
        else:
            if len(missing) > 1:
                raise HarnessError(
                    f"registry {registry} has none of the first {len(missing)} task images "
                    f"asked for (e.g. {missing[0][0]}: {missing[0][1]}); check --image-namespace"
                )


def _ask(client: docker.DockerClient, name: str) -> str | None:
    """What the engine says when it asks the registry about an image; None when it answers."""
    try:
        client.images.get_registry_data(name)
        return None
    except docker.errors.DockerException as exc:
        return docker_reason(exc)


@dataclass(frozen=True)
class Need:
    """What one task's image adds on disk: its new layers (chain id, download bytes); None
    when the registry's manifest could not be read."""

    task: Task
    layers: tuple[tuple[str, int], ...] | None


def image_needs(images: Images, tasks: list[Task], stored: frozenset[str]) -> list[Need]:
    """Per task whose image is to be pulled, the layers it adds (not stored yet), read from
    its registry."""
    pulled = [task for task in tasks if task.image and not image_exists(images.client, task.image)]

    def need(task: Task) -> Need:
        layers = images.registries.layers(str(task.image))
        if layers is None:
            return Need(task, None)
        chains = chain_ids([layer.diff_id for layer in layers])
        new = tuple((c, layer.size) for c, layer in zip(chains, layers) if c not in stored)
        return Need(task, new)

    with ThreadPoolExecutor(READERS) as readers:
        return list(readers.map(need, pulled))


@dataclass(frozen=True)
class Fit:
    largest: Need | None  # the task whose image adds the most
    largest_size: int
    total: int  # every image at once, each layer once
    fitting: int  # tasks, in order, whose images fit the budget at once
    unknown: int  # images whose size could not be read


def fit(needs: list[Need], budget: int) -> Fit:
    """How the images of `needs` fit in `budget` bytes."""
    known = [need for need in needs if need.layers is not None]
    sizes = [sum(size for _, size in need.layers or ()) for need in known]
    union: dict[str, int] = {}
    fitting = 0
    for need in known:
        union.update(need.layers or ())
        if sum(union.values()) <= budget:
            fitting += 1
    largest = max(range(len(known)), key=sizes.__getitem__, default=None)
    return Fit(
        known[largest] if largest is not None else None,
        sizes[largest] if largest is not None else 0,
        sum(union.values()),
        fitting,
        len(needs) - len(known),
    )


def image_budget(
    images: Images, tasks: list[Task], settings: ImageSettings, concurrent: int, disk: str
) -> DiskBudget:
    """The preflight of `tasks`' images; the run's budget. Bad input (a --image-disk too
    small for one image) is a UsageError, a disk or registry that cannot serve a HarnessError."""
    client = images.client
    stored = engine_chains(client)
    to_pull = [task for task in tasks if task.image and not image_exists(client, task.image)]
    check_registries(client, [str(task.image) for task in to_pull])
    free = None if settings.image_disk else free_bytes(client, images.base_image)
    if settings.image_disk:
        limit: int | None = size_in_bytes(settings.image_disk)
    elif free is None:
        warn("warning: the engine's free disk space is unknown: no image disk budget is kept")
        limit = None
    else:
        limit = default_budget(free, concurrent, disk)
    if limit is not None and to_pull:
        judge(fit(image_needs(images, to_pull, stored), limit), limit, settings, free)
    return DiskBudget(limit, stored)


def judge(found: Fit, limit: int, settings: ImageSettings, free: int | None) -> None:
    """Refuse a selection with an image too big for the budget; say when they do not all
    fit at once."""
    if found.largest is not None and found.largest_size > limit:
        what = (
            f"the image of {found.largest.task.instance_id} adds about "
            f"{size_text(found.largest_size)} (its download size), more than"
        )
        if settings.image_disk:
            raise UsageError(f"--image-disk {settings.image_disk}: {what} the budget")
        raise HarnessError(
            f"{what} the {size_text(limit)} the engine's {size_text(free or 0)} of free disk "
            "leaves for images after each running task's --disk and 2 GiB; free disk space, "
            "or set --image-disk"
        )
    if found.total > limit:
        warn(
            f"note: the images to pull take about {size_text(found.total)}, more than the "
            f"image disk budget of {size_text(limit)}: about {found.fitting} task(s)' images "
            "fit at once, and the run removes those of finished tasks to stay within it"
        )
    if found.unknown:
        warn(
            f"note: the sizes of {found.unknown} image(s) could not be read before pulling "
            "(Docker Hub counts each manifest read as a pull); they count as they arrive"
        )
