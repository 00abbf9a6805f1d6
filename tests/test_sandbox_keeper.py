"""The images of a run (sandbox/keeper.py), on the real engine and a registry run here that
holds images of known sizes: within a disk budget a third of what they take together, only the
run's own images go, never one a queued or running task needs; prefetched images cost the task
no wait; the cache level decides what is left at the end."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from harness import InfrastructureError
from harness.sandbox.budget import DiskBudget
from harness.sandbox.engine import image_exists
from harness.sandbox.images import Images
from harness.sandbox.keeper import ImageKeeper
from harness.sandbox.layers import engine_chains
from harness.sandbox.pull import pull
from harness.sandbox.settings import ImageSettings
from harness.tasks import Environment

from .synthetic_images import DiskWatch, MiB, serve_synthetic

pytestmark = pytest.mark.docker
SIZE = 8 * MiB


@pytest.fixture
def base(official_images):
    """A runnable image that is here already: the synthetic images add one layer to it."""
    return official_images["pytoolz__toolz-1"]


def keeper(client, limit, **settings):
    images = Images(client)
    return ImageKeeper(images, DiskBudget(limit, engine_chains(client)), ImageSettings(**settings))


def test_a_run_s_images_stay_within_a_third_of_their_size_and_only_its_own_go(
    docker_client, registry, base, repository, calc_task
):
    names = [
        serve_synthetic(registry, docker_client, base, repository, f"t{i}", SIZE, seed=i)
        for i in range(6)
    ]
    before = serve_synthetic(registry, docker_client, base, repository, "before", SIZE, 99)
    pull(docker_client, before)  # same repository, here before the run: never the run's
    tasks = [replace(calc_task, instance_id=f"syn-{i}", image=n) for i, n in enumerate(names)]
    limit = 2 * SIZE + MiB  # the six images take 6 x 8 MiB: three times this and more
    run = keeper(docker_client, limit, pull_concurrency=2)
    watch = DiskWatch(docker_client, f"{registry.host}/{repository}", base, before)
    evicted_while_needed = []

    def work(task):
        image = run.acquire(task).image
        time.sleep(0.3)
        if not image_exists(docker_client, image):
            evicted_while_needed.append(image)
        run.release(task)

    run.plan(tasks)
    with ThreadPoolExecutor(2) as workers:
        list(workers.map(work, tasks))
    report = run.close()
    peak = watch.close()
    assert SIZE <= peak <= limit, peak
    assert report.peak <= limit and report.peak >= SIZE
    assert report.pulled == 6 and report.evicted >= 4
    assert report.downloaded >= 6 * SIZE  # each pull brought its own layer only
    assert not evicted_while_needed
    assert image_exists(docker_client, before)
    assert watch.now() <= limit  # 'instance': what is left is still within the budget


def test_a_prefetched_image_costs_its_task_no_wait(
    docker_client, registry, base, repository, calc_task
):
    registry.bytes_per_s = SIZE / 0.6  # each pull takes 0.6 s at least
    waits = {}
    for concurrency in (1, 0):
        seeds = [10 + 3 * concurrency + i for i in range(3)]  # new layers: each is pulled
        names = [
            serve_synthetic(registry, docker_client, base, repository, f"s{seed}", SIZE, seed)
            for seed in seeds
        ]
        tasks = [replace(calc_task, instance_id=f"p-{i}", image=n) for i, n in enumerate(names)]
        run = keeper(docker_client, None, pull_concurrency=concurrency)
        run.plan(tasks)
        waits[concurrency] = []
        for task in tasks:  # one worker; each task works 2.5 s, far longer than a pull
            waits[concurrency].append(run.acquire(task).use.wait_s)
            time.sleep(2.5)
            run.release(task)
        run.close()
    first, *later = waits[1]
    assert first >= 0.5 and all(wait < 0.5 for wait in later), waits
    assert all(wait >= 0.5 for wait in waits[0]), waits  # without prefetch, each waits


def test_an_image_larger_than_the_whole_budget_fails_its_task_alone(
    docker_client, registry, base, repository, calc_task
):
    name = serve_synthetic(registry, docker_client, base, repository, "big", SIZE, seed=7)
    run = keeper(docker_client, 4 * MiB, pull_concurrency=1)
    task = replace(calc_task, instance_id="big-1", image=name)
    run.plan([task])
    with pytest.raises(InfrastructureError, match=r"needs about 8\.0\dMiB, more than the image"):
        run.acquire(task)
    run.release(task)
    assert run.close().pulled == 0 and not image_exists(docker_client, name)


@pytest.mark.parametrize(
    "cache, left", [("instance", {"task", "env"}), ("env", {"env"}), ("none", set())]
)
def test_the_cache_level_says_what_the_run_leaves(
    docker_client, registry, base, repository, calc_task, cache, left
):
    pulled = serve_synthetic(registry, docker_client, base, repository, "c", SIZE, seed=3)
    before = serve_synthetic(registry, docker_client, base, repository, "before", SIZE, 98)
    pull(docker_client, before)
    # a task built here, on an environment image of its own that the run builds too
    setup = f"echo {uuid.uuid4().hex} > /tmp/env-marker"
    built = replace(calc_task, instance_id="built-1", environment=Environment(setup=setup))
    named = replace(calc_task, instance_id="named-1", image=pulled)
    run = keeper(docker_client, None, pull_concurrency=0, image_cache=cache)
    made = []
    for task in (built, named):
        made.append(run.acquire(task).image)
        run.release(task)
    environment = run.images.environment_image(built)
    try:
        report = run.close()
        present = {
            kind
            for kind, image in (("task", made[0]), ("task", made[1]), ("env", environment))
            if image_exists(docker_client, image)
        }
        assert present == left
        assert report.removed == {"instance": 0, "env": 2, "none": 3}[cache]
        assert image_exists(docker_client, before)
    finally:
        for image in (*made, environment):
            if image_exists(docker_client, image):
                docker_client.images.remove(image)
