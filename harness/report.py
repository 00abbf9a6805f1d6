"""Summaries users decide by: pass rate, cost, and cost per resolved task, per policy."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

SYNTHETIC_BANNER = ("Results from simulated models are synthetic: they test the harness, "
                    "not a model.")


@dataclass(frozen=True)
class Summary:
    policy: str
    tasks: int
    resolved: int
    errors: int
    cost_usd: float
    escalations: int
    turns: int
    synthetic: bool

    @property
    def graded(self) -> int:
        """Tasks that count for the pass rate: infrastructure errors are not failures."""
        return self.tasks - self.errors

    @property
    def pass_rate(self) -> float | None:
        return self.resolved / self.graded if self.graded else None

    @property
    def cost_per_resolved(self) -> float | None:
        return self.cost_usd / self.resolved if self.resolved else None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalations / self.turns if self.turns else None


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval for a binomial proportion."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def summarize(rows: Iterable[dict]) -> list[Summary]:
    by_policy: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_policy[row["policy"]].append(row)
    return [Summary(
        policy=policy,
        tasks=len(group),
        resolved=sum(1 for r in group if r["status"] == "resolved"),
        errors=sum(1 for r in group if r["status"] == "error"),
        cost_usd=sum(r["cost_usd"] for r in group),
        escalations=sum(r["escalations"] for r in group),
        turns=sum(r["turns"] for r in group),
        synthetic=any(r["synthetic"] for r in group),
    ) for policy, group in sorted(by_policy.items())]


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:.4f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths))) for row in rows]
    return "\n".join(lines)


def summary_table(summaries: list[Summary]) -> str:
    headers = ["policy", "tasks", "resolved", "pass rate (95% CI)", "errors", "total cost",
               "cost/task", "cost/resolved", "escalations/turn"]
    rows = []
    for s in summaries:
        low, high = wilson_interval(s.resolved, s.graded)
        rate = "-" if s.pass_rate is None else \
            f"{_percent(s.pass_rate)} ({100 * low:.0f}-{100 * high:.0f}%)"
        rows.append([s.policy, str(s.tasks), str(s.resolved), rate, str(s.errors),
                     _money(s.cost_usd), _money(s.cost_usd / s.tasks if s.tasks else None),
                     _money(s.cost_per_resolved), _percent(s.escalation_rate)])
    table = format_table(headers, rows)
    if any(s.synthetic for s in summaries):
        table += f"\n{SYNTHETIC_BANNER}"
    return table


def compare_table(rows_a: list[dict], rows_b: list[dict], name_a: str = "A",
                  name_b: str = "B") -> str:
    """Paired on (instance_id, seed): who resolved what, and the totals of each side."""
    def index(rows):
        return {(r["instance_id"], r["seed"]): r for r in rows if r["status"] != "error"}
    a, b = index(rows_a), index(rows_b)
    shared = sorted(a.keys() & b.keys())
    cells = defaultdict(list)
    for key in shared:
        won_a, won_b = a[key]["status"] == "resolved", b[key]["status"] == "resolved"
        cells[(won_a, won_b)].append(key[0])
    lines = [f"paired tasks: {len(shared)} (A = {name_a}, B = {name_b})",
             f"  resolved by both: {len(cells[(True, True)])}",
             f"  only A: {len(cells[(True, False)])}  {' '.join(cells[(True, False)])}".rstrip(),
             f"  only B: {len(cells[(False, True)])}  {' '.join(cells[(False, True)])}".rstrip(),
             f"  neither: {len(cells[(False, False)])}"]
    totals = [s for label, side in (("A", a), ("B", b))
              for s in summarize([{**side[key], "policy": label} for key in shared])]
    lines.append("")
    lines.append(format_table(
        ["side", "resolved", "pass rate", "total cost", "cost/resolved"],
        [[s.policy, str(s.resolved), _percent(s.pass_rate), _money(s.cost_usd),
          _money(s.cost_per_resolved)] for s in totals]))
    if any(r["synthetic"] for r in rows_a + rows_b):
        lines.append(SYNTHETIC_BANNER)
    return "\n".join(lines)

