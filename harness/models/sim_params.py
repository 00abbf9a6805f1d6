"""The parameters of the simulated family: one format, one loader, for the hand-set file
(data/sim.toml) and for calibrated files that `sim fit` writes from real runs.

A calibrated file is the hand-set format plus optional tables: per-task solve probabilities
with the prior they were shrunk toward, per-tier failure mixes, turn structure and token
shapes, vote agreement, and a [calibration] table saying what it was fitted on. Every key
the hand-set file has keeps its meaning, so the simulator reads both the same way.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Annotated, Any

import tomli_w
from pydantic import Field, model_validator

from harness.files import TomlTable, load_toml
from harness.tiers import Tier

PARAMS_FILE = Path(__file__).parent.parent / "data" / "sim.toml"

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]


class TaskSolve(TomlTable):
    """One task's fitted solve probability, and the counts behind it (the posterior is
    Beta(alpha + successes, beta + attempts - successes))."""

    p: Probability
    successes: Count
    attempts: Count

    @property
    def failures(self) -> int:
        return self.attempts - self.successes


class TierSolve(TomlTable):
    """Probability that one fix attempt is the fix: by difficulty (hand-set), or per task with
    a tier mean for tasks without their own value (calibrated)."""

    easy: Probability | None = None
    medium: Probability | None = None
    hard: Probability | None = None
    mean: Probability | None = None
    prior_alpha: Annotated[float, Field(gt=0)] | None = None
    prior_beta: Annotated[float, Field(gt=0)] | None = None
    tasks: dict[str, TaskSolve] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> TierSolve:
        if self.mean is None and self.medium is None:
            raise ValueError("needs 'mean' or the difficulty keys (easy, medium, hard)")
        if (self.prior_alpha is None) != (self.prior_beta is None):
            raise ValueError("prior_alpha and prior_beta go together")
        return self

    def base(self, instance_id: str, difficulty: str) -> float:
        if instance_id in self.tasks:
            return self.tasks[instance_id].p
        by_difficulty = {"easy": self.easy, "medium": self.medium, "hard": self.hard}
        value = by_difficulty.get(difficulty or "medium")
        if value is None:
            value = self.mean if self.mean is not None else self.medium
        assert value is not None  # guaranteed by _complete
        return value


class Solve(TomlTable):
    task_spread: NonNegative = 0.0
    # Probability that both tiers compare one shared draw for the same attempt (what flash
    # solves, pro solves too); otherwise each tier draws on its own.
    coupling: Probability = 1.0
    flash: TierSolve
    pro: TierSolve


class FailureMix(TomlTable):
    """How a failed attempt looks, as relative weights."""

    wrong_edit: NonNegative  # applies, fixes nothing: the tests stay red
    malformed_diff: NonNegative  # does not apply
    no_action: NonNegative  # a reply with no action block

    @model_validator(mode="after")
    def _not_all_zero(self) -> FailureMix:
        if self.wrong_edit + self.malformed_diff + self.no_action <= 0:
            raise ValueError("the weights must not all be zero")
        return self


class Failure(FailureMix):
    flash: FailureMix | None = None
    pro: FailureMix | None = None

    def mix(self, tier: Tier) -> FailureMix:
        return getattr(self, tier) or self


class TierBehaviour(TomlTable):
    """A tier's turn structure, as means; a task draws the whole number below or above."""

    explore_commands: NonNegative  # commands before the reproduction test
    fix_attempts: Annotated[float, Field(ge=1)]  # attempts before giving up; inf: never
    commands_after_red: NonNegative  # after an edit that left the tests red, its undo included
    commands_between_attempts: NonNegative  # after any other failed attempt
    commands_after_fix: NonNegative  # between the fix and the submit


class Behaviour(TomlTable):
    max_fix_attempts: Annotated[int, Field(ge=1)] = 2
    explore_commands: dict[str, Count] = Field(
        default_factory=lambda: {"easy": 1, "medium": 2, "hard": 3}
    )
    flash: TierBehaviour | None = None
    pro: TierBehaviour | None = None


class Votes(TomlTable):
    """Probability that a further sample of the same turn repeats the first sample."""

    flash: Probability = 0.0
    pro: Probability = 0.0


class TierTokens(TomlTable):
    """A tier's token shapes: with them, usage comes from these numbers, not from counting
    the simulated model's own (short) messages."""

    prompt_base: NonNegative  # prompt tokens of a task's first call
    prompt_growth: NonNegative  # tokens a turn of this tier adds to the prompt
    output: NonNegative  # visible output tokens per call (reasoning is apart)
    cache_hit_ratio: Probability  # share of an already-sent prefix that hits the cache
    cold_cache_hit: NonNegative  # cache-hit tokens of a tier's first call in a task


class Calibration(TomlTable):
    """What a calibrated file was fitted on."""

    runs: Count
    rows: Count
    files: list[str] = Field(default_factory=list)
    models: dict[str, str] = Field(default_factory=dict)
    price_table: str = ""
    harness_version: str = ""
    measured: dict[str, dict[str, float]] = Field(default_factory=dict)


class SimParams(TomlTable):
    calibration: Calibration | None = None
    solve: Solve
    failure: Failure
    behaviour: Behaviour = Field(default_factory=Behaviour)
    reasoning: dict[Tier, NonNegative]
    votes: Votes = Field(default_factory=Votes)
    tokens: dict[Tier, TierTokens] | None = None

    @property
    def calibrated_from(self) -> int:
        """Real runs behind these parameters; 0 for hand-set ones."""
        return self.calibration.runs if self.calibration else 0

    @property
    def digest(self) -> str:
        """Names the parameters, not the file: comments and layout do not change it."""
        text = self.model_dump_json(exclude={"calibration"})
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def mismatches(self, models: dict[str, str], price_table: str) -> list[str]:
        """How a run differs from the runs these parameters were calibrated on, in what the
        simulator cannot make up for: the models its calls are priced as, and the prices."""
        if self.calibration is None:
            return []
        fitted = self.calibration.models
        notes = [
            f"the {tier} tier was calibrated on {fitted[tier]}, and this run prices it as {name}"
            for tier, name in sorted(models.items())
            if fitted.get(tier, name) != name
        ]
        table = self.calibration.price_table
        if table and table != price_table:
            notes.append(
                f"the calibration runs were priced with {table}, this run with {price_table}"
            )
        return notes

    def to_toml(self, header: str = "") -> str:
        """The parameters as a file `load_params` reads back, after a comment header."""
        comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
        return comment + ("\n" if comment else "") + tomli_w.dumps(self.to_data())

    def to_data(self) -> dict[str, Any]:
        """The TOML tables of these parameters (None values left out)."""
        data: dict[str, Any] = _without_none(self.model_dump(mode="python"))
        return data


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None and v != {}}
    return value


def load_params(path: Path = PARAMS_FILE) -> SimParams:
    """Hand-set or calibrated parameters, checked key by key."""
    return load_toml(path, SimParams, "simulator parameters")


def whole_draw(mean: float, uniform: float) -> int | float:
    """A whole number whose expectation is `mean`: the one below, or the one above with the
    probability of the fraction; inf stays inf."""
    if math.isinf(mean):
        return mean
    low = math.floor(mean)
    return low + (1 if uniform < mean - low else 0)
