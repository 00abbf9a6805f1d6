"""Routing rules: which model tier runs a turn, and whether a failed turn is re-run higher up.

Both decisions are pure functions of the turn history, so they can be tested on recorded
histories without a model or a sandbox.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator, model_validator

from harness import HarnessError
from harness.files import TomlTable, load_toml
from harness.tiers import TIERS, Outcome, Tier

Context = Literal["same", "with_failure"]
CONTEXTS: tuple[Context, ...] = get_args(Context)


@dataclass(frozen=True)
class Policy:
    name: str
    default: Tier = "flash"
    escalate_to: Tier | None = None
    escalate_on: frozenset[Outcome] = frozenset()
    vote_samples: int = 0
    max_escalations: int = 20
    escalation_context: Context = "same"
    sticky_turns: int = 0

    @property
    def rules_hash(self) -> str:
        """Names the rules, not the name: two policies that route alike hash alike."""
        rules = asdict(self)
        rules.pop("name")
        rules["escalate_on"] = sorted(self.escalate_on)
        return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:12]

    @property
    def tiers(self) -> tuple[Tier, ...]:
        return tuple(t for t in TIERS if t in (self.default, self.escalate_to))


BUILTIN = {
    "pro": Policy("pro", default="pro"),
    "flash": Policy("flash", default="flash"),
    "cascade": Policy(
        "cascade",
        default="flash",
        escalate_to="pro",
        escalate_on=frozenset({"patch_failed", "tests_red", "vote_split", "format_error"}),
        vote_samples=0,
        max_escalations=20,
        escalation_context="same",
    ),
}


@dataclass(frozen=True)
class TurnRecord:
    """What routing needs to know about a finished turn."""

    tier: Tier
    outcome: Outcome
    escalated: bool = False


@dataclass(frozen=True)
class Route:
    tier: Tier
    reason: str = "default"  # "default", "sticky", or the outcome that escalated the turn


def route_turn(policy: Policy, history: Sequence[TurnRecord]) -> Route:
    """The tier that runs the next turn."""
    if policy.escalate_to and policy.sticky_turns > 0:
        for back, turn in enumerate(reversed(history)):
            if back >= policy.sticky_turns:
                break
            if turn.escalated:
                return Route(policy.escalate_to, "sticky")
    return Route(policy.default, "default")


def escalation(
    policy: Policy, history: Sequence[TurnRecord], tier: Tier, outcome: Outcome
) -> Route | None:
    """Whether a turn that just ended with `outcome` on `tier` is re-run, and where.
    `history` holds the turns before it."""
    if not policy.escalate_to or tier == policy.escalate_to:
        return None
    if outcome not in policy.escalate_on:
        return None
    if sum(1 for turn in history if turn.escalated) >= policy.max_escalations:
        return None
    return Route(policy.escalate_to, outcome)


def vote_samples(policy: Policy, route: Route, is_edit: bool) -> int:
    """How many samples of a turn to vote on (self-consistency): the policy's number for an
    edit on its default tier, else none (0). Pro's edits, and commands, are taken as given."""
    if is_edit and policy.vote_samples > 1 and route.tier == policy.default:
        return policy.vote_samples
    return 0


class PolicyRules(TomlTable):
    """One [policies.NAME] table of a rules file."""

    default: Tier = "flash"
    escalate_to: Tier | None = None
    escalate_on: list[Outcome] = []
    vote_samples: Annotated[int, Field(ge=0)] = 0
    max_escalations: Annotated[int, Field(ge=0)] = 20
    escalation_context: Context = "same"
    sticky_turns: Annotated[int, Field(ge=0)] = 0

    @field_validator("escalate_on")
    @classmethod
    def _failing(cls, outcomes: list[Outcome]) -> list[Outcome]:
        if "ok" in outcomes:
            raise ValueError("'ok' is not a failing outcome")
        return outcomes

    @model_validator(mode="after")
    def _routable(self) -> PolicyRules:
        """Rules that would silently never do what they say."""
        if self.escalate_on and self.escalate_to is None:
            raise ValueError("escalate_on needs escalate_to: no turn can be re-run without it")
        if self.escalate_to is not None and self.escalate_to == self.default:
            raise ValueError("escalate_to is the default tier: there is nothing to escalate to")
        if "vote_split" in self.escalate_on and self.vote_samples < 2:
            raise ValueError("escalate_on lists vote_split, which needs vote_samples of 2 or more")
        return self


class RulesFile(TomlTable):
    policies: Annotated[dict[str, PolicyRules], Field(min_length=1)]


def load_rules(path: Path) -> dict[str, Policy]:
    """Policies from a TOML rules file, each checked key by key."""
    rules = load_toml(path, RulesFile, "rules file")
    return {
        name: Policy(
            name=name, **{**table.model_dump(), "escalate_on": frozenset(table.escalate_on)}
        )
        for name, table in rules.policies.items()
    }


def resolve_policy(name: str, rules: Path | None = None) -> Policy:
    policies = dict(BUILTIN)
    if rules is not None:
        policies.update(load_rules(rules))
    if name not in policies:
        raise HarnessError(
            f"unknown policy {name!r}; choose from {', '.join(sorted(policies))}"
            + ("" if rules else " or define it in a --rules file")
        )
    return policies[name]
