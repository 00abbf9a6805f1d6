"""The small protocol the agent talks to: a model takes messages and gives a completion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from harness import HarnessError
from harness.pricing import Usage

Message = dict[str, str]


@dataclass(frozen=True)
class Completion:
    content: str
    usage: Usage
    latency_s: float = 0.0
    retries: int = 0
    reasoning_content: str | None = None
    retry_wait_s: float = 0.0  # seconds spent waiting between attempts, included in latency_s


class Model(Protocol):
    name: str

    def complete(self, messages: list[Message]) -> Completion: ...


class ModelError(HarnessError):
    """A call that cannot succeed by retrying (bad request, bad key, no credit, no usage)."""
