"""Sandbox settings that a run's command line sets."""

from __future__ import annotations

from dataclasses import dataclass

from harness.options import option


def memory_size(value: str) -> str | None:
    """Docker's memory syntax (a number with b, k, m or g), and enough to run a Python test
    suite: a typo found before any task starts, not in every task's row."""
    from docker.errors import DockerException
    from docker.utils import parse_bytes

    try:
        size = parse_bytes(value)
    except (DockerException, ValueError):
        return "must be a size such as 2g or 512m"
    return None if size >= 64 * 2**20 else "must be at least 64m"


@dataclass(frozen=True)
class SandboxSettings:
    memory: str = option("2g", "memory limit per container", check=memory_size)
    network: bool = option(False, "give task containers network access (default: none)")
    base_image: str | None = option(
        None,
        "base image of the sandbox Dockerfile (default: the one `setup` made, else "
        "python:3.11-slim)",
        metavar="IMAGE",
    )
    cpus: float = 1.0
    pids: int = 512
