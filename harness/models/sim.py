"""The simulated family: a deterministic stand-in that plays the real text protocol.

It reads the conversation like a model would, decides its next step from what it already did
and what the sandbox answered, and writes a real action: exploration commands, a reproduction
test (the task's test_patch), then fix attempts. Whether an attempt is the gold patch, a
plausible wrong edit or a malformed diff is drawn from per-tier, per-task probabilities
(models/sim_params.py: the hand-set data/sim.toml, or a file calibrated from real runs),
seeded by (seed, task, tier, attempt, sample), so the same seed gives the same run. Tokens are
counted from the real messages, or shaped like the calibrated models' (models/sim_usage.py);
a per-model prefix cache prices them as a provider would: a model's first call in a task, e.g.
after an escalation, pays cache-miss prices.
"""

from __future__ import annotations

import hashlib
import random
from functools import cache

from unidiff.patch import PatchSet

from harness.diffs import patch_paths
from harness.models.base import Completion, Message
from harness.models.sim_params import (
    PARAMS_FILE,
    SimParams,
    TierSolve,
    load_params,
    whole_draw,
)
from harness.models.sim_usage import Ledger, PrefixCache, calibrated_usage, usage
from harness.models.tokens import count_tokens
from harness.tasks import Task
from harness.tiers import Tier

__all__ = ["PARAMS_FILE", "Ledger", "PrefixCache", "SimModel"]

SYNTHETIC_NOTE = "synthetic: simulated models, not real model behaviour"

# Each reply opens with a thought; the simulated model reads its own past thoughts to know
# where it is, as a real model reads its own history.
EXPLORE = "THOUGHT: Let me look at the code involved."
REPRODUCE = "THOUGHT: I will reproduce the issue with a test first."
ATTEMPT = "THOUGHT: I believe I found the cause;"
FIX = f"{ATTEMPT} here is a fix."
UNSURE = f"{ATTEMPT} but I need to think about this more."
REVERT = "THOUGHT: That fix did not work; I will undo it and think again."
INSPECT = "THOUGHT: Let me read the code again before the next attempt."
REVIEW = "THOUGHT: Let me review the change before submitting."
SUBMIT = "THOUGHT: The fix works and the tests pass; submitting."
GIVE_UP = "THOUGHT: I could not fix it; submitting what I have."


@cache
def default_params() -> SimParams:
    return load_params()


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
    """One tier of the simulated family, for one task. The tiers of a task share a ledger of
    who wrote which reply, which calibrated token shapes need."""

    def __init__(
        self,
        task: Task,
        tier: Tier,
        name: str,
        seed: int = 0,
        params: SimParams | None = None,
        ledger: Ledger | None = None,
    ):
        self.task = task
        self.tier = tier
        self.name = name
        self.seed = seed
        self.params = params or default_params()
        self.ledger = ledger or Ledger()
        self.cache = PrefixCache()
        self._samples: dict[str, int] = {}

    def complete(self, messages: list[Message]) -> Completion:
        prompt_key = hashlib.sha256(repr(messages).encode()).hexdigest()
        sample = self._samples.get(prompt_key, 0)
        self._samples[prompt_key] = sample + 1
        content = self._next_reply(messages, sample)
        jitter = _rng(self.seed, self.task.instance_id, self.tier, prompt_key, sample, "r")
        reasoning = int(self.params.reasoning[self.tier] * jitter.uniform(0.5, 1.5))
        if self.params.tokens is None:
            hit, miss = self.cache.usage_for(messages)
            visible = count_tokens(content)
        else:
            hit, miss, visible = calibrated_usage(
                messages, self.tier, self.params.tokens, self.cache, self.ledger, jitter
            )
        self.ledger.record(messages, content, self.tier)
        return Completion(content=content, usage=usage(hit, miss, visible, reasoning))

    # -- the policy of the simulated model -----------------------------------------------------

    def _next_reply(self, messages: list[Message], sample: int) -> str:
        # (reply, what came back) pairs of the conversation so far
        pairs = [
            (messages[i]["content"], messages[i + 1]["content"] if i + 1 < len(messages) else "")
            for i in range(2, len(messages), 2)
        ]
        mine = [reply for reply, _ in pairs]
        if not any(m.startswith(REPRODUCE) for m in mine):
            explored = sum(1 for m in mine if m.startswith(EXPLORE))
            if explored < self._explore_commands():
                return f"{EXPLORE}\n\n{_fence('bash', self._explore_command(explored))}"
            return f"{REPRODUCE}\n\n{_fence('diff', self.task.test_patch)}"
        tried = [i for i, m in enumerate(mine) if m.startswith(ATTEMPT)]
        if tried:
            observation = pairs[tried[-1]][1]
            headline = observation.splitlines()[0] if observation else ""
            since = len(mine) - 1 - tried[-1]
            if "passed" in headline:
                if since < self._gap("after", len(tried)):
                    return f"{REVIEW}\n\n{_fence('bash', 'git diff --stat')}"
                return f"{SUBMIT}\n\n{_fence('submit', '')}"
            files = " ".join(patch_paths(self.task.patch))
            red = "failed" in headline
            # a restored attempt is being re-run on this tier: no undo, no pause
            if "restored" not in observation:
                if since == 0 and red:
                    return f"{REVERT}\n\n{_fence('bash', f'git checkout -- {files}')}"
                if since < self._gap("red" if red else "between", len(tried)):
                    return f"{INSPECT}\n\n{_fence('bash', f'cat {files}')}"
        if len(tried) >= self._fix_attempts():
            return f"{GIVE_UP}\n\n{_fence('submit', '')}"
        return self._fix_attempt(len(tried) + 1, sample)

    def _uniform(self, *key: object) -> float:
        """A draw both tiers share, so that a cascade's tiers agree on the task's shape."""
        return _rng(self.seed, self.task.instance_id, *key).random()

    def _explore_commands(self) -> int | float:
        shape = getattr(self.params.behaviour, self.tier)
        if shape is None:
            return self.params.behaviour.explore_commands.get(self.task.difficulty or "medium", 2)
        return whole_draw(shape.explore_commands, self._uniform("explore"))

    def _fix_attempts(self) -> int | float:
        shape = getattr(self.params.behaviour, self.tier)
        if shape is None:
            return self.params.behaviour.max_fix_attempts
        return whole_draw(shape.fix_attempts, self._uniform("attempts"))

    def _gap(self, kind: str, attempts: int) -> int | float:
        """Commands between an attempt and what follows it: another attempt, or the submit
        after a fix. After a red edit they include its undo. Hand-set parameters have none
        (and undo a red edit all the same)."""
        shape = getattr(self.params.behaviour, self.tier)
        if shape is None:
            return 0
        mean = {
            "after": shape.commands_after_fix,
            "red": shape.commands_after_red,
            "between": shape.commands_between_attempts,
        }[kind]
        return whole_draw(mean, self._uniform(kind, attempts))

    def _explore_command(self, index: int) -> str:
        files = patch_paths(self.task.patch) + patch_paths(self.task.test_patch)
        if index == 0:
            return "git ls-files | head -100"
        return f"cat {files[(index - 1) % len(files)]}"

    def _solve_probability(self) -> float:
        solve = self.params.solve
        tier: TierSolve = getattr(solve, self.tier)
        base = tier.base(self.task.instance_id, self.task.difficulty)
        if not solve.task_spread:
            return base
        offset = _rng(self.seed, self.task.instance_id, "task").uniform(-1, 1)
        return float(min(1.0, max(0.0, base + offset * solve.task_spread)))

    def _draw(self, attempt: int, sample: int) -> float:
        """The number an attempt's solve probability is compared with. With coupling, one
        draw per (task, attempt, sample) is shared by both tiers: what flash solves, pro solves
        too, as with a bigger model of the same family, and comparisons are not swamped by
        sampling noise; without, each tier draws on its own."""
        coupling = self.params.solve.coupling
        if coupling < 1 and self._uniform(attempt, sample, "coupled") >= coupling:
            return self._uniform(self.tier, attempt, sample, "own")
        return self._uniform(attempt, sample)

    def _fix_attempt(self, attempt: int, sample: int) -> str:
        agreement = getattr(self.params.votes, self.tier)
        if sample and agreement and self._uniform(self.tier, attempt, sample, "agree") < agreement:
            sample = 0  # this sample of the turn repeats the first one
        if self._draw(attempt, sample) < self._solve_probability():
            return f"{FIX}\n\n{_fence('diff', self.task.patch)}"
        rng = _rng(self.seed, self.task.instance_id, self.tier, attempt, sample, "failure")
        failure = self.params.failure.mix(self.tier)
        kinds = ["wrong_edit", "malformed_diff", "no_action"]
        kind = rng.choices(kinds, weights=[getattr(failure, k) for k in kinds])[0]
        if kind == "wrong_edit" and (edit := wrong_edit(self.task.patch)):
            return f"{FIX}\n\n{_fence('diff', edit)}"
        if kind == "no_action":
            return UNSURE
        return f"{FIX}\n\n{_fence('diff', malformed_edit(self.task.patch))}"
