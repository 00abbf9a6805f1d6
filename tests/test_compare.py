"""compare and check: noise, tasks needed, seeds clustered, spend with reruns."""

import pytest

from harness.reporting.compare_text import comparison_text

from .helpers import check, compare_runs, result_row, run_cli, write_rows


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
    assert "pass rate: within noise (its 95% interval includes no change)" in text
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
    # the same outcome on every seed: three seeds tell no more than one
    assert c.pass_rate_diff_interval == one_seed.pass_rate_diff_interval
    assert "cluster bootstrap over 40 tasks, each with its pairs over 3 seeds" in comparison_text(c)


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
