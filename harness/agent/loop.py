"""The edit-test agent: one loop, one action per turn, routed and re-run by a policy.

Each turn the routed model answers with a thought and one fenced action: a shell command, an
edit as a unified diff (applied, then checked: see edit_check.py), or submit. A turn ends in one
outcome (see tiers.Outcome); when the policy escalates, the sandbox goes back to its state
before the turn and the escalation model runs the same turn.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass

from harness.agent.baseline import BaselineCache
from harness.agent.calls import CallObserver, ask
from harness.agent.edit_check import ActionResult, EditCheck
from harness.agent.policy import Policy, Route, TurnRecord, escalation, route_turn, vote_samples
from harness.diffs import normalise
from harness.models import Message, Model
from harness.models.tokens import prompt_tokens
from harness.options import option, positive
from harness.pricing import PriceTable, Usage
from harness.prompts import Prompts, default_prompts
from harness.results import ModelCall, Trajectory, Turn
from harness.results.trajectory import ActionKind, CheckedTests, ExitReason
from harness.sandbox import DEFAULT_OUTPUT_LIMIT, Sandbox
from harness.tasks import Task
from harness.testsuite.suite import edit_check_suite
from harness.tiers import Outcome, Tier

ACTION_LANGS: dict[str, ActionKind] = {
    "bash": "command",
    "sh": "command",
    "shell": "command",
    "diff": "edit",
    "patch": "edit",
    "submit": "submit",
}
FENCE = re.compile(r"^```([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Limits:
    max_steps: int = option(40, "turns per task", check=positive)
    max_cost_usd: float = option(
        2.0, "dollars per task", flag="--max-cost", metavar="USD", check=positive
    )
    max_wall_s: float = option(
        1800.0,
        "wall time per task for the agent, in seconds",
        flag="--max-wall",
        metavar="SECONDS",
        check=positive,
    )
    command_timeout_s: float = option(
        120.0,
        "timeout of one agent command, in seconds",
        flag="--command-timeout",
        metavar="SECONDS",
        check=positive,
    )
    check_timeout_s: float = option(
        300.0,
        "time budget of the tests run after an edit; a check over it ends the turn as "
        "check_timeout",
        flag="--check-timeout",
        metavar="SECONDS",
        check=positive,
    )
    context_tokens: int = option(
        120_000,
        "prompt tokens one model call may carry (estimated); a call that would carry more "
        "ends the task with exit reason context_limit before it is sent",
        metavar="N",
        check=positive,
    )
    observation_bytes: int = option(
        DEFAULT_OUTPUT_LIMIT,
        "bytes of a command's output, or of a check's report, the model is shown (head and "
        "tail, the cut marked)",
        metavar="N",
        check=positive,
    )


class ContextFull(Exception):
    """The next call would not fit the model's context budget."""


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    body: str = ""
    error: str = ""


@dataclass(frozen=True)
class Step:
    """One model's go at a turn: its reply, the action in it, and how that went."""

    reply: str
    action: Action
    outcome: Outcome
    observation: str
    checked_tests: CheckedTests | None = None  # why a red edit was red, test by test


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


class Agent:
    """Routes each turn with the policy, runs it in the sandbox, and re-runs a failed turn on
    the escalation tier. One agent solves one task at a time: `solve` sets the sandbox, the
    edit check and the trajectory it works on."""

    def __init__(
        self,
        models: dict[Tier, Model],
        policy: Policy,
        prices: PriceTable,
        limits: Limits = Limits(),
        prompts: Prompts | None = None,
        observer: CallObserver | None = None,
    ):
        self.models = models
        self.policy = policy
        self.prices = prices
        self.limits = limits
        self.prompts = prompts or default_prompts()
        # told of every call as it is made and paid for: the spend journal, which outlives
        # this process
        self.observer = observer
        # the trajectory in progress: when a call or the sandbox fails mid-task, the caller
        # still has the calls already paid for
        self.trajectory: Trajectory | None = None

    def solve(
        self, task: Task, sandbox: Sandbox, baselines: BaselineCache | None = None
    ) -> Trajectory:
        """Work on the task until it submits or a limit is reached. `baselines` holds the
        statuses of the untouched repository's tests (see edit_check.py); shared across runs
        of the same environment, they are measured once."""
        render = self.prompts.render
        suite = edit_check_suite(task)
        system = render(
            "system", check_cmd=suite.described, command_timeout=self.limits.command_timeout_s
        )
        issue = render("instance", repo=task.repo, problem_statement=task.problem_statement)
        trajectory = self.trajectory = Trajectory(
            instance_id=task.instance_id,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": issue}],
            warnings=list(sandbox.warnings),
        )
        self.sandbox = sandbox
        self.edit_check = EditCheck(
            sandbox,
            suite,
            baselines or BaselineCache(task.instance_id),
            self.limits.check_timeout_s,
            self.prompts,
            self.limits.observation_bytes,
        )
        started = time.monotonic()
        try:
            while not (reason := self._limit_reached(trajectory, started)):
                if self._turn(trajectory).action.kind == "submit":
                    reason = "submitted"
                    break
        except ContextFull:
            reason = "context_limit"
        trajectory.exit_reason = reason
        trajectory.patch = sandbox.diff()
        return trajectory

    def _limit_reached(self, trajectory: Trajectory, started: float) -> ExitReason:
        if len(trajectory.turns) >= self.limits.max_steps:
            return "step_limit"
        if trajectory.cost_usd >= self.limits.max_cost_usd:
            return "cost_limit"
        if time.monotonic() - started >= self.limits.max_wall_s:
            return "time_limit"
        return ""

    def _turn(self, trajectory: Trajectory) -> Step:
        history = [TurnRecord(t.tier, t.outcome, bool(t.escalated_from)) for t in trajectory.turns]
        index = len(trajectory.turns)
        route = route_turn(self.policy, history)
        before = self.sandbox.snapshot() if self.policy.escalate_to else None
        step = self._step(trajectory.messages, route, index)
        failed = None
        if (up := escalation(self.policy, history, route.tier, step.outcome)) is not None:
            assert before is not None
            trajectory.escalations += 1  # now: a re-run that fails still was an escalation
            self.sandbox.restore(before)
            context = list(trajectory.messages)
            if self.policy.escalation_context == "with_failure":
                note = self.prompts.render("restored", observation=step.observation)
                context += [
                    {"role": "assistant", "content": step.reply},
                    {"role": "user", "content": note},
                ]
            route, failed = up, step
            step = self._step(context, up, index)
        trajectory.messages += [
            {"role": "assistant", "content": step.reply},
            {"role": "user", "content": step.observation},
        ]
        trajectory.turns.append(
            Turn(
                index=index,
                tier=route.tier,
                reason=route.reason,
                action=step.action.kind,
                outcome=step.outcome,
                observation=step.observation,
                reply=step.reply,
                escalated_from=failed.outcome if failed else None,
                failed_reply=failed.reply if failed else None,
                failed_observation=failed.observation if failed else None,
                checked_tests=step.checked_tests,
                failed_checked_tests=failed.checked_tests if failed else None,
            )
        )
        return step

    def _step(self, messages: list[Message], route: Route, index: int) -> Step:
        """One model's go at a turn: its reply (the winner of a vote, when the policy votes),
        then the action run."""
        reply = self._call(messages, route, index)
        action = parse_action(reply)
        if samples := vote_samples(self.policy, route, action.kind == "edit"):
            winner = self._vote(messages, route, index, reply, samples)
            if winner is None:
                return Step(reply, action, "vote_split", self.prompts.render("vote_split"))
            reply, action = winner, parse_action(winner)
        result = self._execute(action)
        return Step(reply, action, result.outcome, result.observation, result.tests)

    def _call(
        self, messages: list[Message], route: Route, index: int, reason: str | None = None
    ) -> str:
        assert self.trajectory is not None
        model = self.models[route.tier]
        if prompt_tokens(messages) > self.limits.context_tokens:
            raise ContextFull
        call = ModelCall(
            turn=index,
            tier=route.tier,
            model=model.name,
            reason=reason or route.reason,
            usage=Usage(),
            cost_usd=0.0,
        )
        price = self.prices.price(model.name)
        return ask(model, messages, call, price, self.trajectory.calls, self.observer).content

    def _vote(
        self, messages: list[Message], route: Route, index: int, first: str, samples: int
    ) -> str | None:
        """Self-consistency: more samples of the same turn; the reply whose diff has a strict
        majority wins, and it is the one the history keeps."""
        replies = [first] + [self._call(messages, route, index, "vote") for _ in range(samples - 1)]
        keys = [
            normalise(a.body) if (a := parse_action(r)).kind == "edit" else None for r in replies
        ]
        key, votes = Counter(keys).most_common(1)[0]
        if key is None or votes * 2 <= len(replies):
            return None
        return replies[keys.index(key)]

    def _execute(self, action: Action) -> ActionResult:
        """Run an action: its outcome and what the model sees (an edit's, with its check)."""
        render = self.prompts.render
        if action.kind == "none":
            return ActionResult("format_error", render("format_error", error=action.error))
        if action.kind == "submit":
            return ActionResult("ok", render("submitted"))
        if action.kind == "command":
            result = self.sandbox.run(action.body, self.limits.command_timeout_s)
            outcome: Outcome = "ok" if result.exit_code == 0 else "command_failed"
            observation = render("command", exit_code=result.exit_code, output=result.output)
            return ActionResult(outcome, observation)
        return self.edit_check.edit(action.body)
