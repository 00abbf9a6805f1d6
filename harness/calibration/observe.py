"""What a calibration reads from real runs: each task's trajectory, its turns classified as the
simulator's own turn grammar sees them (exploration, fix attempts, the fix, the submit), and
every model go at a turn as a step with its tier and outcome.

A fix attempt is an edit that changes code (not only tests), or a reply with no action at all.
The fix is the attempt that resolved the task: the last edit whose check passed, in a resolved
trajectory. A step is conditioned when it re-runs a turn the default tier failed: such steps
are not fair draws of their tier's solve probability (the turn was hard enough to fail once),
so they inform only how the tiers' successes go together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from harness import HarnessError
from harness.agent.loop import parse_action
from harness.diffs import touches_only_tests
from harness.results import ModelCall, ResultRow, Trajectory, Turn, read_rows
from harness.tiers import Outcome, Tier

TurnKind = Literal["explore", "attempt", "fix", "submit"]


@dataclass(frozen=True)
class Step:
    """One model's go at a turn."""

    tier: Tier
    outcome: Outcome
    attempt: bool
    green_edit: bool  # a code edit whose check passed
    conditioned: bool = False
    vote: bool = False
    fix: bool = False

    @property
    def draw(self) -> bool:
        """A fair draw of its tier's solve probability: a fix attempt on a turn of the tier's
        own, not a re-run of a turn the other tier failed, nor a vote that split (which says
        how samples agree, not whether one is the fix)."""
        return self.attempt and not self.conditioned and self.outcome != "vote_split"


@dataclass(frozen=True)
class TurnSteps:
    index: int
    tier: Tier  # the tier whose reply the history kept
    kind: TurnKind
    steps: tuple[Step, ...]  # the failed default step first, when the turn was re-run
    vote_samples: int = 1

    @property
    def rerun(self) -> tuple[Step, Step] | None:
        """A fix attempt the default tier failed and the other tier attempted again: what
        tells how the tiers' draws go together (calibration/mixing.py)."""
        if len(self.steps) != 2:
            return None
        failed, again = self.steps
        if failed.attempt and failed.outcome != "vote_split" and again.attempt:
            return failed, again
        return None


@dataclass(frozen=True)
class Observed:
    """One real task run: its row and its trajectory, read as the fit needs them."""

    row: ResultRow
    turns: tuple[TurnSteps, ...]
    calls: tuple[ModelCall, ...]

    @property
    def run(self) -> str:
        return self.row.run_id

    @property
    def resolved(self) -> bool:
        return self.row.status == "resolved"


def has_reruns(observed: Sequence[Observed]) -> bool:
    return any(turn.rerun for run in observed for turn in run.turns)


def _step(
    tier: Tier, outcome: Outcome, reply: str, conditioned: bool = False, vote: bool = False
) -> Step:
    action = parse_action(reply)
    code_edit = action.kind == "edit" and not touches_only_tests(action.body)
    return Step(
        tier=tier,
        outcome=outcome,
        attempt=code_edit or action.kind == "none",
        green_edit=code_edit and outcome == "ok",
        conditioned=conditioned,
        vote=vote,
    )


def _turn_steps(turn: Turn, calls: Sequence[ModelCall]) -> TurnSteps:
    mine = [c for c in calls if c.turn == turn.index]
    default = mine[0].tier if mine else turn.tier
    votes = sum(1 for c in mine if c.reason == "vote")
    steps = []
    if turn.escalated_from is not None:
        steps.append(_step(default, turn.escalated_from, turn.failed_reply or "", vote=votes > 0))
    final = _step(
        turn.tier,
        turn.outcome,
        turn.reply,
        conditioned=turn.escalated_from is not None,
        vote=votes > 0 and turn.escalated_from is None,
    )
    steps.append(final)
    kind: TurnKind = (
        "submit" if turn.action == "submit" else "attempt" if final.attempt else "explore"
    )
    return TurnSteps(turn.index, turn.tier, kind, tuple(steps), 1 + votes)


def observe(row: ResultRow, trajectory: Trajectory) -> Observed:
    turns = [_turn_steps(turn, trajectory.calls) for turn in trajectory.turns]
    if row.status == "resolved":
        turns = _mark_fix(turns)
    return Observed(row, tuple(turns), tuple(trajectory.calls))


def _mark_fix(turns: list[TurnSteps]) -> list[TurnSteps]:
    """The fix: the last green code edit, or when the fix came some other way (say, a shell
    command), the last attempt."""
    candidates = [t for t in turns if t.steps[-1].green_edit] or [
        t for t in turns if t.steps[-1].attempt
    ]
    if not candidates:
        return turns
    chosen = candidates[-1]
    steps = (*chosen.steps[:-1], _with_fix(chosen.steps[-1]))
    fixed = TurnSteps(chosen.index, chosen.tier, "fix", steps, chosen.vote_samples)
    return [fixed if t is chosen else t for t in turns]


def _with_fix(step: Step) -> Step:
    return Step(
        step.tier, step.outcome, step.attempt, step.green_edit, step.conditioned, step.vote, True
    )


Warn = Callable[[str], None]


def read_observed(paths: Sequence[Path], warn: Warn) -> list[Observed]:
    """Every graded task run of real models in the files, with its trajectory. Error rows
    (infrastructure) say nothing about a model and are left out; synthetic rows are refused:
    a simulator fitted to its own output would learn nothing."""
    rows: list[tuple[Path, ResultRow]] = []
    for path in paths:
        file_rows = read_rows(path, warn)
        synthetic = [r for r in file_rows if r.synthetic]
        if synthetic:
            raise HarnessError(
                f"{path} holds {len(synthetic)} row(s) of simulated models; a calibration is "
                "fitted to runs of real models"
            )
        rows += [(path, r) for r in file_rows]
    by_key = {(r.run_id, *r.key): (path, r) for path, r in rows}
    if len(by_key) < len(rows):  # the same file given twice, say
        warn(f"warning: {len(rows) - len(by_key)} row(s) given twice; each is read once")
    kept = list(by_key.values())
    errors = sum(1 for _, r in kept if r.status == "error")
    if errors:
        warn(f"note: {errors} row(s) with status error left out: they say nothing about a model")
    return [observe(r, _trajectory(path, r)) for path, r in kept if r.status != "error"]


def _trajectory(path: Path, row: ResultRow) -> Trajectory:
    where = path.parent / row.trajectory
    if not row.trajectory:
        raise HarnessError(f"{path}: row {row.instance_id} names no trajectory file")
    try:
        return Trajectory.from_json(where.read_bytes())
    except OSError as exc:
        raise HarnessError(
            f"{path}: trajectory of {row.instance_id} unreadable: {where}: {exc.strerror}"
        ) from None
    except ValidationError:
        raise HarnessError(f"{path}: {where} is not a trajectory this harness reads") from None
