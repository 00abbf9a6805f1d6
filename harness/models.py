"""Models: the small protocol the agent talks to, and the OpenAI-compatible client behind it."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Protocol

from harness import HarnessError, InfrastructureError
from harness.pricing import Usage

DEEPSEEK_BASE_URL = "https://api.deepseek.com"
DEFAULT_MODELS = {"flash": "deepseek-v4-flash", "pro": "deepseek-v4-pro"}
DEFAULT_KEY_VARIABLE = "DEEPSEEK_API_KEY"

Message = dict[str, str]


@dataclass(frozen=True)
class Completion:
    content: str
    usage: Usage
    latency_s: float = 0.0
    retries: int = 0
    reasoning_content: str | None = None


class Model(Protocol):
    name: str

    def complete(self, messages: list[Message]) -> Completion: ...


class ModelError(HarnessError):
    """A call that cannot succeed by retrying (bad request, bad key, no credit, no usage)."""


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


class OpenAIModel:
    """Any OpenAI-compatible chat endpoint (DeepSeek by default)."""

    def __init__(self, name: str, base_url: str = DEEPSEEK_BASE_URL,
                 key_variable: str = DEFAULT_KEY_VARIABLE, timeout: float = 300,
                 max_retries: int = 6, temperature: float | None = None):
        import openai

        key = os.environ.get(key_variable)
        if not key:
            raise HarnessError(f"no API key: set {key_variable}")
        self.name = name
        self.key_variable = key_variable
        self.temperature = temperature
        self._openai = openai
        self._client = openai.OpenAI(api_key=key, base_url=base_url, timeout=timeout,
                                     max_retries=max_retries)

    def complete(self, messages: list[Message]) -> Completion:
        openai = self._openai
        extra = {} if self.temperature is None else {"temperature": self.temperature}
        started = time.monotonic()
        try:
            raw = self._client.chat.completions.with_raw_response.create(
                model=self.name, messages=messages, **extra)
            response = raw.parse()
        except openai.AuthenticationError:
            raise ModelError(f"{self.name}: the API key was refused (401); check "
                             f"{self.key_variable}") from None
        except openai.APIStatusError as exc:
            if exc.status_code in (400, 402, 403, 404, 422):
                raise ModelError(f"{self.name}: HTTP {exc.status_code}: "
                                 f"{_short(exc.message)}") from None
            raise InfrastructureError(f"{self.name}: HTTP {exc.status_code} after retries") \
                from None
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise InfrastructureError(f"{self.name}: {type(exc).__name__} after retries") \
                from None
        if not response.choices:
            raise ModelError(f"{self.name}: the response has no choices")
        message = response.choices[0].message
        retries = int(raw.retries_taken) if hasattr(raw, "retries_taken") else 0
        return Completion(
            content=message.content or "",
            usage=parse_usage(response.usage),
            latency_s=time.monotonic() - started,
            retries=retries,
            reasoning_content=getattr(message, "reasoning_content", None),
        )


def _short(text: str) -> str:
    return " ".join(str(text).split())[:200]
