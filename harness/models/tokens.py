"""Token estimates for text the harness sends: the simulated family's usage and the context
budget of a call. One token per four bytes of UTF-8 is a common rule of thumb for code and
English with BPE tokenizers (tokenizer files cannot be downloaded here)."""

from __future__ import annotations

import math

from harness.models.base import Message

MESSAGE_OVERHEAD_TOKENS = 4  # role and separators of one chat message


def count_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / 4)


def message_tokens(message: Message) -> int:
    return MESSAGE_OVERHEAD_TOKENS + count_tokens(message.get("content") or "")


def prompt_tokens(messages: list[Message]) -> int:
    return sum(map(message_tokens, messages))
