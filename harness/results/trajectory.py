"""The trajectory: everything one task's run saw and paid for, written beside the results file.

The agent builds it turn by turn; the runner adds who ran it and the verdict, then writes it
whole. `show` and the HTML report read it back through the same class.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.pricing import INEXACT, Inexact, Usage, UsageSource
from harness.results.row import Record, ResultRow, RunIdentity, Verdict
from harness.tiers import Outcome, Tier

TRAJECTORY_VERSION: Literal[2] = 2  # version 1 lacks `escalations` and calls' `error`

ActionKind = Literal["command", "edit", "submit", "none"]
# Why the agent stopped; empty while it runs; "error" when the task failed before it stopped.
ExitReason = Literal[
    "", "submitted", "step_limit", "cost_limit", "time_limit", "context_limit", "error"
]


class ModelCall(Record):
    turn: int = Field(description="Index of the turn the call belongs to, from 0.")
    tier: Tier
    model: str
    reason: str = Field(
        description="Why this tier ran: 'default', 'sticky', 'vote', or the "
        "outcome that escalated the turn."
    )
    usage: Usage
    cost_usd: float
    latency_s: float = 0.0
    retries: int = 0
    retry_wait_s: float = 0.0
    error: str = Field(
        "",
        description="Why the call failed for good; its usage is what an answer without a reply "
        "was billed for, or none.",
    )
    usage_source: UsageSource = Field(
        "reported",
        description="How the usage is known: 'reported' by the provider; 'adjusted' (the "
        "provider's counts did not add up, read the way that bills the most); 'estimated' from "
        "the request and reply text (no usable counts); 'unknown' (no reply was read: estimated "
        "from the request alone).",
    )
    usage_note: str = Field("", description="Why the usage is not as reported, when it is not.")
    reasoning_content: str = Field(
        "", description="The reasoning the reply carried (reasoning_content), as it came."
    )
    response_id: str = Field(
        "", description="The provider's id of the response, to reconcile with its bill."
    )

    @property
    def exact(self) -> bool:
        return self.usage_source == "reported"


class CheckedTests(Record):
    """How the edit check classed the failing tests of a red edit: what counted and what did
    not."""

    newly_failing: list[str] = Field(
        default_factory=list, description="Passed at the base commit, fail now: counted."
    )
    no_result: list[str] = Field(
        default_factory=list,
        description="Passed at the base commit, no result now (e.g. their file no longer "
        "loads): counted.",
    )
    own: list[str] = Field(
        default_factory=list,
        description="Written or changed by the agent, failing after a code edit: counted.",
    )
    pre_existing: list[str] = Field(
        default_factory=list, description="Failed at the base commit too: never counted."
    )
    no_base_result: list[str] = Field(
        default_factory=list,
        description="Fail now, had no result at the base commit and are not the agent's: "
        "not counted.",
    )


class Turn(Record):
    index: int
    tier: Tier
    reason: str
    action: ActionKind
    outcome: Outcome
    observation: str
    reply: str = ""
    escalated_from: Outcome | None = Field(
        None, description="The outcome on the default tier that caused a re-run."
    )
    failed_reply: str | None = Field(
        None, description="What the default tier answered before the re-run."
    )
    failed_observation: str | None = None
    checked_tests: CheckedTests | None = Field(
        None, description="Why the edit check called this turn's edit red, test by test."
    )
    failed_checked_tests: CheckedTests | None = Field(
        None, description="The same for the default tier's edit, when it was red and re-run."
    )


class LostAttempt(Record):
    """An attempt at the task that died with its node or worker (a Ray run) and was run again.
    Its calls are those reported before it died: the spend known, perhaps not all of it."""

    node: str = Field("", description="The Ray node it ran on; empty when it never started.")
    reason: str
    calls: list[ModelCall] = Field(default_factory=list)
    attempt_id: str = Field("", description="Its id in the spend journal.")

    @property
    def cost_usd(self) -> float:
        return sum(call.cost_usd for call in self.calls)


class Trajectory(Record):
    instance_id: str
    messages: list[dict[str, str]] = Field(default_factory=list)
    calls: list[ModelCall] = Field(default_factory=list)
    turns: list[Turn] = Field(default_factory=list)
    exit_reason: ExitReason = ""
    escalations: int = Field(
        0,
        description="Turns the policy escalated, counted when it decides to, so that an "
        "escalation whose call failed still counts.",
    )
    patch: str = ""
    warnings: list[str] = Field(
        default_factory=list, description="What a reader should know about how the task ran."
    )
    # Filled in by the runner once the task is over.
    policy: str = ""
    seed: int = 0
    run_id: str = ""
    synthetic: bool = False
    verdict: Verdict | None = None
    node: str = Field("", description="The Ray node that ran the task; empty in a local run.")
    lost_attempts: list[LostAttempt] = Field(default_factory=list)
    schema_version: Literal[1, 2] = TRAJECTORY_VERSION

    @property
    def cost_usd(self) -> float:
        return sum(call.cost_usd for call in self.calls)

    def tokens_by_tier(self) -> dict[Tier, Usage]:
        totals: dict[Tier, Usage] = {}
        for call in self.calls:
            totals[call.tier] = totals.get(call.tier, Usage()) + call.usage
        return dict(sorted(totals.items()))

    def cost_by_tier(self) -> dict[Tier, float]:
        totals: dict[Tier, float] = {}
        for call in self.calls:
            totals[call.tier] = totals.get(call.tier, 0.0) + call.cost_usd
        return dict(sorted(totals.items()))

    def inexact_calls(self) -> dict[Inexact, int]:
        """Calls paid for, lost attempts' included, whose usage is not as the provider
        reported it, by how it is known (kinds with none left out)."""
        paid = [*self.calls, *(call for lost in self.lost_attempts for call in lost.calls)]
        found = {kind: sum(call.usage_source == kind for call in paid) for kind in INEXACT}
        return {kind: count for kind, count in found.items() if count}

    def calls_by_tier(self) -> dict[Tier, int]:
        totals: dict[Tier, int] = {}
        for call in self.calls:
            totals[call.tier] = totals.get(call.tier, 0) + 1
        return dict(sorted(totals.items()))

    @classmethod
    def from_json(cls, text: str | bytes) -> Trajectory:
        return cls.model_validate_json(text)

    def to_row(
        self,
        identity: RunIdentity,
        wall_time_s: float,
        started_at: str,
        path: str,
        task_hash: str = "",
        attempt_id: str = "",
    ) -> ResultRow:
        """The result row that sums this trajectory up; `path` is where it was written,
        relative to the results file's folder."""
        verdict = self.verdict or Verdict(status="error", reason="the task was not graded")
        return ResultRow(
            instance_id=self.instance_id,
            model_patch=self.patch,
            status=verdict.status,
            status_reason=verdict.reason,
            suspicious=verdict.suspicious,
            FAIL_TO_PASS=verdict.FAIL_TO_PASS,
            PASS_TO_PASS=verdict.PASS_TO_PASS,
            turns=len(self.turns),
            escalations=self.escalations,
            exit_reason=self.exit_reason,
            retries=sum(call.retries for call in self.calls),
            retry_wait_s=round(sum(call.retry_wait_s for call in self.calls), 3),
            tokens=self.tokens_by_tier(),
            cost_usd=self.cost_usd,
            cost_by_tier=self.cost_by_tier(),
            calls=self.calls_by_tier(),
            lost_attempts=len(self.lost_attempts),
            lost_cost_usd=sum(lost.cost_usd for lost in self.lost_attempts),
            inexact_calls=self.inexact_calls(),
            attempt_id=attempt_id,
            wall_time_s=round(wall_time_s, 3),
            started_at=started_at,
            trajectory=path,
            task_hash=task_hash,
            **identity.model_dump(),
        )
