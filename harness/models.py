"""Models: the small protocol the agent talks to, and the OpenAI-compatible client behind it.

Retries are ours, not the SDK's (the client is built with max_retries=0): every call must
record how often it was retried and how long it waited, Retry-After must be honoured in all
its forms, and a body that is not JSON must be retried like a server error rather than crash.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from harness import HarnessError, InfrastructureError
from harness.pricing import Usage

DEEPSEEK_BASE_URL = "https://api.deepseek.com"
DEFAULT_MODELS = {"flash": "deepseek-v4-flash", "pro": "deepseek-v4-pro"}
DEFAULT_KEY_VARIABLE = "DEEPSEEK_API_KEY"
DEFAULT_MAX_CONCURRENCY = 8

# Worth another attempt: the server is busy or broken right now, not the request.
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Never worth another attempt: the same request will fail the same way.
FATAL_STATUS = {400: "bad request", 401: "the API key was refused",
                402: "insufficient balance", 403: "forbidden",
                404: "not found; check the model name and --base-url",
                422: "invalid parameters"}
THINKING = ("on", "off")
REASONING_EFFORTS = ("low", "medium", "high")

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


class Recorder(Protocol):
    """Where `--record` puts each request and the response body it got (harness.recording)."""

    def save(self, request: dict[str, Any], response: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class ModelOptions:
    """Request parameters beyond model and messages; they are part of a recorded request."""

    thinking: str | None = None  # "on" | "off"; None leaves the provider's default
    reasoning_effort: str | None = None  # "low" | "medium" | "high"
    temperature: float | None = None

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


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: retry n waits a uniform draw from
    [0, min(cap_s, base_s * 2**n)], unless the server says how long to wait."""

    max_retries: int = 6  # attempts in all: max_retries + 1
    base_s: float = 1.0
    cap_s: float = 60.0
    max_retry_after_s: float = 300.0  # a server asking for longer than this is given up on

    def backoff(self, retry: int, rng: random.Random) -> float:
        return rng.uniform(0.0, min(self.cap_s, self.base_s * 2 ** retry))


@dataclass(frozen=True)
class ClientSettings:
    """How we talk to the endpoint; unlike ModelOptions, none of this changes a reply."""

    timeout_s: float = 300.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY


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
    return Completion(content=message.get("content") or "", usage=parse_usage(body["usage"]),
                      reasoning_content=message.get("reasoning_content"))


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


_SLOTS: dict[tuple[str, str], threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def concurrency_slots(base_url: str, model: str, limit: int) -> threading.BoundedSemaphore:
    """The semaphore of one model at one endpoint, shared by every OpenAIModel in the process
    (models are built per task, so a per-object limit would not limit anything). The first
    limit asked for a (base_url, model) pair holds for the life of the process."""
    key = (base_url.rstrip("/"), model)
    with _SLOTS_LOCK:
        if key not in _SLOTS:
            _SLOTS[key] = threading.BoundedSemaphore(max(1, limit))
        return _SLOTS[key]


class _Retryable(Exception):
    """One failed attempt that another attempt may fix."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class OpenAIModel:
    """Any OpenAI-compatible chat endpoint (DeepSeek by default)."""

    def __init__(self, name: str, base_url: str = DEEPSEEK_BASE_URL,
                 key_variable: str = DEFAULT_KEY_VARIABLE,
                 options: ModelOptions = ModelOptions(),
                 settings: ClientSettings = ClientSettings(),
                 recorder: Recorder | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        import openai

        key = os.environ.get(key_variable)
        if not key:
            raise HarnessError(f"no API key: set {key_variable}")
        self.name = name
        self.key_variable = key_variable
        self.options = options
        self.settings = settings
        self._key = key  # only to scrub it from error text
        self._recorder = recorder
        self._sleep = sleep
        self._rng = random.Random()
        self._slots = concurrency_slots(base_url, name, settings.max_concurrency)
        self._openai = openai
        self._client = openai.OpenAI(api_key=key, base_url=base_url,
                                     timeout=settings.timeout_s, max_retries=0)

    def complete(self, messages: list[Message]) -> Completion:
        request = build_request(self.name, messages, self.options)
        started = time.monotonic()
        body, retries, waited = self._send(request)
        # Recorded before parsing, so that a replay fails the same way (e.g. no usage).
        if self._recorder is not None:
            self._recorder.save(request, body)
        reply = parse_response(self.name, body)
        return Completion(content=reply.content, usage=reply.usage,
                          latency_s=time.monotonic() - started, retries=retries,
                          reasoning_content=reply.reasoning_content, retry_wait_s=waited)

    def _send(self, request: dict[str, Any]) -> tuple[dict[str, Any], int, float]:
        """The response body, the number of retries and the seconds waited between them."""
        policy = self.settings.retry
        retries, waited = 0, 0.0
        while True:
            try:
                return self._attempt(request), retries, waited
            except _Retryable as failure:
                wait = failure.retry_after
                if wait is not None and wait > policy.max_retry_after_s:
                    raise InfrastructureError(
                        f"{self.name}: {failure.reason}; the server asks to wait {wait:.0f} s, "
                        f"more than the {policy.max_retry_after_s:.0f} s allowed") from None
                if retries >= policy.max_retries:
                    raise InfrastructureError(
                        f"{self.name}: {failure.reason}; gave up after {retries + 1} "
                        f"attempt(s) and {waited:.1f} s of waiting") from None
                wait = policy.backoff(retries, self._rng) if wait is None else wait
                self._sleep(wait)
                waited += wait
                retries += 1

    def _attempt(self, request: dict[str, Any]) -> dict[str, Any]:
        openai = self._openai
        extra = {k: v for k, v in request.items() if k not in ("model", "messages")}
        try:
            with self._slots:
                raw = self._client.chat.completions.with_raw_response.create(
                    model=request["model"], messages=request["messages"], extra_body=extra)
                text = raw.text
        except openai.APIStatusError as exc:
            raise self._status_failure(exc) from None
        except openai.APITimeoutError:
            raise _Retryable(f"no answer within {self.settings.timeout_s:g} s") from None
        except openai.APIConnectionError as exc:
            raise _Retryable(f"connection error: {self._scrub(str(exc))}") from None
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise _Retryable(f"malformed response body (not a JSON object): "
                             f"{self._scrub(_short(text, 80))!r}")
        return body

    def _status_failure(self, exc: Any) -> Exception:
        status = exc.status_code
        if status in RETRYABLE_STATUS:
            return _Retryable(f"HTTP {status}", retry_after_s(exc.response.headers))
        if status == 401:
            return ModelError(f"{self.name}: the API key was refused (HTTP 401); check the key "
                              f"in {self.key_variable}")
        detail = self._scrub(_short(_error_message(exc)))
        meaning = FATAL_STATUS.get(status, "server error" if status >= 500 else "refused")
        error = InfrastructureError if status >= 500 else ModelError
        return error(f"{self.name}: HTTP {status} ({meaning}): {detail}")

    def _scrub(self, text: str) -> str:
        """Some servers echo the key they refused; it must never reach a row or a log."""
        return text.replace(self._key, "[key]") if self._key else text


def _error_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    return str(getattr(exc, "message", exc))


def _short(text: str, limit: int = 200) -> str:
    return " ".join(str(text).split())[:limit]
