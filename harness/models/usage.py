"""What one call is billed for, read from its response: an answered call is never free.

- The provider's usage, when it is usable and adds up, is taken as it is ("reported").
- Counts that do not add up are read the way that bills the most ("adjusted"): a cache
  discount that contradicts the prompt count is not given (every prompt token is a cache
  miss), reasoning tokens larger than the completion count were counted outside it (the
  output is both), and a total larger than its parts bills the difference as output. A gateway
  that reports reasoning outside the completion count is then billed for it, never less.
- A count of zero that the text contradicts (no prompt tokens for a request, no output tokens
  for a reply with text) is replaced by an estimate from that text ("adjusted").
- Usage that is missing, null, total-only, negative, fractional, a string or 0/0 is replaced
  by an estimate from the request and the reply ("estimated"); when no reply came back either,
  from the request alone ("unknown"). Estimates bill every prompt token as a cache miss, and
  count reasoning text as output, as providers bill it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, NonNegativeInt, ValidationError

from harness.files import first_problem
from harness.models.base import Message
from harness.models.tokens import count_tokens, prompt_tokens
from harness.pricing import Usage, UsageSource


@dataclass(frozen=True)
class Billed:
    """The tokens a call is billed for, how they are known, and why not exactly."""

    usage: Usage
    source: UsageSource = "reported"
    note: str = ""


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
    completion_tokens: NonNegativeInt | None = None
    total_tokens: NonNegativeInt | None = None
    prompt_cache_hit_tokens: NonNegativeInt | None = None
    prompt_cache_miss_tokens: NonNegativeInt | None = None
    prompt_tokens_details: _PromptDetails | None = None
    completion_tokens_details: _CompletionDetails | None = None


class Unusable(ValueError):
    """Usage that says nothing a bill can rest on."""


def billed(raw: Any, messages: list[Message], reply: str | None, reasoning: str = "") -> Billed:
    """What a call is billed for, from its response's usage (`raw`, as the body holds it), the
    request's messages and the reply's text (None when the response held no reply)."""
    try:
        usage, problems = read_usage(raw)
    except Unusable as exc:
        return estimate(messages, reply, reasoning, str(exc))
    sent = estimate(messages, reply, reasoning, "").usage
    prompt_zero = usage.prompt == 0
    output_zero = usage.output == 0 and sent.output > 0
    if prompt_zero and output_zero:
        return estimate(messages, reply, reasoning, "the usage reports no tokens at all")
    if prompt_zero:
        problems.append(f"0 prompt tokens for a request of about {sent.prompt}: estimated")
        usage = Usage(0, sent.prompt, usage.output, usage.reasoning)
    if output_zero:
        problems.append(f"0 completion tokens for a reply of about {sent.output}: estimated")
        usage = Usage(usage.cache_hit, usage.cache_miss, sent.output, sent.reasoning)
    if problems:
        return Billed(usage, "adjusted", "; ".join(problems))
    return Billed(usage)


def estimate(messages: list[Message], reply: str | None, reasoning: str, why: str) -> Billed:
    """Tokens estimated from the text: every prompt token a cache miss, reasoning as output."""
    thought = count_tokens(reasoning or "")
    output = count_tokens(reply or "") + thought
    usage = Usage(cache_miss=prompt_tokens(messages), output=output, reasoning=thought)
    if reply is None:
        return Billed(usage, "unknown", f"{why}; no reply: estimated from the request alone")
    return Billed(usage, "estimated", f"{why}; estimated from the request and reply text")


def read_usage(raw: Any) -> tuple[Usage, list[str]]:
    """The provider's counts read the way that bills the most, and what did not add up; an
    Unusable when there is nothing to read."""
    if raw is None:
        raise Unusable("the response carries no usage")
    try:
        data = raw if isinstance(raw, dict) else raw.model_dump()
        wire = WireUsage.model_validate(data)
    except ValidationError as exc:
        raise Unusable(f"the usage is unusable ({first_problem(exc)})") from None
    except AttributeError:
        raise Unusable(f"the usage is a {type(raw).__name__}, not an object") from None
    if wire.completion_tokens is None:
        raise Unusable("the usage has no completion_tokens")
    problems: list[str] = []
    hit, miss = _prompt(wire, problems)
    output, reasoning = _output(wire, hit + miss, problems)
    return Usage(hit, miss, output, reasoning), problems


def _prompt(wire: WireUsage, problems: list[str]) -> tuple[int, int]:
    """(cache hit, cache miss) input tokens. A discount that contradicts the prompt count is
    not given: every prompt token is then a miss, and the prompt is the larger count."""
    prompt = wire.prompt_tokens
    hit, miss = wire.prompt_cache_hit_tokens, wire.prompt_cache_miss_tokens
    if hit is None and miss is None:  # OpenAI style
        if prompt is None:
            raise Unusable("the usage has no prompt_tokens")
        details = wire.prompt_tokens_details
        cached = (details.cached_tokens or 0) if details else 0
        if cached > prompt:
            problems.append(f"cached_tokens {cached} exceed prompt_tokens {prompt}: all misses")
            return 0, prompt
        return cached, prompt - cached
    if hit is not None and miss is not None:
        if prompt is not None and hit + miss != prompt:
            problems.append(
                f"prompt_cache_hit_tokens {hit} + prompt_cache_miss_tokens {miss} are not "
                f"prompt_tokens {prompt}: all misses"
            )
            return 0, max(prompt, hit + miss)
        return hit, miss
    if prompt is None:  # one of the two, and nothing to tell the other from
        raise Unusable("the usage has prompt_cache tokens without prompt_tokens")
    known = hit if hit is not None else miss
    assert known is not None
    if known > prompt:
        problems.append(f"prompt_cache tokens {known} exceed prompt_tokens {prompt}: all misses")
        return 0, known
    return (known, prompt - known) if hit is not None else (prompt - known, known)


def _output(wire: WireUsage, prompt: int, problems: list[str]) -> tuple[int, int]:
    """(output, reasoning) tokens. Reasoning is inside the completion count, as DeepSeek and
    OpenAI report it, unless the counts say otherwise: a total that equals prompt, completion
    and reasoning together, or reasoning larger than the completion. A total larger than the
    parts bills the difference as output."""
    completion = wire.completion_tokens or 0
    details = wire.completion_tokens_details
    reasoning = (details.reasoning_tokens or 0) if details else 0
    total = wire.total_tokens
    output = completion
    if reasoning and total == prompt + completion + reasoning:
        output = completion + reasoning  # reasoning counted outside the completion, openly
    elif reasoning > completion:
        problems.append(
            f"reasoning_tokens {reasoning} exceed completion_tokens {completion}: counted "
            "outside them"
        )
        output = completion + reasoning
    if total is not None and total != prompt + output:
        if total > prompt + output:
            problems.append(
                f"total_tokens {total} exceed prompt and output ({prompt + output}): the "
                "difference is billed as output"
            )
            output = total - prompt
        else:
            problems.append(f"total_tokens {total} are less than prompt and output")
    return output, min(reasoning, output)
