"""The edit-test agent: one loop, one action per turn, routed and re-run by a policy.

Each turn the routed model answers with a thought and one fenced action: a shell command, an
edit as a unified diff (checked, applied, then the repo's check command runs), or submit. A turn
ends in one outcome (see policy.OUTCOMES); when the policy escalates, the sandbox goes back to
its state before the turn and the escalation model runs the same turn.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from harness.diffs import normalise, touches_only_tests
from harness.models import Message, Model
from harness.policy import Policy, Route, TurnRecord, escalation, route_turn
from harness.pricing import PriceTable, Usage, cost
from harness.sandbox import Sandbox
from harness.tasks import Task

PROMPTS = Path(__file__).parent / "prompts"
EDIT_FILE = "/tmp/harness-edit.patch"
ACTION_LANGS = {"bash": "command", "sh": "command", "shell": "command", "diff": "edit",
                "patch": "edit", "submit": "submit"}
FENCE = re.compile(r"^```([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
RESTORED_NOTE = ("That attempt failed, and the repository has been restored to its state "
                 "before it. Try this step again.")


@dataclass(frozen=True)
class Limits:
    max_steps: int = 40
    max_cost_usd: float = 2.0
    max_wall_s: float = 1800.0
    command_timeout_s: float = 120.0


@dataclass(frozen=True)
class Action:
    kind: str  # command | edit | submit | none
    body: str = ""
    error: str = ""


@dataclass
class ModelCall:
    turn: int
    tier: str
    model: str
    reason: str
    usage: Usage
    cost_usd: float
    latency_s: float
    retries: int
    retry_wait_s: float = 0.0


@dataclass
class Turn:
    index: int
    tier: str
    reason: str
    action: str
    outcome: str
    observation: str
    reply: str = ""
    escalated_from: str | None = None  # the outcome on the default tier that caused a re-run
    failed_reply: str | None = None  # what the default tier answered before the re-run
    failed_observation: str | None = None


@dataclass
class Trajectory:
    messages: list[Message]
    calls: list[ModelCall] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    exit_reason: str = ""
    patch: str = ""

    @property
    def cost_usd(self) -> float:
        return sum(call.cost_usd for call in self.calls)

    @property
    def escalations(self) -> int:
        return sum(1 for turn in self.turns if turn.escalated_from)

    def routing_history(self) -> list[TurnRecord]:
        return [TurnRecord(t.tier, t.outcome, bool(t.escalated_from)) for t in self.turns]


@dataclass(frozen=True)
class StepResult:
    reply: str
    action: Action
    outcome: str
    observation: str


def parse_action(reply: str) -> Action:
    """Exactly one fenced block of a known kind, or a format error saying what was wrong."""
    blocks = [(lang.lower(), body) for lang, body in FENCE.findall(reply)]
    actions = [(ACTION_LANGS[lang], body) for lang, body in blocks if lang in ACTION_LANGS]
    if len(actions) != 1:
        found = "no action block" if not actions else f"{len(actions)} action blocks"
        return Action("none", error=f"found {found}; reply with exactly one")
    kind, body = actions[0]
    if kind == "command" and not body.strip():
        return Action("none", error="the bash block is empty")
    return Action(kind, body)


def render(template: str, **values: object) -> str:
    return Template((PROMPTS / template).read_text(encoding="utf-8")).safe_substitute(values)


class Agent:
    def __init__(self, models: dict[str, Model], policy: Policy, prices: PriceTable,
                 limits: Limits = Limits()):
        self.models = models
        self.policy = policy
        self.prices = prices
        self.limits = limits
        # the trajectory in progress: when a call or the sandbox fails mid-task, the caller
        # still has the calls already paid for
        self.trajectory: Trajectory | None = None

    def solve(self, task: Task, sandbox: Sandbox) -> Trajectory:
        env = task.environment
        trajectory = self.trajectory = Trajectory(messages=[
            {"role": "system", "content": render("system.md", check_cmd=env.check_cmd,
                                                 command_timeout=self.limits.command_timeout_s)},
            {"role": "user", "content": render("instance.md", repo=task.repo,
                                               problem_statement=task.problem_statement)},
        ])
        started = time.monotonic()
        while not (reason := self._limit_reached(trajectory, started)):
            if self._turn(task, sandbox, trajectory).action.kind == "submit":
                reason = "submitted"
                break
        trajectory.exit_reason = reason
        trajectory.patch = sandbox.diff()
        return trajectory

    def _limit_reached(self, trajectory: Trajectory, started: float) -> str:
        if len(trajectory.turns) >= self.limits.max_steps:
            return "step_limit"
        if trajectory.cost_usd >= self.limits.max_cost_usd:
            return "cost_limit"
        if time.monotonic() - started >= self.limits.max_wall_s:
            return "time_limit"
        return ""

    def _turn(self, task: Task, sandbox: Sandbox, trajectory: Trajectory) -> StepResult:
        history = trajectory.routing_history()
        index = len(trajectory.turns)
        route = route_turn(self.policy, history)
        before = sandbox.snapshot() if self.policy.escalate_to else None
        step = self._step(task, sandbox, trajectory, trajectory.messages, route, index)
        escalated_from = failed = None
        if (up := escalation(self.policy, history, route.tier, step.outcome)) is not None:
            sandbox.restore(before)
            context = list(trajectory.messages)
            if self.policy.escalation_context == "with_failure":
                context += [{"role": "assistant", "content": step.reply},
                            {"role": "user", "content": f"{step.observation}\n\n{RESTORED_NOTE}"}]
            escalated_from, route, failed = step.outcome, up, step
            step = self._step(task, sandbox, trajectory, context, up, index)
        trajectory.messages += [{"role": "assistant", "content": step.reply},
                                {"role": "user", "content": step.observation}]
        trajectory.turns.append(Turn(
            index, route.tier, route.reason, step.action.kind, step.outcome, step.observation,
            step.reply, escalated_from, failed and failed.reply, failed and failed.observation))
        return step

    def _call(self, trajectory: Trajectory, messages: list[Message], route: Route, index: int,
              reason: str | None = None) -> str:
        model = self.models[route.tier]
        completion = model.complete(messages)
        trajectory.calls.append(ModelCall(
            turn=index, tier=route.tier, model=model.name, reason=reason or route.reason,
            usage=completion.usage, cost_usd=cost(completion.usage, self.prices.price(model.name)),
            latency_s=completion.latency_s, retries=completion.retries,
            retry_wait_s=completion.retry_wait_s))
        return completion.content

    def _step(self, task: Task, sandbox: Sandbox, trajectory: Trajectory,
              messages: list[Message], route: Route, index: int) -> StepResult:
        reply = self._call(trajectory, messages, route, index)
        action = parse_action(reply)
        if action.kind == "edit" and self.policy.vote_samples > 1 \
                and route.tier == self.policy.default:
            winner = self._vote(trajectory, messages, route, index, reply)
            if winner is None:
                return StepResult(reply, action, "vote_split",
                                  "Your samples disagreed on the edit; it was not applied.")
            reply, action = winner, parse_action(winner)
        outcome, observation = self._execute(task, sandbox, action)
        return StepResult(reply, action, outcome, observation)

    def _vote(self, trajectory: Trajectory, messages: list[Message], route: Route, index: int,
              first: str) -> str | None:
        """Self-consistency: more samples of the same turn; the reply whose diff has a strict
        majority wins, and it is the one the history keeps."""
        replies = [first] + [self._call(trajectory, messages, route, index, "vote")
                             for _ in range(self.policy.vote_samples - 1)]
        keys = [normalise(a.body) if (a := parse_action(r)).kind == "edit" else None
                for r in replies]
        key, votes = Counter(keys).most_common(1)[0]
        if key is None or votes * 2 <= len(replies):
            return None
        return replies[keys.index(key)]

    def _execute(self, task: Task, sandbox: Sandbox, action: Action) -> tuple[str, str]:
        timeout = self.limits.command_timeout_s
        if action.kind == "none":
            return "format_error", (f"Format error: {action.error}. Answer with one THOUGHT "
                                    "line and exactly one ```bash, ```diff or ```submit block.")
        if action.kind == "submit":
            return "ok", "Submitted."
        if action.kind == "command":
            result = sandbox.run(action.body, timeout)
            outcome = "ok" if result.exit_code == 0 else "command_failed"
            return outcome, f"Exit code {result.exit_code}.\n{result.output}"
        return self._apply_edit(task, sandbox, action.body)

    def _apply_edit(self, task: Task, sandbox: Sandbox, diff: str) -> tuple[str, str]:
        if normalise(diff) in (None, ()):
            return "patch_failed", "The edit could not be applied: it is not a unified diff."
        sandbox.write_file(EDIT_FILE, diff if diff.endswith("\n") else diff + "\n")
        applied = sandbox.run(f"git apply --whitespace=nowarn {EDIT_FILE}", 60)
        if applied.exit_code != 0:
            return "patch_failed", f"The edit could not be applied:\n{applied.output.strip()}"
        check = sandbox.run(task.environment.check_cmd, self.limits.command_timeout_s)
        if check.exit_code == 0:
            return "ok", f"Edit applied; the check command passed.\n{check.output}"
        # A new test that fails is what a reproduction step wants; only a red check after a
        # change to the code counts against the turn.
        outcome = "ok" if touches_only_tests(diff) else "tests_red"
        return outcome, (f"Edit applied; the check command failed (exit {check.exit_code})."
                         f"\n{check.output}")
