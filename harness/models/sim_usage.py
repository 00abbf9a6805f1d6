"""Tokens of the simulated family: counted from the real messages (hand-set parameters), or
shaped like the calibrated models' (a prompt that starts at their base and grows by what each
tier's turns added, their output, their cache hits). Either way a per-model prefix cache
decides which part of a prompt was sent before, so escalation loses the cache as with a real
provider.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from harness.models.base import Message
from harness.models.sim_params import TierTokens
from harness.models.tokens import message_tokens
from harness.pricing import Usage
from harness.tiers import Tier


def prefix_digests(messages: list[Message]) -> list[str]:
    """One digest per message: of the conversation up to and including it."""
    digest = hashlib.sha256()
    digests = []
    for message in messages:
        digest.update(f"{message['role']}\0{message.get('content') or ''}\0".encode())
        digests.append(digest.hexdigest())
    return digests


@dataclass
class PrefixCache:
    """A provider's prompt cache for one model: a hit is the longest message prefix shared with
    an earlier prompt to the same model."""

    _seen: set[str] = field(default_factory=set)

    def usage_for(self, messages: list[Message]) -> tuple[int, int]:
        """(hit, miss) prompt tokens, counted from the messages."""
        sizes = [message_tokens(m) for m in messages]
        hit = int(self.seen_prefix(messages, sizes))
        return hit, sum(sizes) - hit

    def seen_prefix(self, messages: list[Message], sizes: list[int] | list[float]) -> float:
        """Tokens of the longest message prefix sent before (`sizes` per message); then
        remember this prompt's prefixes."""
        hit = total = 0.0
        shared = True
        prefixes = prefix_digests(messages)
        for prefix, tokens in zip(prefixes, sizes):
            total += tokens
            shared = shared and prefix in self._seen
            if shared:
                hit = total
        self._seen.update(prefixes)
        return hit


@dataclass
class Ledger:
    """Which tier wrote each reply of one task's conversation, shared by the task's simulated
    tiers: a turn grows the prompt by what its own tier writes and reads back."""

    _writers: dict[str, Tier] = field(default_factory=dict)

    def record(self, messages: list[Message], reply: str, tier: Tier) -> None:
        key = prefix_digests([*messages, {"role": "assistant", "content": reply}])[-1]
        self._writers[key] = tier

    def sizes(
        self, messages: list[Message], tokens: dict[Tier, TierTokens], tier: Tier
    ) -> list[float]:
        """Calibrated tokens per message: the base on the first, each reply the growth of the
        tier that wrote it, nothing on the rest (a reply's growth includes its observation)."""
        sizes = [0.0] * len(messages)
        if sizes:
            sizes[0] = tokens[tier].prompt_base
        for index, (message, prefix) in enumerate(zip(messages, prefix_digests(messages))):
            if index >= 2 and message["role"] == "assistant":
                sizes[index] = tokens[self._writers.get(prefix, tier)].prompt_growth
        return sizes


def calibrated_usage(
    messages: list[Message],
    tier: Tier,
    tokens: dict[Tier, TierTokens],
    cache: PrefixCache,
    ledger: Ledger,
    jitter: random.Random,
) -> tuple[int, int, int]:
    """(cache hit, cache miss, visible output) tokens of one call, shaped like the calibrated
    models' calls: a tier's first call in a task hits only what providers keep across tasks
    (the cold hit), later ones a share of the prefix this tier was sent before."""
    shape = tokens[tier]
    sizes = ledger.sizes(messages, tokens, tier)
    prompt = round(sum(sizes))
    seen = cache.seen_prefix(messages, sizes)
    hit = shape.cache_hit_ratio * seen if seen > 0 else shape.cold_cache_hit
    hit_tokens = min(prompt, round(hit))
    visible = round(shape.output * jitter.uniform(0.5, 1.5))
    return hit_tokens, prompt - hit_tokens, visible


def usage(hit: int, miss: int, visible: int, reasoning: int) -> Usage:
    return Usage(cache_hit=hit, cache_miss=miss, output=visible + reasoning, reasoning=reasoning)
