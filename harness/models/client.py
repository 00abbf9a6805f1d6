"""The OpenAI-compatible chat client: any endpoint the `openai` package can talk to.

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
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any, Protocol

import openai

from harness import HarnessError
from harness.models.base import CallError, Completion, Message, ModelError, ModelUnavailable
from harness.models.retry import (
    FATAL_STATUS,
    RETRYABLE_STATUS,
    ClientSettings,
    concurrency_slots,
    retry_after_s,
)
from harness.models.wire import ModelOptions, build_request, parse_response

DEEPSEEK_BASE_URL = "https://api.deepseek.com"
DEFAULT_KEY_VARIABLE = "DEEPSEEK_API_KEY"


class Recorder(Protocol):
    """Where `--record` puts each request and what came of it (models/replay.py): the
    response body, or the failure that ended the call; with the retries and waits before."""

    def save(
        self,
        request: dict[str, Any],
        response: dict[str, Any] | None,
        retries: int,
        retry_wait_s: float,
        error: CallError | None = None,
    ) -> None: ...


class _Retryable(Exception):
    """One failed attempt that another attempt may fix."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class OpenAIModel:
    """Any OpenAI-compatible chat endpoint (DeepSeek by default)."""

    def __init__(
        self,
        name: str,
        base_url: str = DEEPSEEK_BASE_URL,
        key_variable: str = DEFAULT_KEY_VARIABLE,
        options: ModelOptions = ModelOptions(),
        settings: ClientSettings = ClientSettings(),
        recorder: Recorder | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
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
        self._base_url = base_url
        self._client = self._new_client()

    def _new_client(self) -> openai.OpenAI:
        # The SDK's timeout only bounds each wait for a byte; it is kept so that an abandoned
        # attempt (see _attempt) ends at the latest one timeout after the server falls silent.
        return openai.OpenAI(
            api_key=self._key,
            base_url=self._base_url,
            timeout=self.settings.request_timeout,
            max_retries=0,
        )

    def complete(self, messages: list[Message]) -> Completion:
        request = build_request(self.name, messages, self.options)
        started = time.monotonic()
        try:
            body, retries, waited = self._send(request)
        except CallError as failure:  # recorded too: its replay fails the same way
            if self._recorder is not None:
                self._recorder.save(request, None, failure.retries, failure.retry_wait_s, failure)
            raise
        # Recorded before parsing, so that a replay reads it the same way (e.g. no choices).
        if self._recorder is not None:
            self._recorder.save(request, body, retries, waited)
        try:
            reply = parse_response(self.name, request, body)
        except CallError as failed:  # answered, and perhaps billed, after these retries
            failed.retries, failed.retry_wait_s = retries, waited
            raise
        return replace(
            reply, latency_s=time.monotonic() - started, retries=retries, retry_wait_s=waited
        )

    def _send(self, request: dict[str, Any]) -> tuple[dict[str, Any], int, float]:
        """The response body, the number of retries and the seconds waited between them."""
        policy = self.settings.retry
        retries, waited = 0, 0.0
        while True:
            try:
                return self._attempt(request), retries, waited
            except CallError as fatal:
                fatal.retries, fatal.retry_wait_s = retries, waited
                raise
            except _Retryable as failure:
                wait = failure.retry_after
                if wait is not None and wait > policy.max_retry_after_s:
                    raise ModelUnavailable(
                        f"{self.name}: {failure.reason}; the server asks to wait {wait:.0f} s, "
                        f"more than the {policy.max_retry_after_s:.0f} s allowed",
                        retries,
                        waited,
                    ) from None
                if retries >= policy.max_retries:
                    raise ModelUnavailable(
                        f"{self.name}: {failure.reason}; gave up after {retries + 1} "
                        f"attempt(s) and {waited:.1f} s of waiting",
                        retries,
                        waited,
                    ) from None
                wait = policy.backoff(retries, self._rng) if wait is None else wait
                self._sleep(wait)
                waited += wait
                retries += 1

    def _attempt(self, request: dict[str, Any]) -> dict[str, Any]:
        """One attempt, within a wall-clock deadline of --request-timeout seconds. The SDK's
        timeout cannot be one: a server that sends a blank line now and then (as DeepSeek does
        while a request waits) keeps it from ever firing. So the exchange runs in a thread, and
        past the deadline it is abandoned and its connection closed."""
        timeout = self.settings.request_timeout
        client = self._client
        result: Future[dict[str, Any]] = Future()

        def exchange() -> None:
            try:
                result.set_result(self._exchange(client, request))
            except BaseException as exc:  # handed to the caller, whatever it is
                result.set_exception(exc)

        with self._slots:
            threading.Thread(target=exchange, name=f"call-{self.name}", daemon=True).start()
            try:
                return result.result(timeout=timeout)
            except TimeoutError:
                self._client = self._new_client()
                client.close()  # the abandoned exchange fails on its next read
                raise _Retryable(f"no complete answer within {timeout:g} s") from None

    def _exchange(self, client: openai.OpenAI, request: dict[str, Any]) -> dict[str, Any]:
        extra = {k: v for k, v in request.items() if k not in ("model", "messages")}
        try:
            raw = client.chat.completions.with_raw_response.create(
                model=request["model"], messages=request["messages"], extra_body=extra
            )
            text = raw.text
        except openai.APIStatusError as exc:
            raise self._status_failure(exc) from None
        except openai.APITimeoutError:
            raise _Retryable(
                f"no complete answer within {self.settings.request_timeout:g} s"
            ) from None
        except openai.APIConnectionError as exc:
            raise _Retryable(f"connection error: {self._scrub(str(exc))}") from None
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise _Retryable(
                f"malformed response body (not a JSON object): {self._scrub(_short(text, 80))!r}"
            )
        return body

    def _status_failure(self, exc: Any) -> Exception:
        status = exc.status_code
        if status in RETRYABLE_STATUS:
            return _Retryable(f"HTTP {status}", retry_after_s(exc.response.headers))
        if status == 401:
            return ModelError(
                f"{self.name}: the API key was refused (HTTP 401); check the key "
                f"in {self.key_variable}"
            )
        detail = self._scrub(_short(_error_message(exc)))
        meaning = FATAL_STATUS.get(status, "server error" if status >= 500 else "refused")
        error = ModelUnavailable if status >= 500 else ModelError
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
