"""The bodies that go over the wire: the request we send, the reply we read back.

Shared by the live client and by replay, so that a replayed response is read exactly as a
live one was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.models.base import Completion, Message, ModelError
from harness.models.usage import billed
from harness.options import option

THINKING = ("on", "off")
REASONING_EFFORTS = ("low", "medium", "high")


@dataclass(frozen=True)
class ModelOptions:
    """Request parameters beyond model and messages; they are part of a recorded request."""

    thinking: str | None = option(
        None,
        'thinking mode, sent as {"thinking": {"type": ...}} (default: the provider\'s)',
        choices=THINKING,
    )
    reasoning_effort: str | None = option(
        None,
        "reasoning effort, sent as reasoning_effort (default: the provider's)",
        choices=REASONING_EFFORTS,
    )
    temperature: float | None = option(
        None,
        "sampling temperature, 0 to 2 (default: the provider's)",
        metavar="T",
        type=float,
        check=lambda t: None if 0 <= t <= 2 else "must be between 0 and 2",
    )

    def parameters(self) -> dict[str, Any]:
        """The parameters as the JSON body carries them. DeepSeek takes thinking as
        {"thinking": {"type": ...}}; OpenAI-style servers take a top-level reasoning_effort."""
        params: dict[str, Any] = {}
        if self.thinking is not None:
            params["thinking"] = {"type": "enabled" if self.thinking == "on" else "disabled"}
        if self.reasoning_effort is not None:
            params["reasoning_effort"] = self.reasoning_effort
        if self.temperature is not None:
            params["temperature"] = self.temperature
        return params


def build_request(model: str, messages: list[Message], options: ModelOptions) -> dict[str, Any]:
    """The JSON body of a chat completion request. Only role and content of each message are
    sent: reasoning content is never sent back (DeepSeek drops it between user turns, and an
    unchanged history keeps the provider's prefix cache and our recordings stable)."""
    history = [{"role": m["role"], "content": m["content"]} for m in messages]
    return {"model": model, "messages": history, **options.parameters()}


def parse_response(model: str, request: dict[str, Any], body: dict[str, Any]) -> Completion:
    """A completion from a response body (live or replayed) to `request`; latency and retries
    are the caller's to fill in. What the call is billed for is read even from a response that
    holds no reply (see models/usage.py): a ModelError then carries it."""
    choices = body.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else None
    message = first.get("message") if isinstance(first, dict) else None
    if not isinstance(message, dict):
        bill = billed(body.get("usage"), request["messages"], None)
        raise ModelError(
            f"{model}: the response has no choices",
            billed=Completion("", bill.usage, usage_source=bill.source, usage_note=bill.note),
        )
    content = message.get("content")
    reasoning = message.get("reasoning_content")
    content = content if isinstance(content, str) else ""
    reasoning = reasoning if isinstance(reasoning, str) else ""
    bill = billed(body.get("usage"), request["messages"], content, reasoning)
    response_id = body.get("id")
    return Completion(
        content=content,
        usage=bill.usage,
        reasoning_content=reasoning or None,
        usage_source=bill.source,
        usage_note=bill.note,
        response_id=response_id if isinstance(response_id, str) else "",
    )
