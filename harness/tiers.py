"""The small types that flow through every part of the harness: which model tier runs a turn,
and how a turn ended."""

from __future__ import annotations

from typing import Literal, get_args

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
    "check_error",
]
TIERS: tuple[Tier, ...] = get_args(Tier)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
