"""Sandbox settings that a run's command line sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.image_names import reference_problem
from harness.options import non_negative, option, positive


def size_in_bytes(value: str) -> int:
    """Docker's size syntax (a number with b, k, m or g); a ValueError when it is not one."""
    from docker.errors import DockerException
    from docker.utils import parse_bytes

    try:
        size = int(parse_bytes(value))
    except (DockerException, ValueError):
        raise ValueError(value) from None
    if size < 0:
        raise ValueError(value)
    return size


# The engine keeps a size in a signed 64-bit count of bytes; past it, it refuses every container.
LARGEST_SIZE = 2**63 - 1


def size_text(size: int) -> str:
    """Bytes for a reader, in the binary units Docker's sizes use (1g is 1 GiB)."""
    from tqdm import tqdm

    return f"{size} B" if size < 1024 else tqdm.format_sizeof(size, "iB", 1024)


def at_least(minimum: str, example: str) -> Callable[[str], str | None]:
    """A check of a size option: a typo, a size too small to run a Python test suite, or one
    too large for the engine is found before any task starts, not in every task's row."""

    def check(value: str) -> str | None:
        try:
            size = size_in_bytes(value)
        except ValueError:
            return f"must be a size such as {example}"
        if size > LARGEST_SIZE:
            return f"must be at most {LARGEST_SIZE // 2**30}g, the largest size Docker takes"
        return None if size >= size_in_bytes(minimum) else f"must be at least {minimum}"

    return check


@dataclass(frozen=True)
class SandboxSettings:
    memory: str = option("2g", "memory limit per container", check=at_least("64m", "2g or 512m"))
    disk: str = option(
        "4g",
        "disk space a container may write (its writable layer); enforced by the storage "
        "driver where it can, else by a file-size limit and a watchdog",
        check=at_least("64m", "10g or 500m"),
    )
    network: bool = option(False, "give task containers network access (default: none)")
    base_image: str | None = option(
        None,
        "base image of the sandbox Dockerfile (default: the one `setup` made, else "
        "python:3.11-slim)",
        metavar="IMAGE",
        check=reference_problem,
    )
    cpus: float = 1.0
    pids: int = 512


CACHE_LEVELS = ("none", "env", "instance")


@dataclass(frozen=True)
class ImageSettings:
    """How a run keeps the images it pulls or builds; none of this changes a result."""

    image_disk: str | None = option(
        None,
        "disk space the images a run pulls or builds may take at once; the images of "
        "finished tasks are removed to stay within it (default: the engine's free space, "
        "less --disk for each task running at once and 2 GiB)",
        metavar="SIZE",
        check=at_least("1m", "200g or 500m"),
    )
    image_cache: str = option(
        "instance",
        "what the run leaves of the images it pulled or built: 'instance' all of them (within "
        "--image-disk), 'env' only the environment images it built, 'none' nothing",
        choices=CACHE_LEVELS,
    )
    pull_concurrency: int = option(
        1,
        "images pulled or built at once, ahead of the tasks that need them, in the order the "
        "tasks start (each pull already fetches several layers at once); 0 makes a task's "
        "image only when the task starts",
        metavar="N",
        check=non_negative,
    )
    rate_limit_deadline: float = option(
        1800.0,
        "seconds a pull waits out a registry's rate limit (HTTP 429) before its task ends "
        "as an error",
        metavar="SECONDS",
        check=positive,
    )
