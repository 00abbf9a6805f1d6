"""The simulated model family: a deterministic stand-in that plays the real text protocol.

It reads the conversation like a model would, decides its next step from what it already did
and what the sandbox answered, and writes a real action: exploration commands, a reproduction
test (the task's test_patch), then fix attempts. Whether an attempt is the gold patch, a
plausible wrong edit or a malformed diff is drawn from per-tier, per-task probabilities
(data/sim.toml), seeded by (seed, task, tier, attempt, sample), so the same seed gives the same
run. Tokens are counted from the real messages, and a per-model prefix cache prices them as a
provider would: a model's first call in a task, e.g. after an escalation, pays cache-miss prices.
"""

from __future__ import annotations

import hashlib
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unidiff.patch import PatchSet

from harness.diffs import patch_paths
from harness.models.base import Completion, Message
from harness.policy import Tier
from harness.pricing import Usage
from harness.tasks import Task
from harness.tokens import count_tokens, message_tokens

PARAMS_FILE = Path(__file__).parent.parent / "data" / "sim.toml"
SYNTHETIC_NOTE = "synthetic: simulated models, not real model behaviour"

# Each reply opens with a thought; the simulated model reads its own past thoughts to know
# where it is, as a real model reads its own history.
EXPLORE = "THOUGHT: Let me look at the code involved."
REPRODUCE = "THOUGHT: I will reproduce the issue with a test first."
ATTEMPT = "THOUGHT: I believe I found the cause;"
FIX = f"{ATTEMPT} here is a fix."
UNSURE = f"{ATTEMPT} but I need to think about this more."
REVERT = "THOUGHT: That fix did not work; I will undo it and think again."
SUBMIT = "THOUGHT: The fix works and the tests pass; submitting."
GIVE_UP = "THOUGHT: I could not fix it; submitting what I have."


def load_params(path: Path = PARAMS_FILE) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@dataclass
class PrefixCache:
    """A provider's prompt cache for one model: a hit is the longest message prefix shared with
    an earlier prompt to the same model."""

    _seen: set[str] = field(default_factory=set)

    def usage_for(self, messages: list[Message]) -> tuple[int, int]:
        """(hit, miss) prompt tokens for this prompt, then remember its prefixes."""
        digest = hashlib.sha256()
        hit = total = 0
        prefixes = []
        for message in messages:
            digest.update(f"{message['role']}\0{message.get('content') or ''}\0".encode())
            prefix = digest.hexdigest()
            tokens = message_tokens(message)
            total += tokens
            if prefix in self._seen and hit == total - tokens:
                hit = total
            prefixes.append(prefix)
        self._seen.update(prefixes)
        return hit, total - hit


def _rng(*key: object) -> random.Random:
    seed = hashlib.sha256("\0".join(map(str, key)).encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))


def _fence(lang: str, body: str) -> str:
    return f"```{lang}\n{body.rstrip(chr(10))}\n```"


def wrong_edit(gold: str) -> str | None:
    """A plausible edit that applies cleanly but fixes nothing: a comment where the gold patch
    makes its first change."""
    for patched in PatchSet(gold):
        if patched.is_added_file or not len(patched):
            continue
        hunk = patched[0]
        source = [line for line in hunk if line.is_context or line.is_removed]
        changed = next((i for i, line in enumerate(hunk) if line.is_added or line.is_removed), 0)
        position = sum(1 for line in list(hunk)[:changed] if line.is_context or line.is_removed)
        window = source[max(0, position - 3) : position + 3]
        if not window:
            continue
        at = position - max(0, position - 3)
        anchor = window[min(at, len(window) - 1)].value
        indent = anchor[: len(anchor) - len(anchor.lstrip())]
        body = [" " + line.value.rstrip("\n") for line in window]
        body.insert(at, f"+{indent}# Guard against the reported edge case.")
        start = window[0].source_line_no
        return (
            f"--- a/{patched.path}\n+++ b/{patched.path}\n"
            f"@@ -{start},{len(window)} +{start},{len(window) + 1} @@\n" + "\n".join(body) + "\n"
        )
    return None


def malformed_edit(gold: str) -> str:
    """The gold patch misremembered: its first context line is wrong, so it cannot apply."""
    lines = gold.splitlines(keepends=True)
    in_hunk = False
    for i, line in enumerate(lines):
        if line.startswith("@@"):
            in_hunk = True
        elif in_hunk and line.startswith(" ") and line.strip():
            lines[i] = line.rstrip("\n") + "  # as I remember it\n"
            return "".join(lines)
    return gold.replace("@@ -", "@@ -9999", 1)


class SimModel:
    """One tier of the simulated family, for one task."""

    def __init__(
        self, task: Task, tier: Tier, name: str, seed: int = 0, params: dict[str, Any] | None = None
    ):
        self.task = task
        self.tier = tier
        self.name = name
        self.seed = seed
        self.params = params or load_params()
        self.cache = PrefixCache()
        self._samples: dict[str, int] = {}

    def complete(self, messages: list[Message]) -> Completion:
        prompt_key = hashlib.sha256(repr(messages).encode()).hexdigest()
        sample = self._samples.get(prompt_key, 0)
        self._samples[prompt_key] = sample + 1
        content = self._next_reply(messages, sample)
        hit, miss = self.cache.usage_for(messages)
        jitter = _rng(self.seed, self.task.instance_id, self.tier, prompt_key, sample, "r")
        reasoning = int(self.params["reasoning"][self.tier] * jitter.uniform(0.5, 1.5))
        usage = Usage(
            cache_hit=hit,
            cache_miss=miss,
            output=count_tokens(content) + reasoning,
            reasoning=reasoning,
        )
        return Completion(content=content, usage=usage)

    # -- the policy of the simulated model -----------------------------------------------------

    def _next_reply(self, messages: list[Message], sample: int) -> str:
        mine = [m["content"] for m in messages if m["role"] == "assistant"]
        last_observation = messages[-1]["content"] if len(mine) else ""
        explored = sum(1 for m in mine if m.startswith(EXPLORE))
        attempts = sum(1 for m in mine if m.startswith(ATTEMPT))
        behaviour = self.params["behaviour"]
        wanted = behaviour["explore_commands"].get(self.task.difficulty or "medium", 2)
        if explored < wanted and not any(m.startswith(REPRODUCE) for m in mine):
            return f"{EXPLORE}\n\n{_fence('bash', self._explore_command(explored))}"
        if not any(m.startswith(REPRODUCE) for m in mine):
            return f"{REPRODUCE}\n\n{_fence('diff', self.task.test_patch)}"
        last_was_fix = bool(mine) and mine[-1].startswith(ATTEMPT)
        if last_was_fix and "passed" in last_observation.splitlines()[0]:
            return f"{SUBMIT}\n\n{_fence('submit', '')}"
        if (
            last_was_fix
            and "failed" in last_observation.splitlines()[0]
            and "restored" not in last_observation
        ):
            files = " ".join(patch_paths(self.task.patch))
            return f"{REVERT}\n\n{_fence('bash', f'git checkout -- {files}')}"
        if attempts >= behaviour["max_fix_attempts"]:
            return f"{GIVE_UP}\n\n{_fence('submit', '')}"
        return self._fix_attempt(attempts + 1, sample)

    def _explore_command(self, index: int) -> str:
        files = patch_paths(self.task.patch) + patch_paths(self.task.test_patch)
        if index == 0:
            return "git ls-files | head -100"
        return f"cat {files[(index - 1) % len(files)]}"

    def _solve_probability(self) -> float:
        solve = self.params["solve"]
        base = solve[self.tier].get(self.task.difficulty or "medium", solve[self.tier]["medium"])
        offset = _rng(self.seed, self.task.instance_id, "task").uniform(-1, 1)
        return float(min(1.0, max(0.0, base + offset * solve["task_spread"])))

    def _fix_attempt(self, attempt: int, sample: int) -> str:
        # One draw per (task, attempt, sample) shared by both tiers: what flash solves, pro
        # solves too, as with a bigger model of the same family; tiers differ only in how
        # often they clear the bar, so comparisons are not swamped by sampling noise.
        draw = _rng(self.seed, self.task.instance_id, attempt, sample).random()
        if draw < self._solve_probability():
            return f"{FIX}\n\n{_fence('diff', self.task.patch)}"
        rng = _rng(self.seed, self.task.instance_id, self.tier, attempt, sample, "failure")
        failure = self.params["failure"]
        kinds = ["wrong_edit", "malformed_diff", "no_action"]
        kind = rng.choices(kinds, weights=[failure[k] for k in kinds])[0]
        if kind == "wrong_edit" and (edit := wrong_edit(self.task.patch)):
            return f"{FIX}\n\n{_fence('diff', edit)}"
        if kind == "no_action":
            return UNSURE
        return f"{FIX}\n\n{_fence('diff', malformed_edit(self.task.patch))}"
