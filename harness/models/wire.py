"""The bodies that go over the wire: the request we send, the usage and reply we read back.

Shared by the live client and by replay, so that a replayed response is read exactly as a
live one was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.models.base import Completion, Message, ModelError
from harness.options import option
from harness.pricing import Usage

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


def parse_usage(usage: Any) -> Usage:
    """Tokens from a response's usage, DeepSeek-style or OpenAI-style; None is an error, never
    a free call."""
    if usage is None:
        raise ModelError("the response carries no usage; its cost cannot be known")
    data = usage if isinstance(usage, dict) else usage.model_dump()
    prompt = int(data.get("prompt_tokens") or 0)
    output = int(data.get("completion_tokens") or 0)
    if data.get("prompt_cache_hit_tokens") is not None:
        hit = int(data["prompt_cache_hit_tokens"])
        miss = int(data.get("prompt_cache_miss_tokens") or prompt - hit)
    else:
        hit = int((data.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
        miss = prompt - hit
    reasoning = int((data.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    return Usage(cache_hit=hit, cache_miss=miss, output=output, reasoning=reasoning)


def parse_response(model: str, body: dict[str, Any]) -> Completion:
    """A completion from a response body (live or replayed); latency and retries are the
    caller's to fill in."""
    choices = body.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        raise ModelError(f"{model}: the response has no choices")
    if body.get("usage") is None:
        raise ModelError(f"{model}: the response carries no usage; its cost cannot be known")
    message = choices[0].get("message") or {}
    return Completion(
        content=message.get("content") or "",
        usage=parse_usage(body["usage"]),
        reasoning_content=message.get("reasoning_content"),
    )
