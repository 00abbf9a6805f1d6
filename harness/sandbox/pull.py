"""Pulling task images through the engine: with progress, with retries for what may pass, and
with a registry's rate limit waited out.

Official SWE-bench images are several gigabytes each and registries drop connections; a pull
that fails for a reason that can pass (a reset connection, a timeout, a 5xx) is tried again
after a pause. One that cannot pass (no such image, no access) fails at once. A registry that
refuses pulls for a while (HTTP 429, e.g. Docker Hub's anonymous limit) is waited out, as long
as it asks (Retry-After or its rate-limit headers) or with jittered exponential back-off, until
a deadline; every pull from that registry then waits with it.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors

from harness import InfrastructureError, first_line
from harness.models.retry import RetryPolicy
from harness.sandbox.registry import Reference, Registries

Progress = Callable[[int, int], None]  # (bytes done, bytes in all) over every layer
PERMANENT = re.compile(
    r"not found|manifest unknown|unauthorized|denied|invalid reference|repository does not "
    r"exist|requested access to the resource",
    re.I,
)
RATE_LIMITED = re.compile(r"\b429\b|toomanyrequests|too many requests", re.I)
# What holds for every pull from a registry, not for one image.
UNREACHABLE = re.compile(
    r"no such host|connection refused|no route to host|network is unreachable|i/o timeout|"
    r"server gave HTTP response to HTTPS client|x509:|tls:",
    re.I,
)
UNAUTHORIZED = re.compile(
    r"unauthorized|authentication required|incorrect username or password", re.I
)
ATTEMPTS = 3
PAUSE_S = 2.0
RATE_LIMIT_DEADLINE_S = 1800.0
# Without a wait named by the registry: full-jitter back-off from 5 s, at most 5 minutes.
RATE_LIMIT_BACKOFF = RetryPolicy(base_s=5.0, cap_s=300.0)


def registry_problem(reason: str) -> str | None:
    """'unreachable' or 'unauthorized' when an engine's error holds for every pull from the
    registry, not only for one image; None otherwise."""
    if UNREACHABLE.search(reason):
        return "unreachable"
    if UNAUTHORIZED.search(reason):
        return "unauthorized"
    return None


@dataclass(frozen=True)
class Pulled:
    """A finished pull: the bytes the engine downloaded (layers it already had cost none),
    and the seconds spent waiting out the registry's rate limit."""

    image: str
    downloaded: int = 0
    rate_limit_wait_s: float = 0.0


@dataclass
class RateLimitGate:
    """When each registry may next be asked for a pull: one pull's 429 holds back the
    others of the process, instead of each finding the limit on its own."""

    not_before: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hold(self, registry: str, seconds: float) -> None:
        with self.lock:
            until = time.monotonic() + seconds
            self.not_before[registry] = max(self.not_before.get(registry, 0.0), until)

    def wait(self, registry: str) -> float:
        """Sleep until the registry may be asked; the seconds slept."""
        with self.lock:
            pause = self.not_before.get(registry, 0.0) - time.monotonic()
        if pause <= 0:
            return 0.0
        time.sleep(pause)
        return pause


GATE = RateLimitGate()


@dataclass(frozen=True)
class PullPolicy:
    attempts: int = ATTEMPTS
    pause_s: float = PAUSE_S
    rate_limit_deadline_s: float = RATE_LIMIT_DEADLINE_S
    backoff: RetryPolicy = RATE_LIMIT_BACKOFF


def _follow(events: Iterable[dict[str, Any]], progress: Progress | None) -> int:
    """Read a pull's event stream to its end; raise on the error event a failed pull sends.
    Returns the bytes downloaded: the size of each layer the engine fetched."""
    layers: dict[str, tuple[int, int]] = {}
    for event in events:
        if "error" in event:
            raise docker.errors.APIError(str(event["error"]))
        detail = event.get("progressDetail") or {}
        if event.get("status") == "Downloading" and detail.get("total"):
            layers[str(event.get("id"))] = (int(detail.get("current", 0)), int(detail["total"]))
            if progress is not None:
                done = sum(c for c, _ in layers.values())
                progress(done, sum(t for _, t in layers.values()))
    return sum(total for _, total in layers.values())


def pull(
    client: docker.DockerClient,
    image: str,
    progress: Progress | None = None,
    attempts: int = ATTEMPTS,
    pause_s: float = PAUSE_S,
    policy: PullPolicy | None = None,
    registries: Registries | None = None,
) -> Pulled:
    """Pull `image` (name:tag), or raise InfrastructureError with the registry's reason."""
    policy = policy or PullPolicy(attempts, pause_s)
    reference = Reference.parse(image)
    repository, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
    rng = random.Random()
    deadline = time.monotonic() + policy.rate_limit_deadline_s
    waited, refusals, failures = 0.0, 0, 0
    while True:
        waited += GATE.wait(reference.registry)
        try:
            events = client.api.pull(repository, tag=tag or "latest", stream=True, decode=True)
            return Pulled(image, _follow(events, progress), round(waited, 3))
        except docker.errors.DockerException as exc:
            # the engine's own words ('Get "https://...": connection refused'), not the SDK's
            reason = first_line(getattr(exc, "explanation", None) or exc, 200)
        if RATE_LIMITED.search(reason):
            asked = registries.rate_limit_wait_s(image) if registries else None
            pause = _rate_limit_pause(asked, refusals, policy.backoff, rng)
            refusals += 1
            if time.monotonic() + pause > deadline:
                raise InfrastructureError(
                    f"cannot pull image {image}: the registry {reference.registry} refused "
                    f"pulls (rate limit) for {waited:.0f} s and asks for {pause:.0f} s more, "
                    f"past the deadline of {policy.rate_limit_deadline_s:g} s "
                    f"(--rate-limit-deadline): {reason}"
                )
            GATE.hold(reference.registry, pause)
            continue  # waiting out a limit is not a failed attempt
        failures += 1
        if PERMANENT.search(reason) or failures >= policy.attempts:
            tries = f" after {failures} attempts" if failures > 1 else ""
            raise InfrastructureError(f"cannot pull image {image}{tries}: {reason}")
        time.sleep(policy.pause_s * 2 ** (failures - 1))


def _rate_limit_pause(
    asked: float | None, refusals: int, backoff: RetryPolicy, rng: random.Random
) -> float:
    """The registry's own wait with a little jitter (so that waiting pulls do not return at
    the same instant), else full-jitter exponential back-off."""
    if asked is not None:
        return asked + rng.uniform(0.0, min(1.0, 0.1 * asked + 0.1))
    return max(0.5, backoff.backoff(refusals, rng))
