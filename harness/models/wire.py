"""The bodies that go over the wire: the request we send, the usage and reply we read back.

Shared by the live client and by replay, so that a replayed response is read exactly as a
live one was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, NonNegativeInt, ValidationError

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


class _Strict(BaseModel):
    """Counts as the wire carries them: whole numbers, never negative, never a string or a
    boolean; fields a provider adds that we do not read are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)


class _PromptDetails(_Strict):
    cached_tokens: NonNegativeInt | None = None


class _CompletionDetails(_Strict):
    reasoning_tokens: NonNegativeInt | None = None


class WireUsage(_Strict):
    """A response's usage, DeepSeek-style (prompt_cache_hit/miss_tokens) or OpenAI-style
    (prompt_tokens_details.cached_tokens)."""

    prompt_tokens: NonNegativeInt | None = None
    completion_tokens: NonNegativeInt
    prompt_cache_hit_tokens: NonNegativeInt | None = None
    prompt_cache_miss_tokens: NonNegativeInt | None = None
    prompt_tokens_details: _PromptDetails | None = None
    completion_tokens_details: _CompletionDetails | None = None

    def prompt_split(self) -> tuple[int, int]:
        """(cache hit, cache miss) input tokens; a ValueError when the counts do not add up."""
        prompt = self.prompt_tokens
        hit, miss = self.prompt_cache_hit_tokens, self.prompt_cache_miss_tokens
        if hit is None and miss is None:  # OpenAI style
            if prompt is None:
                raise ValueError("no prompt_tokens")
            details = self.prompt_tokens_details
            cached = (details.cached_tokens or 0) if details else 0
            if cached > prompt:
                raise ValueError(f"cached_tokens {cached} exceed prompt_tokens {prompt}")
            return cached, prompt - cached
        if hit is not None and miss is not None:
            if prompt is not None and hit + miss != prompt:
                raise ValueError(
                    f"prompt_cache_hit_tokens {hit} + prompt_cache_miss_tokens {miss} are not "
                    f"prompt_tokens {prompt}"
                )
            return hit, miss
        # one of the two: the other is what the total leaves
        if prompt is None:
            raise ValueError("prompt_cache_hit/miss_tokens without prompt_tokens")
        known = hit if hit is not None else miss
        assert known is not None
        if known > prompt:
            raise ValueError(f"prompt_cache tokens {known} exceed prompt_tokens {prompt}")
        return (known, prompt - known) if hit is not None else (prompt - known, known)


def parse_usage(usage: Any) -> Usage:
    """Tokens from a response's usage. Missing, negative or inconsistent counts are an error,
    never a price: a call must not come out free, or cheaper than it was."""
    if usage is None:
        raise ModelError("the response carries no usage; its cost cannot be known")
    try:
        wire = WireUsage.model_validate(usage if isinstance(usage, dict) else usage.model_dump())
        hit, miss = wire.prompt_split()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "usage"
        raise ModelError(
            f"the response's usage is unusable ({where}: {error['msg']}); its cost cannot be known"
        ) from None
    except (ValueError, AttributeError) as exc:
        problem = exc if isinstance(exc, ValueError) else f"usage is {type(usage).__name__}"
        raise ModelError(
            f"the response's usage is unusable ({problem}); its cost cannot be known"
        ) from None
    details = wire.completion_tokens_details
    reasoning = (details.reasoning_tokens or 0) if details else 0
    return Usage(cache_hit=hit, cache_miss=miss, output=wire.completion_tokens, reasoning=reasoning)


def parse_response(model: str, body: dict[str, Any]) -> Completion:
    """A completion from a response body (live or replayed); latency and retries are the
    caller's to fill in."""
    choices = body.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        raise ModelError(f"{model}: the response has no choices")
    if body.get("usage") is None:
        raise ModelError(f"{model}: the response carries no usage; its cost cannot be known")
    message = choices[0].get("message") or {}
    try:
        usage = parse_usage(body["usage"])
    except ModelError as exc:
        raise ModelError(f"{model}: {exc}") from None
    return Completion(
        content=message.get("content") or "",
        usage=usage,
        reasoning_content=message.get("reasoning_content"),
    )
