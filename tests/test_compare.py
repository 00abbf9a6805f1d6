"""compare and check: noise, tasks needed, seeds clustered, spend with reruns."""

import pytest

from harness.reporting.compare_text import comparison_text

from .helpers import ROOT, check, compare_runs, result_row, run_cli, write_rows


def side(policy, resolved, n=40, cost=0.1, seeds=(0,)):
    return [
        result_row(
            f"t{i:02}", "resolved" if i < resolved else "unresolved", cost, policy=policy, seed=s
        )
        for s in seeds
        for i in range(n)
    ]


def test_a_small_difference_on_few_tasks_is_called_noise_with_the_tasks_needed():
    c = compare_runs(side("a", 24), side("b", 26), resamples=2000)
    assert c.pass_rate_noise.within
    assert c.pass_rate_noise.tasks_needed > 40
    text = comparison_text(c)
    assert (
        "pass rate: within noise (exact McNemar p = 0.5; its exact 95% interval includes no "
        in text
    )
    assert f"would need about {c.pass_rate_noise.tasks_needed:,} paired tasks to show" in text


def test_a_large_difference_is_more_than_noise():
    c = compare_runs(side("a", 10, n=200), side("b", 150, n=200, cost=0.3), resamples=1000)
    assert not c.pass_rate_noise.within and c.pass_rate_noise.tasks_needed is None
    assert "pass rate: the difference is more than noise" in comparison_text(c)


def test_equal_costs_per_resolved_task_have_nothing_to_detect():
    c = compare_runs(side("a", 20), side("b", 20), resamples=500)
    assert c.cost_noise.within and c.cost_noise.tasks_needed is None
    assert "cost per resolved task: no difference to tell apart from noise" in comparison_text(c)


def test_seeds_of_one_task_are_resampled_together():
    a, b = side("a", 20, seeds=(0, 1, 2)), side("b", 30, seeds=(0, 1, 2))
    c = compare_runs(a, b, resamples=1000)
    assert (c.n, c.tasks) == (120, 40)
    one_seed = compare_runs(side("a", 20), side("b", 30), resamples=1000)
    # the same outcome on every seed: three seeds tell no more than one, for the test too
    assert c.p_value == pytest.approx(one_seed.p_value) == pytest.approx(2 / 1024)
    assert c.cost_ratio_interval == pytest.approx(one_seed.cost_ratio_interval)
    text = comparison_text(c)
    assert "cluster bootstrap over 40 tasks, each with its pairs over 3 seeds" in text
    assert "clustered by task (the sign-flip test over 40 tasks" in text


@pytest.mark.parametrize(
    "rows, said",
    [
        (
            [
                result_row("t1", "error", 0.02, run_id="r1"),
                result_row("t1", "resolved", 0.06, run_id="r2"),
            ],
            "1 errored attempt(s) run again",
        ),
        (
            [result_row("t1", "resolved", 0.06, lost_attempts=1, lost_cost_usd=0.02)],
            "1 attempt(s) lost and run again",
        ),
    ],
    ids=["rerun", "lost-node"],
)
def test_compare_counts_the_spend_of_errored_and_lost_attempts(tmp_path, capsys, rows, said):
    a = write_rows(tmp_path / "a.jsonl", rows)
    b = write_rows(tmp_path / "b.jsonl", [result_row("t1", "resolved", 0.05)])
    code, out, _ = run_cli(capsys, "compare", a, b, "--resamples", "100")
    assert code == 0 and "paired tasks: 1" in out
    assert (
        "A spent $0.08000 in all, $0.02000 of it on attempts that ended in an error, " + said in out
    )


def test_compare_refuses_a_file_with_two_configurations_of_the_policy(tmp_path, capsys):
    appended = result_row("t1", "resolved", 0.05).model_copy(
        update={"policy_hash": "h2", "run_id": "r2"}
    )
    a = write_rows(tmp_path / "a.jsonl", [result_row("t1", "unresolved", 0.06), appended])
    b = write_rows(tmp_path / "b.jsonl", [result_row("t1", "resolved", 0.05)])
    code, _, err = run_cli(capsys, "compare", a, b)
    assert code == 2 and "holds results of policy cascade under several configurations" in err
    assert len(err.strip().splitlines()) == 1


def test_check_says_whether_a_difference_is_noise(tmp_path, capsys):
    base = write_rows(tmp_path / "base.jsonl", side("cascade", 24))
    cand = write_rows(tmp_path / "cand.jsonl", side("cascade", 23))
    code, out, _ = check(capsys, base, cand)
    assert code == 0
    assert "pass rate: within noise" in out and "paired tasks to show" in out


def test_compare_lists_at_most_50_discordant_tasks(tmp_path):
    a, b = side("a", 100, n=100), side("b", 0, n=100)
    text = comparison_text(compare_runs(a, b, resamples=100))
    assert "discordant tasks (the first 50 of 100):" in text
    assert "t49" in text and "t50 " not in text.split("discordant tasks")[1]


def test_compare_and_check_count_the_spend_of_errored_attempts_as_report_does(tmp_path, capsys):
    """The errored attempt at t1 cost $0.02 and was run again: report's cost per resolved
    task is ($0.02 + $0.06 + $0.05) / 2, and so must be compare's and the gate's."""
    a = write_rows(
        tmp_path / "a.jsonl",
        [
            result_row("t1", "error", 0.02, started_at="2026-01-01T00:00:00+00:00"),
            result_row("t1", "resolved", 0.06, started_at="2026-01-01T01:00:00+00:00"),
            result_row("t2", "resolved", 0.05),
        ],
    )
    base = write_rows(
        tmp_path / "base.jsonl",
        [result_row("t1", "resolved", 0.05), result_row("t2", "resolved", 0.03)],
    )
    _, report, _ = run_cli(capsys, "report", a, "--resamples", "100")
    assert "$0.06500" in report.splitlines()[2]  # cost/resolved
    code, out, _ = run_cli(capsys, "compare", base, a, "--resamples", "100")
    assert code == 0
    row_b = next(line.split() for line in out.splitlines() if line.startswith("B   "))
    # resolved, pass rate, total cost, error cost, cost/task, cost/resolved, graded cost/resolved
    assert row_b[1:] == ["2", "100.0%", "$0.1300", "$0.02000", "$0.06500", "$0.06500", "$0.05500"]
    assert "B / A, cost per resolved task: 1.62x" in out
    # graded cost alone rose 37.5%, every dollar spent 62.5%: the gate sees the 62.5%
    code, out, _ = check(capsys, base, a, "--max-cost-per-resolved-increase", "0.5")
    assert code == 1 and "cost per resolved task rose 62.5% ($0.04000 -> $0.06500)" in out


def test_four_discordant_tasks_are_not_called_more_than_noise(capsys):
    """flash and cascade baselines: cascade alone resolves 4 tasks, exact p = 0.125."""
    flash, cascade = (str(ROOT / "results" / f"baseline-{p}.jsonl") for p in ("flash", "cascade"))
    code, out, _ = run_cli(capsys, "compare", flash, cascade, "--resamples", "500")
    assert code == 0 and "exact McNemar p-value: 0.125 (0 only A vs 4 only B)" in out
    assert "pass rate: the difference is more than noise" not in out
    assert (
        "pass rate: within noise (exact McNemar p = 0.125; its exact 95% interval includes" in out
    )
    assert "+10.0 points (95% CI -2.0 to +10.0, exact, given the discordant tasks)" in out
    code, out, _ = run_cli(
        capsys,
        "check",
        flash,
        cascade,
        "--max-pass-rate-drop",
        "0",
        "--max-cost-per-resolved-increase",
        "2",
        "--resamples",
        "500",
    )
    assert (
        code == 0
        and "pass rate: within noise (exact McNemar p = 0.125; its exact 95% interval includes"
        in out
    )
    assert "+10.0 points (95% CI -2.0 to +10.0, exact" in out


def test_a_graded_only_file_shows_no_cost_rather_than_zero(tmp_path, capsys):
    a = write_rows(tmp_path / "a.jsonl", side("cascade", 20, n=30, cost=0.1))
    b = write_rows(tmp_path / "b.jsonl", side("cascade", 25, n=30, cost=None))
    code, out, _ = run_cli(capsys, "compare", a, b, "--resamples", "200")
    assert code == 0
    assert "B spent - in all: 30 row(s) hold no cost" in out
    assert "B - A, cost per task:          -" in out
    assert "B / A, cost per resolved task: -" in out
    row_b = next(line.split() for line in out.splitlines() if line.startswith("B   "))
    assert row_b[3:] == ["-"] * 5
    assert "+$0.00" not in out and "B spent $0.00" not in out
    code, out, _ = check(capsys, a, b)
    assert code == 0 and "cost per resolved task: not known" in out
