"""Pulling task images from a registry: with progress, and with retries for what may pass.

Official SWE-bench images are several gigabytes each and registries drop connections; a pull
that fails for a reason that can pass (a reset connection, a timeout, a 5xx, too many requests)
is tried again after a pause. One that cannot pass (no such image, no access) fails at once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import docker
import docker.errors

from harness import InfrastructureError, first_line

Progress = Callable[[int, int], None]  # (bytes done, bytes in all) over every layer
PERMANENT = re.compile(
    r"not found|manifest unknown|unauthorized|denied|invalid reference|repository does not "
    r"exist|requested access to the resource",
    re.I,
)
ATTEMPTS = 3
PAUSE_S = 2.0


def _follow(events: Iterable[dict[str, Any]], progress: Progress | None) -> None:
    """Read a pull's event stream to its end; raise on the error event a failed pull sends."""
    layers: dict[str, tuple[int, int]] = {}
    for event in events:
        if "error" in event:
            raise docker.errors.APIError(str(event["error"]))
        detail = event.get("progressDetail") or {}
        if progress is not None and event.get("status") == "Downloading" and detail.get("total"):
            layers[str(event.get("id"))] = (int(detail.get("current", 0)), int(detail["total"]))
            progress(sum(c for c, _ in layers.values()), sum(t for _, t in layers.values()))


def pull(
    client: docker.DockerClient,
    image: str,
    progress: Progress | None = None,
    attempts: int = ATTEMPTS,
    pause_s: float = PAUSE_S,
) -> None:
    """Pull `image` (name:tag), or raise InfrastructureError with the registry's reason."""
    repository, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
    for attempt in range(1, attempts + 1):
        try:
            events = client.api.pull(repository, tag=tag or "latest", stream=True, decode=True)
            _follow(events, progress)
            return
        except docker.errors.DockerException as exc:
            # the engine's own words ('Get "https://...": connection refused'), not the SDK's
            reason = first_line(getattr(exc, "explanation", None) or exc, 200)
            if PERMANENT.search(reason) or attempt == attempts:
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                raise InfrastructureError(f"cannot pull image {image}{tries}: {reason}") from None
        time.sleep(pause_s * 2 ** (attempt - 1))
