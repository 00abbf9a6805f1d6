"""The CI gate: a candidate run against a baseline, on their paired tasks, within bounds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from harness import HarnessError
from harness.reporting.compare import Comparison
from harness.reporting.compare_text import (
    interval_text,
    noise_text,
    pass_rate_interval_text,
    pass_rate_test,
    usage_lines,
)
from harness.reporting.tables import SYNTHETIC_BANNER, money, percent, ratio, signed_points

# Floating-point slack for thresholds: a drop of exactly the allowed 5 points is within bounds.
EPSILON = 1e-9


@dataclass(frozen=True)
class Finding:
    title: str
    ok: bool
    message: str


def gate_findings(
    c: Comparison, max_pass_rate_drop: float, max_cost_increase: float
) -> list[Finding]:
    """Baseline A against candidate B. The thresholds apply to the point estimates on the
    paired tasks, which makes a verdict predictable and reproducible; the 95% intervals are
    printed beside them so that a reader can tell a real regression from noise.

    `max_pass_rate_drop` is in percentage points, `max_cost_increase` a fraction (0.1 = 10%)."""
    if not c.n or c.pass_rate_diff is None:
        raise HarnessError("no paired tasks to check")
    return [_pass_rate(c, c.pass_rate_diff, max_pass_rate_drop), _cost(c, max_cost_increase)]


def _pass_rate(c: Comparison, diff: float, max_drop: float) -> Finding:
    drop = -100 * diff
    rates = (
        f"{percent(c.a.metrics.pass_rate)} -> {percent(c.b.metrics.pass_rate)} on {c.n} "
        "paired tasks"
    )
    context = f"{signed_points(diff)} points{pass_rate_interval_text(c)}"
    if drop > max_drop + EPSILON:
        return Finding(
            "pass rate",
            False,
            f"pass rate dropped {drop:.1f} points ({rates}), "
            f"more than the allowed {max_drop:g} points; {context}",
        )
    return Finding(
        "pass rate", True, f"pass rate {rates}: {context}; allowed drop {max_drop:g} points"
    )


def _cost(c: Comparison, max_increase: float) -> Finding:
    title = "cost per resolved task"
    a, b = c.a.metrics, c.b.metrics
    costs = (
        f"{money(a.cost_per_resolved, bool(c.a.spent.inexact_calls))} -> "
        f"{money(b.cost_per_resolved, bool(c.b.spent.inexact_calls))}"
    )
    allowed = f"{100 * max_increase:+g}%"
    value = c.cost_ratio
    span = interval_text(c.cost_ratio_interval, _ratio_percent)
    if value is None and (c.a.metrics.uncosted or c.b.metrics.uncosted):
        return Finding(
            title,
            True,
            "cost per resolved task: not known, some paired rows hold no cost (patches made "
            "elsewhere and graded here)",
        )
    if value is None:
        return Finding(
            title,
            True,
            "cost per resolved task: not comparable, neither side resolved a paired task",
        )
    if math.isinf(value):
        return Finding(
            title,
            False,
            "cost per resolved task is unbounded: the candidate "
            f"resolved none of the {c.n} paired tasks (the baseline "
            f"{c.a.metrics.resolved})",
        )
    if value - 1 > max_increase + EPSILON:
        return Finding(
            title,
            False,
            f"cost per resolved task rose {100 * (value - 1):.1f}% "
            f"({costs}), more than the allowed {allowed}{span}",
        )
    return Finding(
        title,
        True,
        f"cost per resolved task {costs}: {_ratio_percent(value)}"
        f"{span}; allowed increase {allowed}",
    )


def _ratio_percent(value: float) -> str:
    return ratio(value) if math.isinf(value) else f"{100 * (value - 1):+.1f}%"


def gate_context(c: Comparison, notes: Sequence[str] = ()) -> list[str]:
    """What the gate compared, and what to keep in mind reading it."""
    lines = [
        f"baseline:  {c.a.name} ({c.a.label})",
        f"candidate: {c.b.name} ({c.b.label})",
        f"paired tasks: {c.n}; left out: {c.a.errors} error row(s) in the baseline, "
        f"{c.b.errors} in the candidate; {c.a.unpaired + c.b.unpaired} row(s) without a "
        "partner",
        "thresholds apply to the point estimates on the paired tasks (cost: every attempt at "
        "them, errored attempts run again included); 95% intervals are shown for context (cost: "
        f"bootstrap over tasks, {c.resamples} resamples, seed {c.seed})",
        noise_text("pass rate", c.pass_rate_noise, c.n, pass_rate_test(c)),
        noise_text("cost per resolved task", c.cost_noise, c.n),
        *notes,
        *usage_lines(c, ("baseline", "candidate")),
    ]
    if c.synthetic:
        lines.append(SYNTHETIC_BANNER)
    return lines


def gate_text(findings: list[Finding], context: list[str]) -> str:
    failed = [f for f in findings if not f.ok]
    lines = [*context, *(f"{'ok  ' if f.ok else 'FAIL'}  {f.message}" for f in findings)]
    lines.append(
        f"check failed: {len(failed)} of {len(findings)} bounds exceeded"
        if failed
        else "check passed: within bounds"
    )
    return "\n".join(lines)


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(level: str, title: str, message: str) -> str:
    """A GitHub Actions workflow command; '%', ':' and ',' must be escaped or GitHub cuts the
    message (pass rates are full of '%')."""
    return f"::{level} title={_github_property(title)}::{_github_data(message)}"


def gate_github(findings: list[Finding], context: list[str]) -> str:
    lines = [github_annotation("notice", "harness check", "\n".join(context))]
    lines += [
        github_annotation("notice" if f.ok else "error", f"harness check: {f.title}", f.message)
        for f in findings
    ]
    return "\n".join(lines)
