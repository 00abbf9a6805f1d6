import json
import math
import sys

import numpy as np
import pytest

from harness import HarnessError
from harness.reporting.collect import Collector, summarize
from harness.reporting.compare_text import comparison_text
from harness.reporting.document import ReportOptions, build_document
from harness.reporting.gate import gate_findings, gate_github, github_annotation
from harness.reporting.page import TASK_FIELDS, html_page
from harness.reporting.plot import plot_image
from harness.reporting.stats import bootstrap, mcnemar_exact, quantiles, wilson_interval
from harness.reporting.summary import summary_table

from .helpers import check, compare_runs, full_row, result_row, run_cli, write_rows


def compare_table(a, b, **options):
    return comparison_text(compare_runs(a, b, **options))


# --- statistics ----------------------------------------------------------------------------


def test_wilson_interval_known_values():
    low, high = wilson_interval(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(
    "only_a, only_b, p",
    [
        (1, 9, 0.021484375),  # 2 * (C(10,0) + C(10,1)) / 2**10 = 22 / 1024
        (9, 1, 0.021484375),  # two-sided: symmetric
        (0, 5, 0.0625),  # 2 / 32
        (3, 3, 1.0),  # 2 * 42 / 64 > 1 is capped
        (0, 0, 1.0),  # no discordant pairs, no evidence
    ],
)
def test_exact_mcnemar_on_known_tables(only_a, only_b, p):
    assert mcnemar_exact(only_a, only_b) == pytest.approx(p, abs=1e-15)


def test_quantile_interpolates_and_survives_infinity():
    assert quantiles(np.array([1.0, 2.0, 3.0, 4.0]), 0.5, 0.0) == (2.5, 1.0)
    assert quantiles(np.array([1.0, math.inf, math.inf]), 0.75, 1.0) == (math.inf, math.inf)
    assert quantiles(np.array([1.0, 2.0, math.inf]), 0.5, 0.75) == (2.0, math.inf)


def test_bootstrap_with_a_fixed_seed_gives_a_stable_interval():
    # 30 paired tasks: A resolves 15, B resolves 20; 5 B-only discordant tasks.
    items = [(1.0, 1.0, 1.0)] * 15 + [(0.0, 1.0, 1.0)] * 5 + [(0.0, 0.0, 1.0)] * 10
    diff = [lambda t: (t[:, 1] - t[:, 0]) / t[:, 2]]
    [first] = bootstrap(items, diff, resamples=10_000, seed=0)
    [again] = bootstrap(items, diff, resamples=10_000, seed=0)
    assert first == again
    # Pinned: a change in resampling changes every committed CI log, so it must be deliberate.
    assert first == pytest.approx((1 / 30, 9 / 30), abs=1e-12)
    # and it agrees with the normal approximation, 1/6 +- 1.96 * sqrt(1/6 * 5/6 / 30)
    half = 1.959964 * math.sqrt(1 / 6 * 5 / 6 / 30)
    assert first == pytest.approx((1 / 6 - half, 1 / 6 + half), abs=0.005)
    [other_seed] = bootstrap(items, diff, resamples=10_000, seed=1)
    assert other_seed[0] == pytest.approx(first[0], abs=0.04)


def test_bootstrap_of_constant_data_is_exact_and_undefined_statistics_are_left_out():
    items = [(1.0, 2.0)] * 8
    ratio, undefined = bootstrap(
        items, [lambda t: t[:, 1] / t[:, 0], lambda t: t[:, 0] * math.nan], resamples=200
    )
    assert ratio == (2.0, 2.0) and undefined is None
    assert bootstrap([], [lambda t: t[:, 0]]) == [None]


# --- summary -------------------------------------------------------------------------------


def test_errors_are_not_failures():
    rows = [
        result_row("a", "resolved", 0.2),
        result_row("b", "unresolved", 0.1),
        result_row("c", "error", 0.0),
        result_row("d", "empty_patch", 0.1, escalations=2),
    ]
    [summary] = summarize(rows)
    s = summary.metrics
    assert (s.tasks, s.resolved, s.errors, s.graded) == (4, 1, 1, 3)
    assert s.pass_rate == pytest.approx(1 / 3)
    assert s.cost_per_resolved == pytest.approx(0.4)
    assert s.cost_per_task == pytest.approx(0.1)
    assert s.escalation_rate == pytest.approx(2 / 16)


def test_summary_table_shows_the_numbers_and_marks_synthetic_policies():
    text = summary_table(
        summarize([result_row("a", "resolved", 0.25), result_row("b", "unresolved", 0.25)])
    )
    assert "50.0% (9-91%)" in text
    assert "$0.5000" in text and "$0.2500" in text
    assert "cascade*" in text and "synthetic" in text
    real = summary_table(summarize([result_row("a", "resolved", 0.25, synthetic=False)]))
    assert "cascade*" not in real and "synthetic" not in real


def test_synthetic_and_real_rows_of_one_policy_are_not_added_up():
    rows = [result_row("a", "resolved", 1.0), result_row("a", "unresolved", 3.0, synthetic=False)]
    assert [(s.label, s.metrics.resolved) for s in summarize(rows)] == [
        ("cascade", 0),
        ("cascade*", 1),
    ]


def test_tokens_by_tier_show_the_price_of_escalation():
    rows = [full_row("a", "resolved", 0.2), full_row("b", "unresolved", 0.4)]
    text = summary_table(summarize(rows))
    lines = {
        line.split()[1]: line.split()
        for line in text.splitlines()
        if line.startswith("cascade*") and len(line.split()) == 8
    }
    # flash: 1,800 hit, 200 miss, 100 output, 0 reasoning, hit rate 90%, cost $0.30
    assert lines["flash"][2:] == ["1,800", "200", "100", "0", "90.0%", "$0.3000"]
    assert lines["pro"][2:] == ["0", "2,000", "40", "10", "0.0%", "$0.3000"]
    assert lines["all"][2:] == ["1,800", "2,200", "140", "10", "45.0%", "$0.6000"]


def test_markdown_format_escapes_the_synthetic_mark():
    text = summary_table(summarize([full_row("a", "resolved", 0.2)]), ["note: x"], "markdown")
    assert text.startswith("| policy | tasks |")
    assert "|:---|---:|" in text
    assert "| cascade\\* |" in text
    assert "\\* Results from simulated models are synthetic" in text and "note: x" in text


# --- plot and html -------------------------------------------------------------------------


def document_of(rows, keep=()):
    collector = Collector(keep_rows=keep)
    collector.feed("r.jsonl", rows)
    collected = collector.finish()
    options = ReportOptions(["r.jsonl"], ["policy"], ("flash", "pro"), 200, 0)
    return build_document(collected, options), collected


def test_plot_is_a_png():
    pytest.importorskip("matplotlib")
    document, _ = document_of(
        [
            full_row("a", "resolved", 0.2),
            full_row("b", "error", 0.1),
            full_row("a", "unresolved", 0.3, policy="flash"),
        ]
    )
    assert plot_image(document).startswith(b"\x89PNG\r\n\x1a\n")


def test_missing_matplotlib_is_one_line_with_the_install_hint(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    with pytest.raises(HarnessError, match=r"pip install 'cascade-harness\[plot\]'"):
        plot_image(document_of([result_row("a", "resolved", 0.2)])[0])
    results = write_rows(tmp_path / "r.jsonl", [full_row("a", "resolved", 0.2)])
    code, out, err = run_cli(capsys, "report", results, "--plot", str(tmp_path / "p.png"))
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "pip install 'cascade-harness[plot]'" in err
    assert not (tmp_path / "p.png").exists()
    # --html still works, without the plot, and says why
    code, out, err = run_cli(capsys, "report", results, "--html", str(tmp_path / "r.html"))
    assert code == 0 and "cascade-harness[plot]" in (tmp_path / "r.html").read_text()


def test_html_page_is_self_contained_and_holds_the_tables():
    rows = [full_row("t-<1>", "resolved", 0.2), full_row("t-2", "unresolved", 0.3)]
    document, collected = document_of(rows, TASK_FIELDS)
    document.notes.append("note: mixed")
    page = html_page(document, collected.rows, plot=b'<?xml version="1.0"?>\n<svg>fake</svg>')
    assert page.startswith("<!DOCTYPE html>")
    assert "<td>cascade*</td><td>2</td><td>1</td><td>50.0% (9-91%)</td>" in page
    assert "t-&lt;1&gt;" in page and "t-<1>" not in page  # escaped
    assert "<svg>fake</svg>" in page and "<?xml" not in page
    assert "Synthetic results." in page and "note: mixed" in page
    assert page.index('id="headline"') < page.index("<h2>Summary</h2>")
    assert "http" not in page.replace("lang=", "")  # nothing fetched from elsewhere


def test_report_cli_writes_plot_and_html(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    results = write_rows(
        tmp_path / "r.jsonl", [full_row("a", "resolved", 0.2), full_row("b", "unresolved", 0.1)]
    )
    png, page = tmp_path / "plot.png", tmp_path / "report.html"
    code, out, err = run_cli(
        capsys, "report", results, "--format", "markdown", "--plot", str(png), "--html", str(page)
    )
    assert code == 0, err
    assert out.startswith("| policy |") and "synthetic" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text()
    assert "<h2>Summary</h2>" in text and "<td>cascade*</td><td>2</td><td>1</td>" in text
    assert '<div class="plot"' in text and "<svg" in text
    assert f"Plot: {png}" in err and f"Page: {page}" in err


def test_report_cli_cannot_write_is_bad_input(tmp_path, capsys):
    results = write_rows(tmp_path / "r.jsonl", [full_row("a", "resolved", 0.2)])
    (tmp_path / "no").write_text("a file where a folder would have to be")
    code, _, err = run_cli(
        capsys, "report", results, "--html", str(tmp_path / "no" / "such" / "dir.html")
    )
    assert code == 2 and "cannot write" in err and err.count("\n") == 1


# --- bad input to report --------------------------------------------------------------------


def test_report_notes_mixed_runs_and_warns_about_duplicates(tmp_path, capsys):
    results = write_rows(
        tmp_path / "r.jsonl",
        [
            full_row("a", "resolved", 0.2, run_id="r1"),
            full_row("b", "resolved", 0.2, run_id="r2"),
            full_row("b", "unresolved", 0.2, run_id="r2"),
        ],
    )
    code, out, err = run_cli(capsys, "report", results)
    assert code == 0
    assert f"note: {results} holds rows of 2 runs (r1, r2); they are reported together" in out
    assert "duplicate" not in err
    # b's two graded rows are replicates: each counts, and the note says so
    assert "cascade*      3         2" in out
    assert "cascade*: tasks have several graded results of one seed under one configuration" in out


def test_a_rerun_error_keeps_its_spend_and_the_task_counts_once(tmp_path, capsys):
    """--rerun-errors appends a new row for a task whose row was an error: the report must
    count the task once and every dollar both attempts spent ($0.0836, not $0.0625)."""
    results = write_rows(
        tmp_path / "run.jsonl",
        [
            result_row("a", "error", 0.0211, run_id="r1", started_at="2026-01-01T00:00:00+00:00"),
            result_row(
                "a", "resolved", 0.0625, run_id="r2", started_at="2026-01-01T01:00:00+00:00"
            ),
            result_row("b", "unresolved", 0.01, run_id="r1"),
        ],
    )
    code, out, err = run_cli(capsys, "report", results)
    assert code == 0 and "duplicate" not in err
    line = next(line for line in out.splitlines() if line.startswith("cascade*"))
    # tasks, resolved, pass rate, errors, total cost, error cost, cost/task, cost/resolved,
    # graded cost/resolved
    assert line.split()[1:3] == ["2", "1"] and line.split()[5:11] == [
        "0",
        "$0.09360",
        "$0.02110",
        "$0.04680",
        "$0.09360",
        "$0.07250",
    ]
    assert "1 attempt(s) that ended in an error were run again" in out


def test_report_counts_a_task_given_in_two_files_once(tmp_path, capsys):
    results = write_rows(tmp_path / "r.jsonl", [full_row("a", "resolved", 0.2)])
    code, out, err = run_cli(capsys, "report", results, results)
    assert code == 0 and "cascade*      1         1" in out
    assert "duplicate" in err


def test_report_on_empty_and_truncated_files(tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    code, out, err = run_cli(capsys, "report", str(empty))
    assert code == 2 and out == "" and "no result rows" in err and "Traceback" not in err
    truncated = tmp_path / "t.jsonl"
    truncated.write_text(full_row("a", "resolved", 0.2).to_json() + '\n{"instance_id": "b", "st')
    code, out, err = run_cli(capsys, "report", str(empty), str(truncated))
    assert code == 0 and "cascade*" in out
    assert "line 2 is truncated" in err and f"{empty} holds no result rows" in err


def test_report_on_another_schema_version_is_one_line(tmp_path, capsys):
    old = json.loads(full_row("a", "resolved", 0.2).to_json())
    other = write_rows(tmp_path / "o.jsonl", [json.dumps({**old, "schema_version": 99})])
    code, out, err = run_cli(capsys, "report", other)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "schema version 99" in err


# --- compare -------------------------------------------------------------------------------


def paired_example():
    a = [
        result_row("t1", "resolved", 1),
        result_row("t2", "resolved", 1),
        result_row("t3", "unresolved", 1),
        result_row("t4", "error", 1),
    ]
    b = [
        result_row("t1", "resolved", 0.5),
        result_row("t2", "unresolved", 0.5),
        result_row("t3", "resolved", 0.5),
        result_row("t4", "resolved", 0.5),
        result_row("t5", "resolved", 0.5),
    ]
    return a, b


def test_compare_pairs_tasks_and_leaves_errors_out():
    a, b = paired_example()
    text = compare_table(a, b, resamples=500)
    assert "paired tasks: 3" in text
    assert "only A: 1  t2" in text and "only B: 1  t3" in text
    assert "resolved by both: 1" in text and "neither: 0" in text
    assert "left out: 1 error row(s) in A, 0 in B" in text
    assert "0 row(s) of A and 2 of B without a partner" in text
    assert "exact McNemar p-value: 1 (1 only A vs 1 only B)" in text
    assert "synthetic" in text


def test_compare_numbers_by_hand():
    a, b = paired_example()
    c = compare_runs(a, b, resamples=500)
    # paired t1..t3: A resolves 2 for $3, B resolves 2 for $1.50
    assert (c.n, c.a.metrics.resolved, c.b.metrics.resolved) == (3, 2, 2)
    assert c.pass_rate_diff == 0
    assert c.a.metrics.cost_per_resolved == 1.5 and c.b.metrics.cost_per_resolved == 0.75
    assert c.cost_ratio == 0.5 and c.cost_diff_per_task == -0.5
    assert c.cost_diff_interval == (-0.5, -0.5)  # every task costs 0.5 less: no spread
    low, high = c.pass_rate_diff_interval
    assert -1 <= low <= 0 <= high <= 1


def test_compare_text_shows_intervals_and_discordant_tasks_with_costs():
    a, b = paired_example()
    text = compare_table(a, b, resamples=500)
    assert "B / A, cost per resolved task: 0.50x" in text
    assert "B - A, cost per task:          -$0.5000 (95% CI -$0.5000 to -$0.5000)" in text
    assert "discordant tasks:" in text
    assert any(
        line.split() == ["t2", "0", "resolved", "unresolved", "$1.000", "$0.5000", "-$0.5000"]
        for line in text.splitlines()
    )


def test_compare_names_seeds_when_several():
    a = [result_row("t1", "resolved", 1, seed=s) for s in (0, 1)]
    b = [result_row("t1", "unresolved", 1, seed=s) for s in (0, 1)]
    assert "only A: 2  t1@0 t1@1" in compare_table(a, b, resamples=10)


def test_compare_cli_needs_one_policy_per_side(tmp_path, capsys):
    both = write_rows(
        tmp_path / "both.jsonl",
        [
            full_row("a", "resolved", 0.2, policy="pro"),
            full_row("a", "unresolved", 0.1, policy="flash"),
        ],
    )
    code, _, err = run_cli(capsys, "compare", both, both)
    assert code == 2 and "holds rows of 2 policies (flash, pro)" in err
    code, out, _ = run_cli(
        capsys,
        "compare",
        both,
        both,
        "--policy-a",
        "pro",
        "--policy-b",
        "flash",
        "--resamples",
        "100",
    )
    assert code == 0 and "only A: 1  a" in out


# --- check ---------------------------------------------------------------------------------


def runs(tmp_path, resolved_b, cost_b=0.1, n=20, resolved_a=16, errors_b=0):
    """A baseline resolving 16 of 20 at $0.10 a task, and a candidate."""
    a = [
        full_row(f"t{i:02}", "resolved" if i < resolved_a else "unresolved", 0.1) for i in range(n)
    ]
    b = [
        full_row(
            f"t{i:02}",
            "error" if i >= n - errors_b else "resolved" if i < resolved_b else "unresolved",
            cost_b,
        )
        for i in range(n)
    ]
    return write_rows(tmp_path / "base.jsonl", a), write_rows(tmp_path / "cand.jsonl", b)


def test_check_passes_within_bounds_exactly_at_the_threshold(tmp_path, capsys):
    # 80% -> 75%: exactly the allowed 5 points; $0.125 -> $0.1333 is +6.7%
    code, out, _ = check(capsys, *runs(tmp_path, resolved_b=15))
    assert code == 0, out
    assert "check passed: within bounds" in out
    assert "pass rate 80.0% -> 75.0% on 20 paired tasks: -5.0 points (95% CI" in out
    assert "cost per resolved task $0.1250 -> $0.1333: +6.7% (95% CI" in out
    assert "thresholds apply to the point estimates" in out and "synthetic" in out


def test_check_fails_with_a_readable_explanation(tmp_path, capsys):
    # 80% -> 70% is a 10-point drop; $0.125 -> $0.11 * 20 / 14 = $0.1571 is +25.7%
    code, out, _ = check(capsys, *runs(tmp_path, resolved_b=14, cost_b=0.11))
    assert code == 1
    assert (
        "FAIL  pass rate dropped 10.0 points (80.0% -> 70.0% on 20 paired tasks), more "
        "than the allowed 5" in out
    )
    assert (
        "FAIL  cost per resolved task rose 25.7% ($0.1250 -> $0.1571), more than the "
        "allowed +10%" in out
    )
    assert "check failed: 2 of 2 bounds exceeded" in out


def test_check_candidate_resolving_nothing_fails(tmp_path, capsys):
    code, out, _ = run_cli(
        capsys,
        "check",
        *runs(tmp_path, resolved_b=0),
        "--max-pass-rate-drop",
        "100",
        "--max-cost-per-resolved-increase",
        "10",
        "--resamples",
        "100",
    )
    assert code == 1 and "the candidate resolved none of the 20 paired tasks" in out


def test_check_github_annotations(tmp_path, capsys):
    code, out, _ = check(capsys, *runs(tmp_path, resolved_b=14, cost_b=0.09), "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert all(line.startswith("::") for line in lines)
    assert any(
        line.startswith(
            "::error title=harness check%3A pass rate::pass rate dropped "
            "10.0 points (80.0%25 -> 70.0%25"
        )
        for line in lines
    )
    assert any(
        line.startswith("::notice title=harness check%3A cost per resolved task::")
        for line in lines
    )
    assert "synthetic" in out


def test_github_annotation_escapes_what_github_would_cut():
    assert (
        github_annotation("error", "a: b, c", "50% done\nnext")
        == "::error title=a%3A b%2C c::50%25 done%0Anext"
    )


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--min-tasks", "21"], "20 paired task(s) between"),
        (["--max-pass-rate-drop", "-1"], "--max-pass-rate-drop must be zero or more"),
    ],
)
def test_check_bad_input_is_exit_2(tmp_path, capsys, extra, message):
    code, out, err = check(capsys, *runs(tmp_path, resolved_b=15), *extra)
    assert code == 2 and message in err and err.count("\n") == 1 and out == ""


def test_check_bad_input_files(tmp_path, capsys):
    base, _ = runs(tmp_path, resolved_b=15)
    code, _, err = check(capsys, base, str(tmp_path / "missing.jsonl"))
    assert code == 2 and "results file not found" in err
    all_errors = write_rows(tmp_path / "errors.jsonl", [full_row("t00", "error", 0.0)])
    code, out, err = check(capsys, base, all_errors, "--format", "github")
    assert code == 2 and "no paired tasks between" in err
    assert out.startswith("::error title=harness check%3A bad input::no paired tasks")


def test_check_findings_point_estimates_and_intervals():
    a = [result_row(f"t{i}", "resolved" if i < 8 else "unresolved", 0.1) for i in range(10)]
    b = [result_row(f"t{i}", "resolved" if i < 7 else "unresolved", 0.1) for i in range(10)]
    findings = gate_findings(compare_runs(a, b, resamples=200), 10, 0.2)
    assert [f.ok for f in findings] == [True, True]
    assert "-10.0 points" in findings[0].message and "+14.3%" in findings[1].message
    assert gate_github(findings, ["context"]).startswith("::notice title=harness check::context")
