"""Repeated rows of a task, policy and seed, defined once: every view's figures are the same
whatever the order of the files and of the rows in them."""

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import HarnessError
from harness.reporting.collect import collect
from harness.reporting.compare import compare_sides
from harness.reporting.compare_text import comparison_text
from harness.reporting.document import ReportOptions, build_document, report_text
from harness.reporting.gate import gate_context, gate_findings, gate_text
from harness.reporting.page import TASK_FIELDS, html_page
from harness.reporting.sides import read_side
from harness.results import ResultRow, iter_rows
from harness.results.predictions import export_groups

from .helpers import result_row, write_rows

RESAMPLES = 40

specs = st.fixed_dictionaries(
    {
        "policy": st.sampled_from(["cascade", "flash", "pro"]),
        "task": st.sampled_from(["t0", "t1", "t2", "t3"]),
        "seed": st.sampled_from([0, 0, 1]),
        "status": st.sampled_from(["resolved", "unresolved", "empty_patch", "error"]),
        "cost": st.floats(0, 0.5, allow_subnormal=False) | st.none(),
        "run": st.sampled_from(["r1", "r1", "r2"]),
        "minute": st.integers(0, 9),
        "rules": st.sampled_from(["h", "h", "h", "h2"]),
        "lost": st.sampled_from([0.0, 0.0, 0.0125]),
        "pro_calls": st.integers(0, 3),
    }
)


def row_of(spec):
    return result_row(
        spec["task"],
        spec["status"],
        spec["cost"],
        policy=spec["policy"],
        seed=spec["seed"],
        run_id=spec["run"],
        started_at=f"2026-01-01T00:0{spec['minute']}:00+00:00",
        policy_hash=spec["rules"],
        lost_attempts=int(spec["lost"] > 0),
        lost_cost_usd=spec["lost"],
        calls={"flash": 2, "pro": spec["pro_calls"]},
    )


def outcome(function, *args):
    try:
        return function(*args)
    except HarnessError as exc:
        return f"error: {exc}"


def report(paths: list[Path], column: str, keep=()) -> tuple[object, object]:
    collected = collect(paths, [column], keep_rows=keep)
    options = ReportOptions([str(p) for p in paths], [column], ("flash", "pro"), RESAMPLES, 0)
    return build_document(collected, options), collected


def views(paths: list[Path]) -> dict[str, object]:
    """Every view's output for these files, given in this order."""
    document, collected = report(paths, "policy", TASK_FIELDS)
    found = {
        "json": document.model_dump_json(),
        "text": report_text(document),
        "markdown": report_text(document, "markdown"),
        "html": html_page(document, collected.rows),
        "by run": report(paths, "run_id")[0].model_dump_json(),
    }
    base = min(paths)
    for path in sorted(paths):  # compare and the gate pair one file against another
        found[f"export {path.name}"] = {
            name: [r.to_json() for r in group]
            for name, group in export_groups(iter_rows(path, ResultRow)).items()
        }
        for policy in ("cascade", "flash"):
            sides = [outcome(read_side, p, policy, lambda m: None) for p in (base, path)]
            key = f"{path.name} {policy}"
            if any(isinstance(side, str) for side in sides):
                found[f"compare {key}"] = sides
                continue
            c = compare_sides(*sides, RESAMPLES, 0)
            found[f"compare {key}"] = comparison_text(c) if c.n else "no pairs"
            if c.n:
                found[f"check {key}"] = gate_text(gate_findings(c, 5, 0.1), gate_context(c))
    return found


@settings(
    max_examples=60,
    derandomize=True,  # the same examples on every run: CI stays reproducible
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(specs, min_size=1, max_size=14),
    st.lists(st.integers(0, 13), max_size=3),
    st.integers(1, 3),
    st.randoms(use_true_random=False),
)
def test_every_view_is_the_same_in_any_order_of_files_and_rows(
    tmp_path_factory, drawn, twice, files, shuffle: random.Random
):
    rows = [row_of(spec) for spec in drawn]
    rows += [rows[i] for i in twice if i < len(rows)]  # the very same row given twice
    split = [rows[i::files] for i in range(files)]
    folder = tmp_path_factory.mktemp("views")
    paths = [folder / f"f{i}.jsonl" for i in range(files)]
    for path, part in zip(paths, split):
        write_rows(path, part)
    first = views(paths)
    for path, part in zip(paths, split):  # the same files, their rows shuffled
        write_rows(path, shuffle.sample(part, len(part)))
    second = views(shuffle.sample(paths, len(paths)))  # given in another order
    assert second == first
