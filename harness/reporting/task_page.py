"""One task's page inside the HTML report: its row, and its trajectory turn by turn (tiers,
escalations with the failed attempt, each reply's diff or command, each check's result), or,
when the trajectory was not kept, everything the row itself says."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness import HarnessError
from harness.files import first_problem, path_inside
from harness.reporting.tables import SYNTHETIC_MARK, count, money
from harness.results import ModelCall, Trajectory


def esc(text: object) -> str:
    return html.escape(str(text))


def code_block(text: str, css: str = "") -> str:
    """Text in a <pre>; a diff gets its added and removed lines marked."""
    lines = []
    for line in text.rstrip("\n").splitlines():
        kind = (
            "add"
            if line.startswith("+") and not line.startswith("+++")
            else "del"
            if line.startswith("-") and not line.startswith("---")
            else "hunk"
            if line.startswith("@@")
            else ""
        )
        lines.append(f'<span class="{kind}">{esc(line)}</span>' if kind else esc(line))
    return f'<pre class="{css}">' + "\n".join(lines) + "</pre>"


def load_trajectory(source: Path, relative: str) -> tuple[Trajectory | None, str]:
    """The trajectory a row names, or None and why not."""
    if not relative:
        return None, "This row names no trajectory file."
    try:
        path = path_inside(source.parent, relative, "The trajectory file")
        return Trajectory.from_json(path.read_bytes()), ""
    except HarnessError as exc:
        return None, f"{exc}; it is not read."
    except FileNotFoundError:
        return None, f"The trajectory file {relative} was not kept with {source.name}."
    except OSError as exc:
        return None, f"The trajectory file {relative} cannot be read: {exc.strerror}."
    except ValidationError as exc:
        return None, f"The trajectory file {relative} is not valid: {first_problem(exc)}."


def _tests(row: Any) -> str:
    parts = []
    for name in ("FAIL_TO_PASS", "PASS_TO_PASS"):
        split = getattr(row, name)
        for outcome, tests in (("failure", split.failure), ("success", split.success)):
            if tests:
                items = "".join(f"<li>{esc(t)}</li>" for t in tests)
                parts.append(
                    f"<p>{name} {'failed' if outcome == 'failure' else 'passed'} "
                    f'({len(tests)}):</p><ul class="{outcome}">{items}</ul>'
                )
    return "".join(parts) or "<p>No test results in the row.</p>"


def _call(c: ModelCall) -> str:
    """A call: tokens and cost (marked, with why, when not as reported), and the reasoning
    its reply carried, folded."""
    text = (
        f"<li>{esc(c.tier)} {esc(c.model)}, reason {esc(c.reason)}: "
        f"{count(c.usage.cache_hit)} cache hit, {count(c.usage.cache_miss)} cache miss, "
        f"{count(c.usage.output)} output tokens, {money(c.cost_usd, not c.exact)}"
        + (f", {c.retries} retries" if c.retries else "")
    )
    if not c.exact:
        text += f' <span class="badge">usage {esc(c.usage_source)}</span> {esc(c.usage_note)}'
    if c.error:
        text += f" &middot; failed: {esc(c.error)}"
    if c.reasoning_content:
        text += f"<details><summary>reasoning</summary>{code_block(c.reasoning_content)}</details>"
    return text + "</li>"


def _turn(turn: Any, trajectory: Trajectory) -> str:
    escalated = turn.escalated_from
    classes = "turn escalated" if escalated else "turn"
    head = (
        f"turn {turn.index} &middot; {esc(turn.tier)} &middot; {esc(turn.action)} "
        f"&rarr; {esc(turn.outcome)}"
    )
    if escalated:
        head += f' <span class="badge">escalated after {esc(escalated)}</span>'
    calls = "".join(_call(c) for c in trajectory.calls if c.turn == turn.index)
    body = [f"<h3>{head}</h3>", f'<ul class="calls">{calls}</ul>']
    if turn.failed_reply:
        body += [
            "<p>The default tier's failed attempt:</p>",
            code_block(turn.failed_reply, "failed"),
            code_block(turn.failed_observation or "", "observation failed"),
        ]
    body += [
        code_block(turn.reply, "reply"),
        "<p>Result:</p>",
        code_block(turn.observation, "observation"),
    ]
    return f'<div class="{classes}">' + "".join(body) + "</div>"


def task_page(anchor: str, source: Path, row: Any, replaced: bool) -> str:
    """A hidden section the page shows alone when its link is followed."""
    trajectory, missing = load_trajectory(source, row.trajectory)
    mark = SYNTHETIC_MARK if row.synthetic else ""
    facts = (
        f"policy {esc(row.policy)}{mark} &middot; seed {row.seed} &middot; status "
        f"<strong>{esc(row.status)}</strong> &middot; {row.turns} turns &middot; "
        f"{row.escalations} escalations &middot; {money(row.cost_usd)} &middot; run "
        f"{esc(row.run_id)} &middot; file {esc(source.name)}"
    )
    parts = [
        f'<section class="task-page" id="{anchor}" hidden>',
        '<p><a href="#">&larr; all tasks</a></p>',
        f"<h2>{esc(row.instance_id)}</h2>",
        f'<p class="facts">{facts}</p>',
    ]
    if replaced:
        parts.append('<p class="note">A later attempt at this task replaced this one.</p>')
    if row.status_reason:
        parts.append(f'<p class="reason">{esc(row.status_reason)}</p>')
    parts += ["<h3>Check results</h3>", _tests(row)]
    if trajectory is None:
        parts.append(f'<p class="note">{esc(missing)} What the row holds is shown.</p>')
    else:
        parts.append(f"<h3>Trajectory ({len(trajectory.turns)} turns)</h3>")
        parts += [_turn(turn, trajectory) for turn in trajectory.turns]
    parts += ["<h3>Submitted patch</h3>", code_block(row.model_patch or "(empty)", "patch")]
    parts.append("</section>")
    return "\n".join(parts)
