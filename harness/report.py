"""Summaries users decide by: pass rate, cost, and cost per resolved task, per policy; the paired
comparison of two runs; the CI check; the plot and the HTML page.

Everything here is a pure function of result rows (dicts as `results.read_rows` returns them);
reading files and writing outputs is the command line's job.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from harness import HarnessError
from harness.results import unique_rows
from harness.stats import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    Interval,
    bootstrap_totals,
    mcnemar_exact,
    wilson_interval,
)

SYNTHETIC_MARK = "*"
SYNTHETIC_BANNER = (f"{SYNTHETIC_MARK} Results from simulated models are synthetic: they test "
                    "the harness, not a model.")
PLOT_HINT = "pip install 'cascade-harness[plot]'"
TOKEN_KINDS = ("cache_hit", "cache_miss", "output", "reasoning")
# Floating-point slack for thresholds: a drop of exactly the allowed 5 points is within bounds.
EPSILON = 1e-9


# ---------------------------------------------------------------------------------------------
# Per-policy summary


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
    tokens: dict[str, dict[str, int]] = field(default_factory=dict)  # model tier -> kind -> n
    cost_by_tier: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The policy name, marked when synthetic, so that no output passes simulated results
        off as a model's."""
        return self.policy + (SYNTHETIC_MARK if self.synthetic else "")

    @property
    def graded(self) -> int:
        """Tasks that count for the pass rate: infrastructure errors are not failures."""
        return self.tasks - self.errors

    @property
    def pass_rate(self) -> float | None:
        return self.resolved / self.graded if self.graded else None

    @property
    def interval(self) -> Interval:
        return wilson_interval(self.resolved, self.graded)

    @property
    def cost_per_task(self) -> float | None:
        return self.cost_usd / self.tasks if self.tasks else None

    @property
    def cost_per_resolved(self) -> float | None:
        return self.cost_usd / self.resolved if self.resolved else None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalations / self.turns if self.turns else None


def _add_tokens(total: dict[str, dict[str, int]], tokens: dict) -> None:
    for tier, usage in (tokens or {}).items():
        into = total.setdefault(tier, dict.fromkeys(TOKEN_KINDS, 0))
        for kind in TOKEN_KINDS:
            into[kind] += int(usage.get(kind, 0))


def summarize(rows: Iterable[dict]) -> list[Summary]:
    """One summary per policy; synthetic and real rows of one policy are kept apart, since
    adding them up would describe neither."""
    groups: dict[tuple[str, bool], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["policy"], bool(row["synthetic"]))].append(row)
    summaries = []
    for (policy, synthetic), group in sorted(groups.items()):
        tokens: dict[str, dict[str, int]] = {}
        cost_by_tier: dict[str, float] = defaultdict(float)
        for r in group:
            _add_tokens(tokens, r.get("tokens"))
            for tier, cost in (r.get("cost_by_tier") or {}).items():
                cost_by_tier[tier] += cost
        summaries.append(Summary(
            policy=policy, tasks=len(group),
            resolved=sum(1 for r in group if r["status"] == "resolved"),
            errors=sum(1 for r in group if r["status"] == "error"),
            cost_usd=sum(r["cost_usd"] for r in group),
            escalations=sum(r["escalations"] for r in group),
            turns=sum(r["turns"] for r in group),
            synthetic=synthetic, tokens=dict(sorted(tokens.items())),
            cost_by_tier=dict(sorted(cost_by_tier.items()))))
    return summaries


def combine_files(files: Sequence[tuple[str, list[dict]]],
                  warn: Callable[[str], None]) -> tuple[list[dict], list[str]]:
    """The rows of several results files as one set, and the notes a reader should see.

    A task given twice (the same file twice, or overlapping runs) would count twice, so only
    its last row is kept, with a warning."""
    rows = unique_rows([row for _, file_rows in files for row in file_rows],
                       lambda message: warn(f"warning: {', '.join(n for n, _ in files)}: "
                                            f"{message}"),
                       key=lambda r: (r["policy"], bool(r["synthetic"]), r["instance_id"],
                                      r["seed"]))
    notes = [note for name, file_rows in files for note in file_notes(name, file_rows)]
    return rows, notes + policy_notes(rows)


def _listed(values: Iterable[str], limit: int = 3) -> str:
    values = sorted(values)
    more = f", ... ({len(values)} in all)" if len(values) > limit else ""
    return ", ".join(values[:limit]) + more


def file_notes(name: str, rows: list[dict]) -> list[str]:
    """Things about one file that do not stop a report but change how to read it."""
    runs = {str(r.get("run_id", "")) for r in rows}
    if len(runs) > 1:
        return [f"note: {name} holds rows of {len(runs)} runs ({_listed(runs)}); they are "
                "reported together"]
    return []


def policy_notes(rows: list[dict]) -> list[str]:
    """A policy name whose rows come from different rules or price tables is not one policy:
    say so, rather than average over the change silently."""
    notes = []
    for what, key in (("rule sets", "policy_hash"), ("price tables", "price_table")):
        seen: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            if r.get(key):
                seen[r["policy"]].add(str(r[key]))
        notes += [f"note: policy {policy} has rows of {len(values)} {what} ({key} "
                  f"{_listed(values)}); they are counted together"
                  for policy, values in sorted(seen.items()) if len(values) > 1]
    return notes


# ---------------------------------------------------------------------------------------------
# Tables


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:.4f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _count(value: int) -> str:
    return f"{value:,}"


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths))) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _markdown_cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured table: first column left, numbers right, as in the terminal."""
    lines = ["| " + " | ".join(map(_markdown_cell, headers)) + " |",
             "|" + "|".join([":---"] + ["---:"] * (len(headers) - 1)) + "|"]
    lines += ["| " + " | ".join(map(_markdown_cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def _rate_with_interval(s: Summary) -> str:
    if s.pass_rate is None:
        return "-"
    low, high = s.interval
    return f"{_percent(s.pass_rate)} ({100 * low:.0f}-{100 * high:.0f}%)"


SUMMARY_HEADERS = ["policy", "tasks", "resolved", "pass rate (95% CI)", "errors", "total cost",
                   "cost/task", "cost/resolved", "escalations/turn"]
TOKEN_HEADERS = ["policy", "model tier", "cache hit", "cache miss", "output", "reasoning",
                 "cache hit rate", "cost"]


def summary_rows(summaries: list[Summary]) -> list[list[str]]:
    return [[s.label, str(s.tasks), str(s.resolved), _rate_with_interval(s), str(s.errors),
             _money(s.cost_usd), _money(s.cost_per_task), _money(s.cost_per_resolved),
             _percent(s.escalation_rate)] for s in summaries]


def token_rows(summaries: list[Summary]) -> list[list[str]]:
    """Tokens by price tier for each model tier: the cache misses of the first calls on the
    escalation model are the hidden price of escalating, and this is where they show."""
    rows = []
    for s in summaries:
        tiers = list(s.tokens.items())
        if len(tiers) > 1:
            tiers.append(("all", {k: sum(usage[k] for _, usage in tiers)
                                  for k in TOKEN_KINDS}))
        for tier, usage in tiers:
            prompt = usage["cache_hit"] + usage["cache_miss"]
            cost = s.cost_usd if tier == "all" else s.cost_by_tier.get(tier)
            rows.append([s.label, tier, *(_count(usage[k]) for k in TOKEN_KINDS),
                         _percent(usage["cache_hit"] / prompt if prompt else None),
                         _money(cost)])
    return rows


def summary_table(summaries: list[Summary], notes: Sequence[str] = (),
                  fmt: str = "table") -> str:
    """The per-policy table, the token table when rows carry tokens, then notes and the
    synthetic banner; `fmt` is "table" (terminal) or "markdown"."""
    markdown = fmt == "markdown"
    table = markdown_table if markdown else format_table
    tables = [table(SUMMARY_HEADERS, summary_rows(summaries))]
    tokens = token_rows(summaries)
    if tokens:
        tables.append(table(TOKEN_HEADERS, tokens))
    footer = list(notes)
    if any(s.synthetic for s in summaries):
        footer.append(SYNTHETIC_BANNER)
    if markdown:
        return "\n\n".join(tables + [_markdown_cell(line) for line in footer])
    return "\n".join(["\n\n".join(tables), *footer])


# ---------------------------------------------------------------------------------------------
# Plot and HTML page


def _figure_class():
    """matplotlib's Figure, used without pyplot: no GUI backend, no global state."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise HarnessError(f"plots need matplotlib, which is not installed: {PLOT_HINT}") \
            from None
    return Figure


def require_plotting() -> None:
    """Fail before any work when a plot is asked for and cannot be drawn."""
    _figure_class()


def plotting_available() -> bool:
    try:
        _figure_class()
    except HarnessError:
        return False
    return True


def plot_png(summaries: list[Summary]) -> bytes:
    """Pass rate against cost per task, one point per policy with its 95% Wilson interval:
    up and to the left is better, and overlapping bars say the difference may be noise."""
    figure = _figure_class()(figsize=(7, 4.8), dpi=100)
    axes = figure.add_subplot()
    points = [s for s in summaries if s.pass_rate is not None and s.cost_per_task is not None]
    for s in points:
        low, high = s.interval
        x, y = s.cost_per_task, 100 * s.pass_rate
        axes.errorbar([x], [y], yerr=[[y - 100 * low], [100 * high - y]], fmt="s" if
                      s.synthetic else "o", capsize=4)
        axes.annotate(s.label, (x, y), textcoords="offset points", xytext=(6, 6))
    axes.set_xlabel("cost per task ($)")
    axes.set_ylabel("pass rate (%), 95% Wilson interval")
    axes.set_ylim(0, 100)
    # room on the right for the last point's label
    axes.set_xlim(0, 1.25 * max((s.cost_per_task for s in points), default=0) or 1)
    axes.grid(alpha=0.3)
    title = "Pass rate vs cost per task"
    if any(s.synthetic for s in summaries):
        title += f"\n{SYNTHETIC_MARK} synthetic: results of simulated models, not of a model"
    axes.set_title(title)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _html_table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>"


TASK_HEADERS = ["policy", "instance_id", "seed", "status", "reason", "turns", "escalations",
                "cost", "cache hit", "cache miss", "output", "reasoning", "wall time", "run"]


def task_rows(rows: list[dict]) -> list[list[str]]:
    """One line per task, for the HTML page: where the money went and why a task failed."""
    lines = []
    for r in sorted(rows, key=lambda r: (r["policy"], r["synthetic"], r["instance_id"],
                                         r["seed"])):
        tokens: dict[str, dict[str, int]] = {}
        _add_tokens(tokens, r.get("tokens"))
        totals = {k: sum(t[k] for t in tokens.values()) for k in TOKEN_KINDS}
        reason = str(r.get("status_reason", ""))
        lines.append([r["policy"] + (SYNTHETIC_MARK if r["synthetic"] else ""),
                      r["instance_id"], str(r["seed"]), r["status"],
                      reason if len(reason) <= 200 else reason[:199] + "…",
                      str(r["turns"]), str(r["escalations"]), _money(r["cost_usd"]),
                      *(_count(totals[k]) for k in TOKEN_KINDS),
                      f"{r.get('wall_time_s', 0):.0f} s", str(r.get("run_id", ""))])
    return lines


HTML_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em}td{text-align:right}td:first-child{text-align:left}
th{background:#f3f3f3}.synthetic{background:#fff3cd;border:1px solid #e0c36c;padding:.6em 1em}
.note{color:#555}"""


def html_page(summaries: list[Summary], rows: list[dict], notes: Sequence[str] = (),
              plot: bytes | None = None, plot_missing: str = "") -> str:
    """A self-contained page (no external files or scripts) to attach to a CI run or mail:
    the summary tables, the plot as an embedded PNG, and every task's row."""
    parts = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
             "<title>cascade-harness report</title>", f"<style>{HTML_STYLE}</style>",
             "</head><body>", "<h1>cascade-harness report</h1>"]
    if any(s.synthetic for s in summaries):
        parts.append(f"<p class=\"synthetic\"><strong>Synthetic results.</strong> "
                     f"{html.escape(SYNTHETIC_BANNER)}</p>")
    parts += ["<h2>Per policy</h2>", _html_table(SUMMARY_HEADERS, summary_rows(summaries))]
    tokens = token_rows(summaries)
    if tokens:
        parts += ["<h2>Tokens and cost by model tier</h2>", _html_table(TOKEN_HEADERS, tokens)]
    parts += [f"<p class=\"note\">{html.escape(note)}</p>" for note in notes]
    parts.append("<h2>Pass rate vs cost</h2>")
    if plot is not None:
        encoded = base64.b64encode(plot).decode("ascii")
        parts.append(f"<img alt=\"pass rate against cost per task, one point per policy\" "
                     f"src=\"data:image/png;base64,{encoded}\">")
    else:
        parts.append(f"<p class=\"note\">{html.escape(plot_missing or 'No plot.')}</p>")
    parts += ["<h2>Tasks</h2>", _html_table(TASK_HEADERS, task_rows(rows)), "</body></html>"]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# Paired comparison


def one_policy(rows: list[dict], name: str, policy: str | None = None) -> list[dict]:
    """The rows of one policy: a comparison pairs tasks, and a file with two policies would
    pair a task with itself under another policy."""
    if policy is not None:
        chosen = [r for r in rows if r["policy"] == policy]
        if not chosen:
            raise HarnessError(f"{name} holds no rows of policy {policy!r} (it has "
                               f"{_listed({r['policy'] for r in rows})})")
        return chosen
    policies = {r["policy"] for r in rows}
    if len(policies) > 1:
        raise HarnessError(f"{name} holds rows of {len(policies)} policies ({_listed(policies)});"
                           " choose one with the policy option (see --help)")
    return rows


@dataclass(frozen=True)
class Pair:
    instance_id: str
    seed: int
    a: dict
    b: dict

    @property
    def won_a(self) -> bool:
        return self.a["status"] == "resolved"

    @property
    def won_b(self) -> bool:
        return self.b["status"] == "resolved"


def _cost_per_resolved_ratio(cost_a: float, won_a: float, cost_b: float,
                             won_b: float) -> float | None:
    """B's cost per resolved task over A's. Resolving nothing makes a side's cost per
    resolved task unbounded: B resolving nothing gives inf, A resolving nothing gives 0, both
    gives None (undefined)."""
    if not won_a or not won_b:
        return None if not won_a and not won_b else (math.inf if not won_b else 0.0)
    per_a, per_b = cost_a / won_a, cost_b / won_b
    if per_a == 0:
        return None if per_b == 0 else math.inf
    return per_b / per_a


@dataclass(frozen=True)
class Comparison:
    """Two runs paired on (instance_id, seed), with the statistics compare and check print."""
    name_a: str
    name_b: str
    pairs: list[Pair]
    errors_a: int  # error rows: left out of the pairing, never counted as failures
    errors_b: int
    unpaired_a: int  # rows without a partner on the other side (missing, or an error there)
    unpaired_b: int
    synthetic_a: bool
    synthetic_b: bool
    policy_a: str
    policy_b: str
    resamples: int = BOOTSTRAP_RESAMPLES
    seed: int = BOOTSTRAP_SEED
    pass_rate_diff_interval: Interval | None = None
    cost_ratio_interval: Interval | None = None
    cost_diff_interval: Interval | None = None

    @property
    def n(self) -> int:
        return len(self.pairs)

    def cell(self, won_a: bool, won_b: bool) -> list[Pair]:
        return [p for p in self.pairs if (p.won_a, p.won_b) == (won_a, won_b)]

    @property
    def resolved_a(self) -> int:
        return sum(p.won_a for p in self.pairs)

    @property
    def resolved_b(self) -> int:
        return sum(p.won_b for p in self.pairs)

    @property
    def cost_a(self) -> float:
        return sum(p.a["cost_usd"] for p in self.pairs)

    @property
    def cost_b(self) -> float:
        return sum(p.b["cost_usd"] for p in self.pairs)

    @property
    def pass_rate_a(self) -> float | None:
        return self.resolved_a / self.n if self.n else None

    @property
    def pass_rate_b(self) -> float | None:
        return self.resolved_b / self.n if self.n else None

    @property
    def pass_rate_diff(self) -> float | None:
        """B minus A, as a fraction (0.05 is five points)."""
        return (self.resolved_b - self.resolved_a) / self.n if self.n else None

    @property
    def cost_per_resolved_a(self) -> float | None:
        return self.cost_a / self.resolved_a if self.resolved_a else None

    @property
    def cost_per_resolved_b(self) -> float | None:
        return self.cost_b / self.resolved_b if self.resolved_b else None

    @property
    def cost_ratio(self) -> float | None:
        """B's cost per resolved task over A's (see `_cost_per_resolved_ratio`)."""
        return _cost_per_resolved_ratio(self.cost_a, self.resolved_a, self.cost_b,
                                        self.resolved_b) if self.n else None

    @property
    def cost_diff_per_task(self) -> float | None:
        return (self.cost_b - self.cost_a) / self.n if self.n else None

    @property
    def p_value(self) -> float:
        return mcnemar_exact(len(self.cell(True, False)), len(self.cell(False, True)))

    @property
    def synthetic(self) -> bool:
        return self.synthetic_a or self.synthetic_b


def _pairing_index(rows: list[dict], name: str) -> dict[tuple[str, int], dict]:
    index: dict[tuple[str, int], dict] = {}
    for r in rows:
        key = (r["instance_id"], r["seed"])
        if key in index:
            raise HarnessError(f"{name} holds two rows for task {key[0]} with seed {key[1]} "
                               "(rows of several policies?)")
        index[key] = r
    return index


def compare_runs(rows_a: list[dict], rows_b: list[dict], name_a: str = "A", name_b: str = "B",
                 resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> Comparison:
    """Pair on (instance_id, seed), leaving out rows with status error (an infrastructure
    failure says nothing about the policy), and bootstrap the paired tasks for intervals of
    the pass-rate difference, the cost-per-resolved ratio and the cost difference per task."""
    a, b = _pairing_index(rows_a, name_a), _pairing_index(rows_b, name_b)
    good_a = {k for k, r in a.items() if r["status"] != "error"}
    good_b = {k for k, r in b.items() if r["status"] != "error"}
    pairs = [Pair(k[0], k[1], a[k], b[k]) for k in sorted(good_a & good_b)]
    items = [(float(p.won_a), float(p.won_b), p.a["cost_usd"], p.b["cost_usd"]) for p in pairs]
    diff, ratio, cost = bootstrap_totals(items, [
        lambda t, n: (t[1] - t[0]) / n,
        lambda t, n: _cost_per_resolved_ratio(t[2], t[0], t[3], t[1]),
        lambda t, n: (t[3] - t[2]) / n], resamples=resamples, seed=seed)
    return Comparison(
        name_a=name_a, name_b=name_b, pairs=pairs,
        errors_a=len(a) - len(good_a), errors_b=len(b) - len(good_b),
        unpaired_a=len(good_a - good_b), unpaired_b=len(good_b - good_a),
        synthetic_a=any(r["synthetic"] for r in rows_a),
        synthetic_b=any(r["synthetic"] for r in rows_b),
        policy_a=_listed({r["policy"] for r in rows_a}),
        policy_b=_listed({r["policy"] for r in rows_b}),
        resamples=resamples, seed=seed, pass_rate_diff_interval=diff,
        cost_ratio_interval=ratio, cost_diff_interval=cost)


def _signed_points(value: float) -> str:
    return f"{100 * value:+.1f}"


def _ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return "unbounded" if math.isinf(value) else f"{value:.2f}x"


def _signed_money(value: float) -> str:
    return f"{'-' if value < 0 else '+'}${abs(value):.4f}"


def _interval(interval: Interval | None, show: Callable[[float], str]) -> str:
    return "" if interval is None else f" (95% CI {show(interval[0])} to {show(interval[1])})"


INLINE_TASKS = 10  # task ids listed on the only-A / only-B lines; the table below has all


def _task_names(pairs: list[Pair], all_seeds: set[int]) -> list[str]:
    """Instance ids, with the seed when the comparison spans several seeds."""
    return [p.instance_id if len(all_seeds) == 1 else f"{p.instance_id}@{p.seed}"
            for p in pairs]


def _side_label(policy: str, synthetic: bool) -> str:
    return f"policy {policy}" + (f"{SYNTHETIC_MARK}, synthetic" if synthetic else "")


def comparison_text(c: Comparison, all_tasks: bool = False, notes: Sequence[str] = ()) -> str:
    """compare's report: the two-by-two table of paired outcomes, McNemar, the totals of each
    side on the paired tasks, the bootstrap intervals, and the tasks that differ."""
    seeds = {p.seed for p in c.pairs}
    lines = [f"A = {c.name_a} ({_side_label(c.policy_a, c.synthetic_a)})",
             f"B = {c.name_b} ({_side_label(c.policy_b, c.synthetic_b)})",
             f"paired tasks: {c.n} (A = {c.name_a}, B = {c.name_b})",
             f"left out: {c.errors_a} error row(s) in A, {c.errors_b} in B (infrastructure "
             f"errors are not failures); {c.unpaired_a} row(s) of A and {c.unpaired_b} of B "
             "without a partner"]
    for label, cell in (("resolved by both", (True, True)), ("only A", (True, False)),
                        ("only B", (False, True)), ("neither", (False, False))):
        pairs = c.cell(*cell)
        names = _task_names(pairs, seeds) if cell[0] != cell[1] else []
        names = " ".join(names[:INLINE_TASKS]) + (" ..." if len(names) > INLINE_TASKS else "")
        lines.append(f"  {label}: {len(pairs)}  {names}".rstrip())
    lines.append(f"exact McNemar p-value: {c.p_value:.4g} ({len(c.cell(True, False))} only A "
                 f"vs {len(c.cell(False, True))} only B)")
    lines.append("")
    lines.append(format_table(
        ["side", "resolved", "pass rate", "total cost", "cost/task", "cost/resolved"],
        [[side, str(won), _percent(rate), _money(cost), _money(cost / c.n if c.n else None),
          _money(per)] for side, won, rate, cost, per in (
            ("A", c.resolved_a, c.pass_rate_a, c.cost_a, c.cost_per_resolved_a),
            ("B", c.resolved_b, c.pass_rate_b, c.cost_b, c.cost_per_resolved_b))]))
    if c.n:
        lines += [
            "",
            f"B - A, pass rate:              {_signed_points(c.pass_rate_diff)} points"
            f"{_interval(c.pass_rate_diff_interval, _signed_points)}",
            f"B / A, cost per resolved task: {_ratio(c.cost_ratio)}"
            f"{_interval(c.cost_ratio_interval, _ratio)}",
            f"B - A, cost per task:          {_signed_money(c.cost_diff_per_task)}"
            f"{_interval(c.cost_diff_interval, _signed_money)}",
            f"(95% intervals: percentile bootstrap over the paired tasks, {c.resamples} "
            f"resamples, seed {c.seed})"]
    shown = c.pairs if all_tasks else [p for p in c.pairs if p.won_a != p.won_b]
    if shown:
        lines += ["", "all paired tasks:" if all_tasks else "discordant tasks:", format_table(
            ["instance_id", "seed", "A", "B", "cost A", "cost B", "B - A"],
            [[p.instance_id, str(p.seed), p.a["status"], p.b["status"], _money(p.a["cost_usd"]),
              _money(p.b["cost_usd"]), _signed_money(p.b["cost_usd"] - p.a["cost_usd"])]
             for p in shown])]
    lines += notes
    if c.synthetic:
        lines.append(SYNTHETIC_BANNER)
    return "\n".join(lines)


def compare_table(rows_a: list[dict], rows_b: list[dict], name_a: str = "A",
                  name_b: str = "B", resamples: int = BOOTSTRAP_RESAMPLES,
                  seed: int = BOOTSTRAP_SEED, all_tasks: bool = False,
                  notes: Sequence[str] = ()) -> str:
    """Paired on (instance_id, seed): who resolved what, the totals of each side, and how sure
    we can be of the difference."""
    return comparison_text(compare_runs(rows_a, rows_b, name_a, name_b, resamples, seed),
                           all_tasks, notes)


# ---------------------------------------------------------------------------------------------
# CI check


@dataclass(frozen=True)
class Finding:
    title: str
    ok: bool
    message: str


def check_findings(c: Comparison, max_pass_rate_drop: float,
                   max_cost_increase: float) -> list[Finding]:
    """Baseline A against candidate B. The thresholds apply to the point estimates on the
    paired tasks, which makes a verdict predictable and reproducible; the 95% intervals are
    printed beside them so that a reader can tell a real regression from noise.

    `max_pass_rate_drop` is in percentage points, `max_cost_increase` a fraction (0.1 = 10%)."""
    if not c.n:
        raise HarnessError("no paired tasks to check")
    drop = -100 * c.pass_rate_diff
    rates = f"{_percent(c.pass_rate_a)} -> {_percent(c.pass_rate_b)} on {c.n} paired tasks"
    context = (f"{_signed_points(c.pass_rate_diff)} points"
               f"{_interval(c.pass_rate_diff_interval, _signed_points)}")
    if drop > max_pass_rate_drop + EPSILON:
        pass_rate = Finding("pass rate", False, f"pass rate dropped {drop:.1f} points ({rates}), "
                            f"more than the allowed {max_pass_rate_drop:g} points; {context}")
    else:
        pass_rate = Finding("pass rate", True, f"pass rate {rates}: {context}; allowed drop "
                            f"{max_pass_rate_drop:g} points")
    costs = f"{_money(c.cost_per_resolved_a)} -> {_money(c.cost_per_resolved_b)}"
    allowed = f"{100 * max_cost_increase:+g}%"
    ratio = c.cost_ratio
    span = _interval(c.cost_ratio_interval, _ratio_percent)
    if ratio is None:
        cost = Finding("cost per resolved task", True, "cost per resolved task: not comparable, "
                       "neither side resolved a paired task")
    elif math.isinf(ratio):
        cost = Finding("cost per resolved task", False, "cost per resolved task is unbounded: "
                       f"the candidate resolved none of the {c.n} paired tasks "
                       f"(the baseline {c.resolved_a})")
    elif ratio - 1 > max_cost_increase + EPSILON:
        cost = Finding("cost per resolved task", False, f"cost per resolved task rose "
                       f"{100 * (ratio - 1):.1f}% ({costs}), more than the allowed {allowed}"
                       f"{span}")
    else:
        cost = Finding("cost per resolved task", True, f"cost per resolved task {costs}: "
                       f"{_ratio_percent(ratio)}{span}; allowed increase {allowed}")
    return [pass_rate, cost]


def _ratio_percent(ratio: float) -> str:
    return "unbounded" if math.isinf(ratio) else f"{100 * (ratio - 1):+.1f}%"


def check_context(c: Comparison, notes: Sequence[str] = ()) -> list[str]:
    """What the check compared, and what to keep in mind reading it."""
    lines = [f"baseline:  {c.name_a} ({_side_label(c.policy_a, c.synthetic_a)})",
             f"candidate: {c.name_b} ({_side_label(c.policy_b, c.synthetic_b)})",
             f"paired tasks: {c.n}; left out: {c.errors_a} error row(s) in the baseline, "
             f"{c.errors_b} in the candidate; {c.unpaired_a + c.unpaired_b} row(s) without a "
             "partner",
             "thresholds apply to the point estimates; 95% intervals (percentile bootstrap, "
             f"{c.resamples} resamples, seed {c.seed}) are shown for context", *notes]
    if c.synthetic:
        lines.append(SYNTHETIC_BANNER)
    return lines


def check_text(findings: list[Finding], context: list[str]) -> str:
    failed = [f for f in findings if not f.ok]
    lines = [*context, *(f"{'ok  ' if f.ok else 'FAIL'}  {f.message}" for f in findings)]
    lines.append(f"check failed: {len(failed)} of {len(findings)} bounds exceeded" if failed
                 else "check passed: within bounds")
    return "\n".join(lines)


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(level: str, title: str, message: str) -> str:
    """A GitHub Actions workflow command; '%', ':' and ',' must be escaped or GitHub cuts the
    message (pass rates are full of '%')."""
    return f"::{level} title={_github_property(title)}::{_github_data(message)}"


def check_github(findings: list[Finding], context: list[str]) -> str:
    lines = [github_annotation("notice", "harness check", "\n".join(context))]
    lines += [github_annotation("notice" if f.ok else "error", f"harness check: {f.title}",
                                f.message) for f in findings]
    return "\n".join(lines)
