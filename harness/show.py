"""Printing a trajectory turn by turn, escalations marked, for `python -m harness show`."""

from __future__ import annotations

import json
from pathlib import Path

from harness import HarnessError
from harness.results import read_rows

OBSERVATION_LINES = 12


def find_trajectories(results: Path, instance_id: str) -> list[tuple[dict, dict]]:
    """(row, trajectory) for every row of `instance_id` in a results file."""
    rows = [r for r in read_rows(results) if r["instance_id"] == instance_id]
    if not rows:
        raise HarnessError(f"{results}: no row for instance {instance_id!r}")
    found = []
    for row in rows:
        path = results.parent / row["trajectory"]
        try:
            found.append((row, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError) as exc:
            raise HarnessError(f"cannot read trajectory {path}: {exc}") from None
    return found


def _clip(text: str, lines: int = OBSERVATION_LINES) -> str:
    kept = text.rstrip("\n").splitlines()
    more = len(kept) - lines
    body = "\n".join("    " + line for line in kept[:lines])
    return body + (f"\n    [... {more} more lines]" if more > 0 else "")


def _action_text(reply: str) -> str:
    """The reply without its thought line, which the call list already explains."""
    return reply.split("\n", 2)[-1] if reply.startswith("THOUGHT:") else reply


def format_trajectory(row: dict, trajectory: dict) -> str:
    header = (f"{row['instance_id']}  policy {row['policy']}  seed {row['seed']}  "
              f"status {row['status']}  turns {row['turns']}  escalations {row['escalations']}"
              f"  cost ${row['cost_usd']:.5f}  exit {trajectory.get('exit_reason') or '-'}")
    lines = [header + ("  [synthetic]" if row.get("synthetic") else "")]
    calls_by_turn: dict[int, list[dict]] = {}
    for call in trajectory["calls"]:
        calls_by_turn.setdefault(call["turn"], []).append(call)
    for turn in trajectory["turns"]:
        mark = f"  ^ ESCALATED after {turn['escalated_from']}" if turn["escalated_from"] else ""
        lines.append(f"\n--- turn {turn['index']}  {turn['tier']}  {turn['action']}  "
                     f"-> {turn['outcome']}{mark}")
        for call in calls_by_turn.get(turn["index"], []):
            usage = call["usage"]
            lines.append(f"  call {call['tier']:<5} {call['model']}  reason {call['reason']}  "
                         f"hit {usage['cache_hit']} miss {usage['cache_miss']} "
                         f"out {usage['output']}  ${call['cost_usd']:.5f}")
        if turn.get("failed_reply"):
            lines.append("  default tier's failed attempt:")
            lines.append(_clip(_action_text(turn["failed_reply"])))
            lines.append(_clip(turn["failed_observation"] or "", 4))
        lines.append(_clip(_action_text(turn.get("reply", ""))))
        lines.append("  observation:")
        lines.append(_clip(turn["observation"]))
    verdict = trajectory.get("verdict", {})
    lines.append(f"\nverdict: {verdict.get('status')} {verdict.get('reason') or ''}".rstrip())
    return "\n".join(lines)
