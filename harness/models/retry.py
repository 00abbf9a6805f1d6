"""When to try a call again, how long to wait, and how many calls may be in flight."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Protocol

from harness.options import non_negative, option, positive

DEFAULT_MAX_CONCURRENCY = 8

# Worth another attempt: the server is busy or broken right now, not the request.
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Never worth another attempt: the same request will fail the same way.
FATAL_STATUS = {
    400: "bad request",
    401: "the API key was refused",
    402: "insufficient balance",
    403: "forbidden",
    404: "not found; check the model name and --base-url",
    422: "invalid parameters",
}


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: retry n waits a uniform draw from
    [0, min(cap_s, base_s * 2**n)], unless the server says how long to wait."""

    max_retries: int = 6  # attempts in all: max_retries + 1
    base_s: float = 1.0
    cap_s: float = 60.0
    max_retry_after_s: float = 300.0  # a server asking for longer than this is given up on

    def backoff(self, retry: int, rng: random.Random) -> float:
        return rng.uniform(0.0, min(self.cap_s, self.base_s * 2**retry))


@dataclass(frozen=True)
class ClientSettings:
    """How we talk to the endpoint; unlike ModelOptions, none of this changes a reply."""

    request_timeout: float = option(
        300.0,
        "deadline of one attempt at a call, in seconds: the whole reply must arrive within it, "
        "however the server keeps the request alive",
        metavar="SECONDS",
        check=positive,
    )
    max_retries: int = option(
        6,
        "retries of a call after 429, 5xx, a timeout, a connection error or a malformed body",
        metavar="N",
        check=non_negative,
    )
    max_concurrency: int = option(
        DEFAULT_MAX_CONCURRENCY,
        "requests in flight per model and endpoint",
        metavar="N",
        check=positive,
    )
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(self.max_retries, self.backoff_base_s, self.backoff_cap_s)


def retry_after_s(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The wait a server asks for: retry-after-ms (OpenAI's), else Retry-After in seconds or
    as an HTTP date. None when absent or unreadable."""
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
    except ValueError:
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Slots(Protocol):
    """Held around one request: entering waits for a free slot, leaving gives it back."""

    def __enter__(self) -> object: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> object: ...


# (endpoint, model, limit) -> the slots every client of that model at that endpoint shares
SlotSource = Callable[[str, str, int], Slots]

_SLOTS: dict[tuple[str, str], threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def process_slots(base_url: str, model: str, limit: int) -> threading.BoundedSemaphore:
    """The semaphore of one model at one endpoint, shared by every client in the process
    (models are built per task, so a per-object limit would not limit anything). The first
    limit asked for a (base_url, model) pair holds for the life of the process."""
    with _SLOTS_LOCK:
        if (base_url, model) not in _SLOTS:
            _SLOTS[(base_url, model)] = threading.BoundedSemaphore(max(1, limit))
        return _SLOTS[(base_url, model)]


# Which slots the clients built in this context share: the process's by default; a cluster
# run sets its own for the tasks it runs, so that the limit holds across machines.
_SOURCE: ContextVar[SlotSource] = ContextVar("slot_source", default=process_slots)


def concurrency_slots(base_url: str, model: str, limit: int) -> Slots:
    """The slots of one model at one endpoint, from the source in force."""
    return _SOURCE.get()(base_url.rstrip("/"), model, limit)


@contextmanager
def slot_source(source: SlotSource) -> Iterator[None]:
    """Clients built inside the block take their slots from `source`."""
    token = _SOURCE.set(source)
    try:
        yield
    finally:
        _SOURCE.reset(token)
