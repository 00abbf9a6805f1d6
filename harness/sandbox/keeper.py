"""The images of one run on one engine: made ready ahead of the tasks that need them, kept
within a disk budget, and removed at the end as far as the cache level says.

The prefetcher walks the run's tasks in the order they start and makes each one's image ready
(a pull, or a build), at most `pull_concurrency` at once, and each only once the budget has
room for what it is expected to take. To make room it removes images that no queued or running
task needs, the one needed least recently first, and only images the run itself brought. A
task asks for its image when it starts, and waits only when the prefetcher has not got it yet.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Literal, Protocol

import docker.errors

from harness import HarnessError, InfrastructureError
from harness.sandbox import ImageUse
from harness.sandbox.budget import DiskBudget, Kept
from harness.sandbox.engine import image_exists
from harness.sandbox.images import Images, Ready, is_instance_image
from harness.sandbox.layers import chain_ids, image_layers
from harness.sandbox.settings import ImageSettings, size_text
from harness.tasks import Task

JobState = Literal["waiting", "claimed", "fetching", "ready", "failed"]
WAKE_S = 5.0  # a waiting admission looks again at least this often


@dataclass
class Job:
    """Making one image ready, for the tasks that run in it."""

    task: Task  # the first task that needs it
    state: JobState = "waiting"
    reserved: int = 0
    ready: Ready | None = None
    error: str = ""
    charged: bool = False  # what its pull cost is in a task's row already
    made: bool = False  # made once: after a removal, the task that needs it makes it again


@dataclass(frozen=True)
class Acquired:
    image: str
    use: ImageUse


@dataclass(frozen=True)
class ImageReport:
    """What a run did with images on one engine."""

    limit: int | None
    peak: int
    pulled: int
    downloaded: int
    built: int
    evicted: int
    removed: int
    cache: str
    node: str = ""

    def text(self) -> str:
        where = f" on node {self.node}" if self.node else ""
        budget = (
            f"of the {size_text(self.limit)} budget (--image-disk)"
            if self.limit is not None
            else "(no budget: the engine's free space was unknown)"
        )
        return (
            f"Images{where}: {self.pulled} pulled ({size_text(self.downloaded)} downloaded), "
            f"{self.built} built; peak disk {size_text(self.peak)} {budget}; {self.evicted} "
            f"removed to stay within it, {self.removed} at the end (--image-cache {self.cache})"
        )


class ImageKeeping(Protocol):
    """What a sandbox provider asks of the run's images: here, or on a cluster node."""

    def plan(self, tasks: list[Task]) -> None: ...

    def acquire(self, task: Task) -> Acquired: ...

    def release(self, task: Task) -> None: ...


class Closed(Exception):
    """The run is over: no more images are made."""


def job_key(task: Task) -> str:
    """Tasks that name the same image share its pull; a built image is one task's."""
    return task.image or f"build:{task.instance_id}"


class ImageKeeper:
    """The images of one run on one engine (see the module's docstring). Thread-safe: the
    run's workers acquire and release, the prefetcher and its pulls run beside them."""

    def __init__(self, images: Images, budget: DiskBudget, settings: ImageSettings):
        self.images = images
        self.budget = budget
        self.settings = settings
        self.jobs: dict[str, Job] = {}
        self.users: dict[str, set[str]] = {}  # image -> unfinished tasks that run in it
        self.builds: set[str] = set()  # unfinished tasks whose images are built here
        self.unremovable: set[str] = set()  # in use by a container that is not the run's
        self.counts: Counter[str] = Counter()
        self.cond = threading.Condition()
        self.closed = False
        self.prefetching = False
        self.planned: set[str] = set()
        self.slots = threading.Semaphore(max(1, settings.pull_concurrency))

    def plan(self, tasks: list[Task]) -> None:
        """The tasks of the run, in the order they start: prefetch their images."""
        with self.cond:
            order = [self._job(task) for task in tasks]
            self.planned.update(job_key(task) for task in tasks)
            self.prefetching = self.settings.pull_concurrency > 0
        if self.prefetching:
            threading.Thread(target=self._prefetch, args=(order,), daemon=True).start()

    def acquire(self, task: Task) -> Acquired:
        """The task's image, once ready; what waiting for it cost the task."""
        started = time.monotonic()
        with self.cond:
            job = self._job(task)
            claim = job.state == "waiting" and (
                job.made or not (self.prefetching and job_key(task) in self.planned)
            )
            if claim:
                job.state = "claimed"
        if claim and self._admitted(job):
            self._fetch(job)
        with self.cond:
            while job.state not in ("ready", "failed"):
                if self.closed and job.state == "waiting":
                    raise InfrastructureError("the run ended before the image was ready")
                self.cond.wait(WAKE_S)
            if job.ready is None:
                raise InfrastructureError(job.error)
            ready, charged, job.charged = job.ready, job.charged, True
        use = ImageUse(
            wait_s=round(time.monotonic() - started, 3),
            registry_wait_s=0.0 if charged else ready.rate_limit_wait_s,
            downloaded=0 if charged else ready.downloaded,
        )
        return Acquired(ready.image, use)

    def release(self, task: Task) -> None:
        """The task is over: the images it needed may go once nothing else needs them."""
        with self.cond:
            now = time.monotonic()
            for name, users in self.users.items():
                if task.instance_id in users:
                    users.discard(task.instance_id)
                    if not users and name in self.budget.kept:
                        self.budget.kept[name].last_needed = now
            if task.instance_id in self.builds:
                self.builds.discard(task.instance_id)
                if not self.builds:  # the environments are needed no more
                    for kept in self.budget.kept.values():
                        kept.last_needed = kept.last_needed if kept.instance else now
            self.cond.notify_all()

    def close(self) -> ImageReport:
        """No more images: remove what the cache level does not keep; the run's report."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()
            for kept in list(self.budget.kept.values()):
                if self._dropped_at_end(kept) and self._remove(kept):
                    self.counts["removed"] += 1
            return self.report()

    def report(self, node: str = "") -> ImageReport:
        return ImageReport(
            self.budget.limit,
            self.budget.peak,
            self.counts["pulled"],
            self.counts["downloaded"],
            self.counts["built"],
            self.counts["evicted"],
            self.counts["removed"],
            self.settings.image_cache,
            node,
        )

    def _job(self, task: Task) -> Job:
        """The job that makes the task's image; the task counts as needing it. Under the
        lock."""
        key = job_key(task)
        job = self.jobs.setdefault(key, Job(task))
        if task.image:
            self.users.setdefault(task.image, set()).add(task.instance_id)
        else:
            self.builds.add(task.instance_id)
        return job

    def _prefetch(self, order: list[Job]) -> None:
        """Admit the jobs in order; fetch each in a thread of its own while a slot is free."""
        for job in order:
            with self.cond:
                if self.closed:
                    return
                if job.state != "waiting":
                    continue
                job.state = "claimed"
            self.slots.acquire()
            if self._admitted(job):
                threading.Thread(target=self._fetch_in_slot, args=(job,), daemon=True).start()
            else:
                self.slots.release()

    def _fetch_in_slot(self, job: Job) -> None:
        try:
            self._fetch(job)
        finally:
            self.slots.release()

    def _admitted(self, job: Job) -> bool:
        """Wait until the budget has room for the job's image and reserve it; False (the job
        failed) when it never will."""
        try:
            estimate = self._estimate(job.task)
            with self.cond:
                while not self.budget.fits(estimate):
                    if self.closed:
                        raise Closed
                    if self.budget.never_fits(estimate):
                        raise InfrastructureError(
                            f"image {job.task.image or job.task.instance_id} needs about "
                            f"{size_text(estimate)}, more than the image disk budget of "
                            f"{size_text(self.budget.limit or 0)} (--image-disk)"
                        )
                    if not self._evict_one():
                        self.cond.wait(WAKE_S)
                self.budget.reserved += estimate
                job.reserved, job.state = estimate, "fetching"
            return True
        except (HarnessError, Closed) as exc:
            self._fail(job, str(exc) or "the run ended before the image was ready")
            return False

    def _estimate(self, task: Task) -> int:
        """What the task's image is expected to add on disk."""
        if not task.image:
            return self.budget.expected(None)
        if image_exists(self.images.client, task.image):
            return 0
        layers = self.images.registries.layers(task.image)
        if layers is None:
            return self.budget.expected(None)
        with self.cond:
            stored = self.budget.stored()
        chains = chain_ids([layer.diff_id for layer in layers])
        download = sum(layer.size for layer, c in zip(layers, chains) if c not in stored)
        return self.budget.expected(download)

    def _fetch(self, job: Job) -> None:
        try:
            ready = self.images.make_ready(job.task)
            made = [(name, image_layers(self.images.client, name)) for name in ready.made]
        except (HarnessError, docker.errors.DockerException) as exc:
            self._fail(job, str(exc))
            return
        with self.cond:
            self.budget.reserved -= job.reserved
            job.reserved = 0
            for name, layers in made:
                download = ready.downloaded if name == ready.image else 0
                self.budget.add(name, layers, is_instance_image(name), download or None)
            if not job.task.image and job.task.instance_id in self.builds:
                self.users.setdefault(ready.image, set()).add(job.task.instance_id)
            self.counts["pulled" if job.task.image else "built"] += len(made)
            self.counts["downloaded"] += ready.downloaded
            job.ready, job.state, job.made = ready, "ready", True
            while self.budget.over() and self._evict_one():
                pass
            if self.closed:  # the run ended while this image was on its way
                for name, _ in made:
                    kept = self.budget.kept.get(name)
                    if kept is not None and self._dropped_at_end(kept):
                        self._remove(kept)
            self.cond.notify_all()

    def _fail(self, job: Job, error: str) -> None:
        with self.cond:
            self.budget.reserved -= job.reserved
            job.reserved, job.error, job.state = 0, error, "failed"
            self.cond.notify_all()

    def _needed(self, kept: Kept) -> bool:
        if kept.name in self.unremovable:
            return True
        if not kept.instance:
            return bool(self.builds)
        return bool(self.users.get(kept.name))

    def _evict_one(self) -> bool:
        """Remove the image needed least recently, to make room; False when none may go.
        Under the lock."""
        victim = self.budget.victim(self._needed)
        if victim is None:
            return False
        if self._remove(victim):
            self.counts["evicted"] += 1
        return True

    def _remove(self, kept: Kept) -> bool:
        """Remove an image the run brought (its name only: another name for the same image
        keeps it); False when a container still uses it."""
        try:
            self.images.client.images.remove(kept.name)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:
            self.unremovable.add(kept.name)
            return False
        del self.budget.kept[kept.name]
        for job in self.jobs.values():  # a task that needs it again makes it again
            if job.ready is not None and job.ready.image == kept.name:
                job.ready, job.state, job.charged = None, "waiting", False
        self.cond.notify_all()
        return True

    def _dropped_at_end(self, kept: Kept) -> bool:
        cache = self.settings.image_cache
        return cache == "none" or (cache == "env" and kept.instance)
