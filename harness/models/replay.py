"""Record and replay of model calls.

`--record DIR` keeps every request sent to the endpoint with the response body it got, or
the failure that ended the call (a refused key, a bad request, the retries running out), and
the retries and waits before either, one JSON file each; `--replay DIR` serves them back with
no network and no key, so a run can be repeated exactly (same rows apart from timestamps and
wall times) and offline, failures included.

A file is named by the sha256 of the canonical JSON of its request (model, messages,
parameters: the body that goes over the wire) and by how many identical requests the same
task sent before it: a self-consistency vote sends one request several times and must get its
several replies back in the same order.

Before hashing, numbers that differ from one run of the same commands to the next are masked in
the messages: durations ("3 passed in 0.02s") and memory addresses ("at 0x7f3a9c2d1e80"). A
replay re-runs the agent's commands in a fresh sandbox, and its test output must find the
recording made with slightly different timings. The file keeps the request as it was sent.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness import HarnessError
from harness.models.base import CallError, Completion, Message, ModelError, ModelUnavailable
from harness.models.wire import ModelOptions, build_request, parse_response
from harness.prompts import default_prompts


class ReplayMiss(ModelError):
    """A replayed run sent a request that the recording does not hold."""


VOLATILE = [
    (re.compile(r"\b\d+(?:\.\d+)?(?:s|ms| ?seconds?)\b"), "<duration>"),
    (re.compile(r"\(\d+:\d{2}:\d{2}\)"), "(<duration>)"),  # pytest's "(0:01:02)"
    (re.compile(r"\b0x[0-9a-fA-F]{6,}\b"), "0x<address>"),
]


def canonical(request: dict[str, Any]) -> bytes:
    return json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def stable(request: dict[str, Any]) -> dict[str, Any]:
    """The request with run-to-run noise masked in its messages (see the module docstring)."""
    messages = [{**m, "content": _mask(m.get("content") or "")} for m in request["messages"]]
    return {**request, "messages": messages}


def _mask(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def request_hash(request: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(stable(request))).hexdigest()


def turn_of(messages: list[Message]) -> int:
    """The agent's turn index (0-based, as in trajectories) of a request: one assistant reply
    per finished turn. An escalation that shows pro the failed attempt adds that attempt and
    the restore note, which belong to the turn being re-run, not to a new one."""
    note = default_prompts().render("restored", observation="").strip()
    turn = sum(1 for m in messages if m.get("role") == "assistant")
    if (
        messages
        and messages[-1].get("role") == "user"
        and messages[-1].get("content", "").endswith(note)
    ):
        turn -= 1
    return turn


class Tape:
    """The recordings of one task in one folder, shared by the task's models: the n-th
    identical request of the task maps to the n-th file, whichever tier sent it."""

    def __init__(self, directory: Path, instance_id: str):
        self.directory = directory
        self.instance_id = instance_id
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _next(self, digest: str) -> Path:
        with self._lock:
            occurrence = self._seen[digest]
            self._seen[digest] += 1
        suffix = "" if occurrence == 0 else f"-{occurrence}"
        return self.directory / f"{digest}{suffix}.json"

    def save(
        self,
        request: dict[str, Any],
        response: dict[str, Any] | None,
        retries: int,
        retry_wait_s: float,
        error: CallError | None = None,
    ) -> None:
        """Keep a request with its response body, or with the failure that ended the call."""
        path = self._next(request_hash(request))
        record: dict[str, Any] = {
            "request": request,
            "response": response,
            "retries": retries,
            "retry_wait_s": retry_wait_s,
        }
        if error is not None:
            kind = "unavailable" if isinstance(error, ModelUnavailable) else "refused"
            record["error"] = {"kind": kind, "message": str(error)}
        text = json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Written whole or not at all: a crash must not leave a half file to replay.
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=self.directory, suffix=".tmp", delete=False
            ) as out:
                out.write(text)
            os.replace(out.name, path)
        except OSError as exc:
            raise HarnessError(f"cannot record to {self.directory}: {exc}") from None

    def load(self, request: dict[str, Any], turn: int) -> dict[str, Any]:
        digest = request_hash(request)
        path = self._next(digest)
        where = f"task {self.instance_id}, turn {turn}"
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ReplayMiss(
                f"replay: {where}: this request to {request['model']} was not "
                f"recorded (no {path.name} in {self.directory})"
            ) from None
        except (OSError, ValueError) as exc:
            raise ReplayMiss(f"replay: {where}: cannot read {path}: {exc}") from None
        if (
            not isinstance(stored, dict)
            or not isinstance(stored.get("request"), dict)
            or request_hash(stored["request"]) != digest
            or not any(isinstance(stored.get(part), dict) for part in ("response", "error"))
        ):
            raise ReplayMiss(f"replay: {where}: {path} does not hold this request")
        return stored


class ReplayModel:
    """Serves recorded responses in place of an endpoint: no network, no key."""

    def __init__(self, name: str, tape: Tape, options: ModelOptions | None = None):
        self.name = name
        self.options = options or ModelOptions()
        self.tape = tape

    def complete(self, messages: list[Message]) -> Completion:
        """The recorded reply, with the retries and waits it took; a recorded failure is
        raised again, as it was."""
        request = build_request(self.name, messages, self.options)
        stored = self.tape.load(request, turn_of(messages))
        retries, waited = int(stored.get("retries", 0)), float(stored.get("retry_wait_s", 0.0))
        if error := stored.get("error"):
            kind = ModelUnavailable if error.get("kind") == "unavailable" else ModelError
            raise kind(str(error.get("message")), retries, waited)
        try:
            reply = parse_response(self.name, request, stored["response"])
        except CallError as failed:
            failed.retries, failed.retry_wait_s = retries, waited
            raise
        return replace(reply, retries=retries, retry_wait_s=waited)
