"""Printing a trajectory turn by turn, escalations marked, for `python -m harness show`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from harness import HarnessError
from harness.files import first_problem, path_inside
from harness.reporting.tables import money
from harness.results import ModelCall, ResultRow, Trajectory, iter_rows

OBSERVATION_LINES = 12
REASONING_LINES = 8


@dataclass(frozen=True)
class Found:
    """One row of the task, its attempt number, and its trajectory or why there is none."""

    row: ResultRow
    attempt: int
    attempts: int
    trajectory: Trajectory | None
    missing: str = ""


def find_trajectories(results: Path, instance_id: str) -> list[Found]:
    """Every row of `instance_id` in a results file (each attempt, in order), with its
    trajectory when it was kept. A missing trajectory file is not an error: the committed
    baselines, for one, ship without them, and the row alone still says a lot. An unreadable
    or invalid one is."""
    rows = [r for r in iter_rows(results, ResultRow) if r.instance_id == instance_id]
    if not rows:
        raise HarnessError(f"{results}: no row for instance {instance_id!r}")
    totals = Counter(r.key for r in rows)
    seen: Counter[tuple[str, str, int]] = Counter()
    found = []
    for row in rows:
        seen[row.key] += 1
        trajectory, missing = _trajectory(results, row)
        found.append(Found(row, seen[row.key], totals[row.key], trajectory, missing))
    return found


def _trajectory(results: Path, row: ResultRow) -> tuple[Trajectory | None, str]:
    if not row.trajectory:
        return None, "the row names no trajectory file"
    path = path_inside(results.parent, row.trajectory, "trajectory")
    try:
        return Trajectory.from_json(path.read_bytes()), ""
    except FileNotFoundError:
        return None, f"its trajectory file {path} was not kept with the results"
    except OSError as exc:
        raise HarnessError(f"cannot read trajectory {path}: {exc.strerror}") from None
    except ValidationError as exc:
        raise HarnessError(f"trajectory {path} is not valid: {first_problem(exc)}") from None


def _clip(text: str, lines: int = OBSERVATION_LINES, indent: str = "    ") -> str:
    kept = text.rstrip("\n").splitlines()
    more = len(kept) - lines
    body = "\n".join(indent + line for line in kept[:lines])
    return body + (f"\n{indent}[... {more} more lines]" if more > 0 else "")


def _action_text(reply: str) -> str:
    """The reply without its thought line, which the call list already explains."""
    return reply.split("\n", 2)[-1] if reply.startswith("THOUGHT:") else reply


def header(row: ResultRow, attempt: int = 1, attempts: int = 1) -> str:
    inexact = sum(row.inexact_calls.values())
    text = (
        f"{row.instance_id}  policy {row.policy}  seed {row.seed}  status {row.status}  "
        f"turns {row.turns}  escalations {row.escalations}  "
        f"cost {money(row.cost_usd, bool(inexact))}  exit {row.exit_reason or '-'}"
    )
    if inexact:
        text += f"  ({inexact} call(s) of estimated usage)"
    if attempts > 1:
        text += f"  attempt {attempt} of {attempts}" + (
            "" if attempt == attempts else " (replaced)"
        )
    return text + ("  [synthetic]" if row.synthetic else "")


def format_found(found: Found) -> str:
    if found.trajectory is None:
        return format_row(found.row, found.missing, found.attempt, found.attempts)
    return format_trajectory(found.row, found.trajectory, found.attempt, found.attempts)


def format_row(row: ResultRow, missing: str, attempt: int = 1, attempts: int = 1) -> str:
    """What the row alone says, when the turns cannot be shown."""
    lines = [header(row, attempt, attempts), f"(no turns to show: {missing}; from the row:)"]
    if row.status_reason:
        lines.append(f"reason: {row.status_reason}")
    for name in ("FAIL_TO_PASS", "PASS_TO_PASS"):
        split = getattr(row, name)
        lines.append(f"{name}: {len(split.success)} passed, {len(split.failure)} failed")
        lines += [f"  failed: {test}" for test in split.failure]
    for tier, usage in row.tokens.items():
        calls = f"{row.calls[tier]} calls, " if tier in row.calls else ""
        lines.append(
            f"{tier:<5} {row.settings.models.get(tier, '')}  {calls}hit {usage.cache_hit} "
            f"miss {usage.cache_miss} out {usage.output}  {money(row.cost_by_tier.get(tier))}"
        )
    lines.append("patch:" if row.model_patch else "patch: (empty)")
    if row.model_patch:
        lines.append(_clip(row.model_patch, 200))
    return "\n".join(lines)


def call_lines(call: ModelCall) -> list[str]:
    """A call: tier, model, why, tokens and cost (marked when not as reported, and why), and
    the reasoning its reply carried."""
    usage = call.usage
    lines = [
        f"  call {call.tier:<5} {call.model}  reason {call.reason}  "
        f"hit {usage.cache_hit} miss {usage.cache_miss} "
        f"out {usage.output}  {money(call.cost_usd, not call.exact)}"
    ]
    if not call.exact:
        lines.append(f"    usage {call.usage_source}: {call.usage_note}")
    if call.error:
        lines.append(f"    failed: {call.error}")
    if call.reasoning_content:
        lines += ["    reasoning:", _clip(call.reasoning_content, REASONING_LINES, "      ")]
    return lines


def format_trajectory(
    row: ResultRow, trajectory: Trajectory, attempt: int = 1, attempts: int = 1
) -> str:
    lines = [header(row, attempt, attempts)]
    for turn in trajectory.turns:
        mark = f"  ^ ESCALATED after {turn.escalated_from}" if turn.escalated_from else ""
        lines.append(
            f"\n--- turn {turn.index}  {turn.tier}  {turn.action}  -> {turn.outcome}{mark}"
        )
        for call in (c for c in trajectory.calls if c.turn == turn.index):
            lines += call_lines(call)
        if turn.failed_reply:
            lines.append("  default tier's failed attempt:")
            lines.append(_clip(_action_text(turn.failed_reply)))
            lines.append(_clip(turn.failed_observation or "", 4))
        lines.append(_clip(_action_text(turn.reply)))
        lines.append("  observation:")
        lines.append(_clip(turn.observation))
    verdict = trajectory.verdict
    if verdict is not None:
        lines.append(f"\nverdict: {verdict.status} {verdict.reason}".rstrip())
    return "\n".join(lines)
