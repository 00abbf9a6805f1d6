"""The small protocol the agent talks to: a model takes messages and gives a completion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from harness import HarnessError, InfrastructureError
from harness.pricing import Usage, UsageSource

Message = dict[str, str]


@dataclass(frozen=True)
class Completion:
    content: str
    usage: Usage
    latency_s: float = 0.0
    retries: int = 0
    reasoning_content: str | None = None
    retry_wait_s: float = 0.0  # seconds spent waiting between attempts, included in latency_s
    usage_source: UsageSource = "reported"  # how `usage` is known (see models/usage.py)
    usage_note: str = ""  # why it is not as reported, when it is not
    response_id: str = ""  # the provider's id of the response, to reconcile with its bill


class Model(Protocol):
    name: str

    def complete(self, messages: list[Message]) -> Completion: ...


class CallError(HarnessError):
    """A model call that failed for good, and how hard it was tried: the trajectory records
    the failed call with its retries and waits, and a recording replays it the same way."""

    def __init__(
        self,
        message: str,
        retries: int = 0,
        retry_wait_s: float = 0.0,
        billed: Completion | None = None,
    ):
        super().__init__(message)
        self.retries = retries
        self.retry_wait_s = retry_wait_s
        # what the failed call was billed for, when an answer came back (e.g. with no choices)
        self.billed = billed


class ModelError(CallError):
    """A call that cannot succeed by retrying (bad request, bad key, no credit, no reply)."""


class ModelUnavailable(CallError, InfrastructureError):
    """The endpoint failed (a server error, or the retries ran out): not the model's fault."""
