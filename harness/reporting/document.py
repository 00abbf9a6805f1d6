"""The report as a document: built once from the collected rows, then shown as text, markdown,
JSON or HTML. The Pareto view, the oracle and the headline compare groups on the tasks they
share; the summary table shows each group on its own tasks, and a note says when those differ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from harness.reporting.collect import Collected
from harness.reporting.compare import Comparison, compare_sides
from harness.reporting.compare_text import pass_rate_interval_text
from harness.reporting.figures import (
    Headline,
    Interval,
    OracleFigures,
    PairedHeadline,
    ParetoFigures,
    Ratio,
    RatioInterval,
    ReportDocument,
    RoutingMix,
)
from harness.reporting.images import images_section
from harness.reporting.oracle import (
    ORACLE_HEADERS,
    oracle_lines,
    oracle_notes,
    oracle_row,
    oracle_rows,
)
from harness.reporting.pareto import (
    Point,
    View,
    pareto_figures,
    pareto_headers,
    pareto_rows,
    pareto_title,
    pareto_view,
)
from harness.reporting.sides import group_side
from harness.reporting.summary import Section, figures_table, group_figures, group_title
from harness.reporting.tables import SYNTHETIC_MARK, ratio, signed_points

ROUTING_STEPS = 20  # points along the random-routing line


@dataclass(frozen=True)
class ReportOptions:
    files: Sequence[str]
    group_by: Sequence[str]
    tiers: tuple[str, str]
    resamples: int
    seed: int


def build_document(collected: Collected, options: ReportOptions) -> ReportDocument:
    summaries = collected.summaries()
    view = pareto_view(summaries, options.resamples, options.seed)
    pareto = pareto_figures(view)
    notes = [*collected.notes, *task_set_notes(view), *oracle_notes(collected, options.tiers)]
    return ReportDocument(
        files=sorted(options.files),
        grouped_by=list(options.group_by),
        synthetic=any(s.synthetic for s in summaries),
        headline=headline(collected, view, pareto),
        groups=[group_figures(s) for s in summaries],
        pareto=pareto,
        oracle=oracle(collected, view, options),
        images=collected.images.figures(),
        notes=notes,
    )


def task_set_notes(view: View) -> list[str]:
    counts = {p.summary.label: len(p.summary.metrics.per_task) for p in view.points}
    if not view.paired or view.tasks == view.all_tasks:
        return []
    shown = ", ".join(f"{label} {n}" for label, n in counts.items())
    return [
        f"note: the groups ran different tasks ({shown}; {view.tasks} shared): the summary "
        "table shows each on its own tasks, unpaired and not comparable; the Pareto view, "
        "the oracle and the headline compare them on the tasks they share"
    ]


def oracle(collected: Collected, view: View, options: ReportOptions) -> OracleFigures | None:
    tiers = options.tiers
    lines = oracle_lines(collected, tiers, options.resamples, options.seed)
    if not lines:
        return None
    on_view = lines
    if view.paired and view.tasks < view.all_tasks:  # the oracle on the view's tasks alone
        shared = {task for task in view.points[0].metrics.per_task}
        on_view = oracle_lines(collected, tiers, options.resamples, options.seed, shared, False)
    ends = tier_points(view, tiers)
    point = None
    if ends is not None:  # the oracle of the same kind of rows (real or simulated) as the ends
        mark = SYNTHETIC_MARK if ends[0].summary.synthetic else ""
        label = f"oracle({'+'.join(tiers)}){mark}"
        point = next((oracle_row(line) for line in on_view if line.label == label), None)
    return OracleFigures(
        cheap=tiers[0],
        strong=tiers[1],
        lines=[oracle_row(line) for line in lines],
        on_pareto_tasks=point,
        random_routing=random_routing(*ends) if ends else [],
    )


def tier_points(view: View, tiers: Sequence[str]) -> tuple[Point, Point] | None:
    """The two tier runs on the Pareto view's tasks (real ones before simulated ones)."""
    for synthetic in (False, True):
        found = {
            p.summary.policy: p
            for p in view.points
            if p.summary.synthetic == synthetic and len(p.summary.group) == 1
        }
        if tiers[0] in found and tiers[1] in found and view.paired:
            return found[tiers[0]], found[tiers[1]]
    return None


def random_routing(cheap: Point, strong: Point) -> list[RoutingMix]:
    """RouteLLM's baseline: a router that sends each task to the strong tier with probability
    p, whatever the task. Its expected totals mix the two runs' totals on the same tasks."""
    mixes = []
    for step in range(ROUTING_STEPS + 1):
        p = step / ROUTING_STEPS
        w, s = cheap.metrics, strong.metrics

        def mix(a: float, b: float, p: float = p) -> float:
            return (1 - p) * a + p * b

        tasks, graded = mix(w.tasks, s.tasks), mix(w.graded, s.graded)
        resolved, cost = mix(w.resolved, s.resolved), mix(w.cost_usd, s.cost_usd)
        known = not (w.uncosted or s.uncosted)
        mixes.append(
            RoutingMix(
                strong_share=p,
                pass_rate=resolved / graded if graded else None,
                cost_per_task_usd=cost / tasks if tasks and known else None,
                cost_per_resolved_usd=cost / resolved if resolved and known else None,
            )
        )
    return mixes


def _ratio(value: float) -> Ratio:
    return "unbounded" if math.isinf(value) else value


def headline(collected: Collected, view: View, pareto: ParetoFigures) -> Headline:
    """The frontier on cost per resolved task, and its cheapest group paired with its most
    resolving one, as `compare` pairs them."""
    frontier = pareto.frontier["cost/resolved"]
    if not view.paired:
        return Headline(
            text=["No frontier: the groups share no task to compare on."],
            frontier=[],
            paired=None,
        )
    on = f"on the {view.tasks} tasks every group ran" if len(view.points) > 1 else ""
    text = [f"Frontier (cost per resolved task{', ' + on if on else ''}): {', '.join(frontier)}"]
    if len(frontier) < 2:
        return Headline(text=text, frontier=frontier, paired=None)
    keys = {p.summary.label: (p.summary.group, p.summary.synthetic) for p in view.points}
    a, b = frontier[0], frontier[-1]
    sides = [group_side(collected, keys[label], label) for label in (a, b)]
    if sides[0] is None or sides[1] is None:
        text.append(f"{b} and {a} cannot be paired: one holds several results for a task")
        return Headline(text=text, frontier=frontier, paired=None)
    c = compare_sides(sides[0], sides[1], view.resamples, view.seed)
    paired = paired_headline(c, a, b) if c.n else None
    if paired is not None:
        text.append(paired_text(c, paired))
    return Headline(text=text, frontier=frontier, paired=paired)


def paired_headline(c: Comparison, a: str, b: str) -> PairedHeadline:
    diff, ratio_bounds, value = c.pass_rate_diff_interval, c.cost_ratio_interval, c.cost_ratio
    return PairedHeadline(
        a=a,
        b=b,
        tasks=c.n,
        pass_rate_difference=c.pass_rate_diff or 0.0,
        pass_rate_difference_interval=None if diff is None else Interval(low=diff[0], high=diff[1]),
        pass_rate_p_value=c.p_value,
        pass_rate_more_than_noise=not c.pass_rate_noise.within,
        cost_ratio=None if value is None else _ratio(value),
        cost_ratio_interval=None
        if ratio_bounds is None
        else RatioInterval(low=_ratio(ratio_bounds[0]), high=_ratio(ratio_bounds[1])),
        cost_more_than_noise=not c.cost_noise.within,
    )


def paired_text(c: Comparison, h: PairedHeadline) -> str:
    def noise(more: bool) -> str:
        return "more than noise" if more else "within noise"

    bounds = c.cost_ratio_interval
    spread = "" if bounds is None else f" (95% CI {ratio(bounds[0])} to {ratio(bounds[1])})"
    return (
        f"{h.b} against {h.a} on {h.tasks} paired tasks: pass rate "
        f"{signed_points(h.pass_rate_difference)} points{pass_rate_interval_text(c)}, "
        f"p = {h.pass_rate_p_value:.3g}, {noise(h.pass_rate_more_than_noise)}; cost per "
        f"resolved task {ratio(c.cost_ratio)}{spread}, {noise(h.cost_more_than_noise)}"
    )


def sections(document: ReportDocument) -> list[Section]:
    """The Pareto table, the oracle table when both tier runs are there, and the images
    table when rows pulled or waited for images."""
    title = group_title(document.groups)
    parts: list[Section] = [
        (pareto_title(document.pareto), pareto_headers(title), pareto_rows(document.pareto))
    ]
    found = document.oracle
    if found is not None:
        parts.append(
            (
                f"Oracle bound: per paired task, {found.cheap} or {found.strong}, whichever "
                "resolved it (the cheaper where both did); gap closed = share of the way from "
                f"{found.cheap}'s pass rate to the oracle's",
                ORACLE_HEADERS,
                oracle_rows(found.lines),
            )
        )
    if document.images:
        parts.append(images_section(document.images))
    return parts


def report_text(document: ReportDocument, fmt: str = "table") -> str:
    """The text or markdown report: tables, then the headline, then notes."""
    notes = [*(f"In short: {line}" for line in document.headline.text), *document.notes]
    return figures_table(document.groups, notes, fmt, sections(document))
