"""Record and replay of model calls.

`--record DIR` keeps every request sent to the endpoint with the response body it got, one
JSON file each; `--replay DIR` serves them back with no network and no key, so a run can be
repeated exactly (same rows apart from timestamps and wall times) and offline.

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
from pathlib import Path
from typing import Any

from harness import HarnessError
from harness.models.base import Completion, Message, ModelError
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

    def save(self, request: dict[str, Any], response: dict[str, Any]) -> None:
        path = self._next(request_hash(request))
        text = json.dumps(
            {"request": request, "response": response}, ensure_ascii=False, indent=1, sort_keys=True
        )
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
            or not isinstance(stored.get("response"), dict)
        ):
            raise ReplayMiss(f"replay: {where}: {path} does not hold this request")
        response: dict[str, Any] = stored["response"]
        return response


class ReplayModel:
    """Serves recorded responses in place of an endpoint: no network, no key."""

    def __init__(self, name: str, tape: Tape, options: ModelOptions | None = None):
        self.name = name
        self.options = options or ModelOptions()
        self.tape = tape

    def complete(self, messages: list[Message]) -> Completion:
        request = build_request(self.name, messages, self.options)
        return parse_response(self.name, self.tape.load(request, turn_of(messages)))
