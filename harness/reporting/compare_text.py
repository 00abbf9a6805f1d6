"""compare's report in words and tables: the two-by-two table of paired outcomes, McNemar,
each side's totals on the paired tasks and in all, the intervals, whether a difference is
more than noise, and the tasks that differ."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from harness.reporting.compare import Comparison, Noise, Pair
from harness.reporting.notes import usage_text
from harness.reporting.stats import Interval
from harness.reporting.tables import (
    SYNTHETIC_BANNER,
    format_table,
    money,
    percent,
    ratio,
    signed_money,
    signed_points,
)

INLINE_TASKS = 10  # task ids listed on the only-A / only-B lines; the table below has more
LISTED_TASKS = 50  # discordant tasks in the table, unless every task is asked for


def interval_text(interval: Interval | None, show: Callable[[float], str]) -> str:
    return "" if interval is None else f" (95% CI {show(interval[0])} to {show(interval[1])})"


INTERVAL = ("its 95% interval excludes no change", "its 95% interval includes no change")


def noise_text(what: str, noise: Noise, n: int, why: tuple[str, str] = INTERVAL) -> str:
    """One line: is the difference more than noise (and why: `why` says it for a difference
    beyond noise, then for one within), and if not, what would show it."""
    if not noise.within:
        return f"{what}: the difference is more than noise ({why[0]})"
    if noise.tasks_needed is None:
        return f"{what}: no difference to tell apart from noise"
    return (
        f"{what}: within noise ({why[1]}); a difference this size "
        f"would need about {noise.tasks_needed:,} paired tasks to show (80% power, 5% "
        f"two-sided; now {n})"
    )


def _task_names(pairs: list[Pair], all_seeds: set[int]) -> list[str]:
    """Instance ids, with the seed when the comparison spans several seeds."""
    return [p.instance_id if len(all_seeds) == 1 else f"{p.instance_id}@{p.seed}" for p in pairs]


def pass_rate_test(c: Comparison) -> tuple[str, str]:
    """Why the pass-rate verdict is what it is, beyond noise and within, for `noise_text`."""
    p = f"{c.p_value:.3g}"
    if c.one_pair_per_task:
        return (
            f"exact McNemar p = {p}; its exact 95% interval excludes no change",
            f"exact McNemar p = {p}; its exact 95% interval includes no change",
        )
    return (f"exact sign-flip test over tasks, p = {p}",) * 2


def pass_rate_interval_text(c: Comparison) -> str:
    if c.pass_rate_diff_interval is None and c.one_pair_per_task:
        return " (no task resolved by one side only: no interval)"
    method = "exact, given the discordant tasks" if c.one_pair_per_task else "cluster bootstrap"
    text = interval_text(c.pass_rate_diff_interval, signed_points)
    return text[:-1] + f", {method})" if text else ""


def _spend_line(label: str, c: Comparison) -> str:
    side = c.a if label == "A" else c.b
    spent = side.spent
    estimated = bool(spent.inexact_calls)
    retried = f", {spent.retried} errored attempt(s) run again" if spent.retried else ""
    if spent.lost_attempts:
        retried += f", {spent.lost_attempts} attempt(s) lost and run again"
    if spent.unrecorded:
        retried += f", {spent.unrecorded} attempt(s) that reached no row"
    if spent.uncosted:
        return (
            f"{label} spent - in all: {spent.uncosted} row(s) hold no cost (patches made "
            f"elsewhere and graded here){retried}"
        )
    return (
        f"{label} spent {money(spent.cost_usd, estimated)} in all, "
        f"{money(spent.error_cost_usd, estimated)} of it on attempts that ended in an "
        f"error{retried}"
    )


def usage_lines(c: Comparison, names: tuple[str, str] = ("A", "B")) -> list[str]:
    """Per side whose costs rest on calls not billed as reported, how many and how; its sums
    of dollars are marked."""
    return [
        f"note: {name}: {usage_text(side.spent)}"
        for name, side in zip(names, (c.a, c.b))
        if side.spent.inexact_calls
    ]


def _signed_money(value: float | None) -> str:
    return "-" if value is None else signed_money(value)


def comparison_text(c: Comparison, all_tasks: bool = False, notes: Sequence[str] = ()) -> str:
    seeds = {p.seed for p in c.pairs}
    lines = [
        f"A = {c.a.name} ({c.a.label})",
        f"B = {c.b.name} ({c.b.label})",
        f"paired tasks: {c.n} (A = {c.a.name}, B = {c.b.name})",
        f"left out: {c.a.errors} error row(s) in A, {c.b.errors} in B (infrastructure "
        f"errors are not failures); {c.a.unpaired} row(s) of A and {c.b.unpaired} of B "
        "without a partner",
        _spend_line("A", c),
        _spend_line("B", c),
    ]
    for label, cell in (
        ("resolved by both", (True, True)),
        ("only A", (True, False)),
        ("only B", (False, True)),
        ("neither", (False, False)),
    ):
        pairs = c.cell(*cell)
        names = _task_names(pairs, seeds) if cell[0] != cell[1] else []
        shown = " ".join(names[:INLINE_TASKS]) + (" ..." if len(names) > INLINE_TASKS else "")
        lines.append(f"  {label}: {len(pairs)}  {shown}".rstrip())
    only = f"({len(c.cell(True, False))} only A vs {len(c.cell(False, True))} only B)"
    if c.one_pair_per_task:
        lines.append(f"exact McNemar p-value: {c.p_value:.4g} {only}")
    else:
        lines.append(
            f"exact McNemar p-value, clustered by task (the sign-flip test over {c.tasks} "
            f"tasks, which keeps each task's seeds together): {c.p_value:.4g} {only}"
        )
    lines.append("")
    lines.append(
        format_table(
            [
                "side",
                "resolved",
                "pass rate",
                "total cost",
                "error cost",
                "cost/task",
                "cost/resolved",
                "graded cost/resolved",
            ],
            [
                [
                    label,
                    str(m.resolved),
                    percent(m.pass_rate),
                    money(m.total_cost, inexact),
                    money(None if m.uncosted else m.error_cost_usd, inexact),
                    money(m.cost_per_task, inexact),
                    money(m.cost_per_resolved, inexact),
                    money(m.graded_cost_per_resolved, inexact),
                ]
                for label, m, inexact in (
                    ("A", c.a.metrics, bool(c.a.spent.inexact_calls)),
                    ("B", c.b.metrics, bool(c.b.spent.inexact_calls)),
                )
            ],
        )
    )
    if c.n:
        clusters = (
            f"cluster bootstrap over {c.tasks} tasks, each with its pairs over {len(seeds)} seeds"
            if c.n > c.tasks
            else "percentile bootstrap over the paired tasks"
        )
        lines += [
            "(on the paired tasks; total cost counts every attempt at them, errored attempts "
            "run again included; graded cost/resolved leaves those out)",
            "",
            f"B - A, pass rate:              {signed_points(c.pass_rate_diff or 0)} points"
            f"{pass_rate_interval_text(c)}",
            f"B / A, cost per resolved task: {ratio(c.cost_ratio)}"
            f"{interval_text(c.cost_ratio_interval, ratio)}",
            f"B - A, cost per task:          {_signed_money(c.cost_diff_per_task)}"
            f"{interval_text(c.cost_diff_interval, signed_money)}",
            f"(95% intervals of cost: {clusters}, {c.resamples} resamples, seed {c.seed})",
            noise_text("pass rate", c.pass_rate_noise, c.n, pass_rate_test(c)),
            noise_text("cost per resolved task", c.cost_noise, c.n),
        ]
    discordant = c.cell(True, False) + c.cell(False, True)
    shown_pairs = (
        c.pairs if all_tasks else sorted(discordant, key=lambda p: (p.instance_id, p.seed))
    )
    more = len(shown_pairs) - LISTED_TASKS if not all_tasks else 0
    if more > 0:
        shown_pairs = shown_pairs[:LISTED_TASKS]
    if shown_pairs:
        cut = f" (the first {LISTED_TASKS} of {len(discordant)})" if more > 0 else ""
        lines += [
            "",
            "all paired tasks:" if all_tasks else f"discordant tasks{cut}:",
            format_table(
                ["instance_id", "seed", "A", "B", "cost A", "cost B", "B - A"],
                [
                    [
                        p.instance_id,
                        str(p.seed),
                        p.a.status,
                        p.b.status,
                        money(p.a.cost_usd),
                        money(p.b.cost_usd),
                        "-"
                        if p.a.cost_usd is None or p.b.cost_usd is None
                        else signed_money(p.b.cost_usd - p.a.cost_usd),
                    ]
                    for p in shown_pairs
                ],
            ),
        ]
    lines += [*notes, *usage_lines(c)]
    if c.synthetic:
        lines.append(SYNTHETIC_BANNER)
    return "\n".join(lines)
