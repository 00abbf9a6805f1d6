"""Routing rules: which model tier runs a turn, and whether a failed turn is re-run higher up.

Both decisions are pure functions of the turn history, so they can be tested on recorded
histories without a model or a sandbox.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from harness import HarnessError

Tier = Literal["flash", "pro"]
# How a turn ended; every one but "ok" may be listed in a policy's escalate_on.
Outcome = Literal[
    "ok",
    "format_error",
    "patch_failed",
    "tests_red",
    "command_failed",
    "vote_split",
    "check_timeout",
]
Context = Literal["same", "with_failure"]
TIERS: tuple[Tier, ...] = get_args(Tier)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
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


RULE_KEYS: dict[str, type] = {
    "default": str,
    "escalate_to": str,
    "escalate_on": list,
    "vote_samples": int,
    "max_escalations": int,
    "escalation_context": str,
    "sticky_turns": int,
}


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


def load_rules(path: Path) -> dict[str, Policy]:
    """Policies from a TOML rules file, each checked key by key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HarnessError(f"cannot read rules file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise HarnessError(f"rules file {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise HarnessError(f"rules file {path}: {exc}") from None
    tables = data.get("policies")
    if not isinstance(tables, dict) or not tables:
        raise HarnessError(f"rules file {path}: no [policies.NAME] table")
    return {name: _policy_from_table(name, table, path) for name, table in tables.items()}


def _policy_from_table(name: str, table: Any, path: Path) -> Policy:
    where = f"rules file {path}: policies.{name}"
    if not isinstance(table, dict):
        raise HarnessError(f"{where}: must be a table")
    spec = RULE_KEYS
    for key, value in table.items():
        if key not in spec:
            raise HarnessError(f"{where}: unknown key {key!r} (known: {', '.join(spec)})")
        if not isinstance(value, spec[key]) or isinstance(value, bool):
            raise HarnessError(f"{where}.{key}: must be of type {spec[key].__name__}")
    for key in ("default", "escalate_to"):
        if key in table and table[key] not in TIERS:
            raise HarnessError(f"{where}.{key}: {table[key]!r} is not a tier ({', '.join(TIERS)})")
    unknown = [o for o in table.get("escalate_on", []) if o not in OUTCOMES or o == "ok"]
    if unknown:
        raise HarnessError(
            f"{where}.escalate_on: {unknown[0]!r} is not a failing outcome "
            f"({', '.join(OUTCOMES[1:])})"
        )
    for key in ("vote_samples", "max_escalations", "sticky_turns"):
        if table.get(key, 0) < 0:
            raise HarnessError(f"{where}.{key}: must not be negative")
    if table.get("escalation_context", "same") not in CONTEXTS:
        raise HarnessError(f"{where}.escalation_context: must be one of {', '.join(CONTEXTS)}")
    return Policy(name=name, **{**table, "escalate_on": frozenset(table.get("escalate_on", []))})


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
