"""The preflight of a run's images: the engine's free space, read here or from a container,
the default budget, and how a selection's images fit a budget, with the refusal and the
warning it gives."""

from __future__ import annotations

import shutil

import pytest

from harness import HarnessError, UsageError
from harness.sandbox.preflight import Fit, Need, default_budget, fit, free_bytes, judge
from harness.sandbox.settings import ImageSettings

GiB = 2**30


def need(task, *layers):
    return Need(task, tuple(layers))


def test_images_fit_a_budget_with_shared_layers_counted_once(calc_task):
    a = need(calc_task, ("env", 6), ("a", 3))
    b = need(calc_task, ("env", 6), ("b", 4))  # shares its environment with a
    c = need(calc_task, ("c", 5))
    found = fit([a, b, c, Need(calc_task, None)], budget=14)
    assert found.total == 6 + 3 + 4 + 5
    assert found.fitting == 2  # a and b (13), then c does not fit
    assert found.largest is b and found.largest_size == 10
    assert found.unknown == 1
    assert fit([], 5) == Fit(None, 0, 0, 0, 0)


def test_an_image_bigger_than_the_budget_is_refused_in_one_line(calc_task, capsys):
    found = Fit(need(calc_task, ("x", 9 * GiB)), 9 * GiB, 9 * GiB, 0, 0)
    with pytest.raises(UsageError, match=r"^--image-disk 8g: the image of acme__calc-1 adds"):
        judge(found, 8 * GiB, ImageSettings(image_disk="8g"), None)
    with pytest.raises(HarnessError) as caught:
        judge(found, 8 * GiB, ImageSettings(), free=30 * GiB)
    assert not isinstance(caught.value, UsageError)
    assert "the engine's 30.0GiB of free disk" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_selection_that_fits_only_in_part_is_said_with_how_many_tasks_fit(calc_task, capsys):
    found = Fit(need(calc_task, ("x", GiB)), GiB, 40 * GiB, 7, 3)
    judge(found, 10 * GiB, ImageSettings(), 50 * GiB)
    err = capsys.readouterr().err
    assert "about 7 task(s)' images fit at once" in err
    assert "the sizes of 3 image(s) could not be read" in err


def test_the_default_budget_leaves_room_for_every_running_task():
    assert default_budget(100 * GiB, 4, "4g") == 100 * GiB - 16 * GiB - 2 * GiB
    assert default_budget(10 * GiB, 4, "4g") == 0


@pytest.mark.docker
def test_free_space_is_read_here_or_from_a_container(docker_client, monkeypatch):
    from harness.sandbox.engine import default_base_image

    base = default_base_image(docker_client)
    root = docker_client.info()["DockerRootDir"]
    here = free_bytes(docker_client, base)
    assert here is not None and abs(here - shutil.disk_usage(root).free) < GiB
    monkeypatch.setenv("DOCKER_HOST", "tcp://engine.example.com:2376")  # not this machine's
    remote = free_bytes(docker_client, base)
    assert remote is not None and abs(remote - here) < GiB
