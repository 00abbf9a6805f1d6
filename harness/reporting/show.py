"""Printing a trajectory turn by turn, escalations marked, for `python -m harness show`."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from harness import HarnessError
from harness.reporting.tables import money
from harness.results import ResultRow, Trajectory, read_rows
from harness.results.store import validation_summary

OBSERVATION_LINES = 12


def find_trajectories(results: Path, instance_id: str) -> list[tuple[ResultRow, Trajectory]]:
    """(row, trajectory) for every row of `instance_id` in a results file."""
    rows = [r for r in read_rows(results) if r.instance_id == instance_id]
    if not rows:
        raise HarnessError(f"{results}: no row for instance {instance_id!r}")
    found = []
    for row in rows:
        if not row.trajectory:
            raise HarnessError(f"{results}: the row of {instance_id} names no trajectory file")
        path = results.parent / row.trajectory
        try:
            found.append((row, Trajectory.from_json(path.read_bytes())))
        except OSError as exc:
            raise HarnessError(f"cannot read trajectory {path}: {exc.strerror}") from None
        except ValidationError as exc:
            raise HarnessError(
                f"trajectory {path} is not valid: {validation_summary(exc)}"
            ) from None
    return found


def _clip(text: str, lines: int = OBSERVATION_LINES) -> str:
    kept = text.rstrip("\n").splitlines()
    more = len(kept) - lines
    body = "\n".join("    " + line for line in kept[:lines])
    return body + (f"\n    [... {more} more lines]" if more > 0 else "")


def _action_text(reply: str) -> str:
    """The reply without its thought line, which the call list already explains."""
    return reply.split("\n", 2)[-1] if reply.startswith("THOUGHT:") else reply


def format_trajectory(row: ResultRow, trajectory: Trajectory) -> str:
    header = (
        f"{row.instance_id}  policy {row.policy}  seed {row.seed}  status {row.status}  "
        f"turns {row.turns}  escalations {row.escalations}  cost {money(row.cost_usd)}  "
        f"exit {trajectory.exit_reason or '-'}"
    )
    lines = [header + ("  [synthetic]" if row.synthetic else "")]
    for turn in trajectory.turns:
        mark = f"  ^ ESCALATED after {turn.escalated_from}" if turn.escalated_from else ""
        lines.append(
            f"\n--- turn {turn.index}  {turn.tier}  {turn.action}  -> {turn.outcome}{mark}"
        )
        for call in (c for c in trajectory.calls if c.turn == turn.index):
            usage = call.usage
            lines.append(
                f"  call {call.tier:<5} {call.model}  reason {call.reason}  "
                f"hit {usage.cache_hit} miss {usage.cache_miss} "
                f"out {usage.output}  {money(call.cost_usd)}"
            )
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
