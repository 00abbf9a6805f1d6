"""Reading results files into groups: reruns, duplicates, repeats, grouping columns."""

import pytest

from harness import HarnessError
from harness.reporting.collect import collect, summarize
from harness.reporting.grouping import group_columns

from .helpers import full_row, result_row, run_cli, write_rows


def test_the_very_same_rows_twice_count_once(tmp_path, capsys):
    results = write_rows(
        tmp_path / "r.jsonl", [result_row("a", "error", 0.5), result_row("a", "resolved", 0.25)]
    )
    warnings = []
    [summary] = collect([tmp_path / "r.jsonl"] * 2, warn=warnings.append).summaries()
    m = summary.metrics
    assert (m.tasks, m.resolved, m.cost_usd, m.error_cost_usd) == (1, 1, 0.75, 0.5)
    assert any("2 duplicate row(s): the very same row given twice" in w for w in warnings)
    code, out, _ = run_cli(capsys, "report", results, results)
    assert code == 0 and "cascade*      1         1" in out


def test_repeats_in_other_files_are_pooled_with_a_cluster_interval(tmp_path):
    # 20 tasks, two seeds each in its own file, the same outcome on both seeds: 40 rows that
    # carry no more information than 20
    files = []
    for seed in (0, 1):
        rows = [
            result_row(f"t{i}", "resolved" if i < 12 else "unresolved", 0.1, seed=seed)
            for i in range(20)
        ]
        files.append(tmp_path / f"seed{seed}.jsonl")
        write_rows(files[-1], rows)
    collected = collect(files)
    [pooled] = collected.summaries()
    [single] = summarize(
        result_row(f"t{i}", "resolved" if i < 12 else "unresolved", 0.1) for i in range(20)
    )
    assert (pooled.metrics.tasks, pooled.metrics.repeated) == (40, 20)
    low, high = pooled.metrics.interval
    # as wide as one seed's bootstrap interval, not Wilson on 40 "independent" rows
    assert (low, high) == single.metrics.intervals().pass_rate
    assert high - low > 0.3
    assert any("20 of 20 tasks have several rows" in note for note in pooled.notes)


def test_group_by_any_scalar_column_and_aliases(tmp_path, capsys):
    results = write_rows(
        tmp_path / "r.jsonl",
        [
            full_row("a", "resolved", 0.2, seed=0),
            full_row("a", "unresolved", 0.4, seed=1),
            full_row("b", "resolved", 0.2, seed=1),
        ],
    )
    code, out, _ = run_cli(capsys, "report", results, "--group-by", "seed", "--resamples", "200")
    assert code == 0
    assert out.startswith("seed ")
    assert [line.split()[:3] for line in out.splitlines()[2:4]] == [
        ["seed=0*", "1", "1"],
        ["seed=1*", "2", "1"],
    ]
    assert group_columns(["model", "rules", "seed"]) == (
        "model_name_or_path",
        "policy_hash",
        "seed",
    )
    code, out, _ = run_cli(capsys, "report", results, "--group-by", "policy,rules")
    assert code == 0 and "policy=cascade policy_hash=h*" in out


@pytest.mark.parametrize("name", ["tokens", "nonsense", "FAIL_TO_PASS"])
def test_grouping_by_a_column_without_one_value_is_bad_input(tmp_path, capsys, name):
    results = write_rows(tmp_path / "r.jsonl", [full_row("a", "resolved", 0.2)])
    code, out, err = run_cli(capsys, "report", results, "--group-by", name)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"cannot group by {name!r}" in err
    with pytest.raises(HarnessError):
        group_columns([name])


def test_rows_written_before_calls_were_recorded_are_counted_apart():
    old = summarize([full_row("a", "resolved", 0.2)])[0].metrics
    assert (old.calls, old.uncounted_calls) == ({}, 1)
    new = summarize([full_row("a", "resolved", 0.2, calls={"flash": 3, "pro": 1})])[0].metrics
    assert (new.calls, new.uncounted_calls) == ({"flash": 3, "pro": 1}, 0)


def test_spend_of_attempts_lost_with_their_node_is_in_the_total_and_error_cost(tmp_path):
    results = write_rows(
        tmp_path / "r.jsonl",
        [
            result_row("a", "resolved", 0.25, lost_attempts=2, lost_cost_usd=0.5),
            result_row("b", "resolved", 0.25),
        ],
    )
    collected = collect([results])
    [summary] = collected.summaries()
    m = summary.metrics
    assert (m.tasks, m.resolved, m.cost_usd, m.error_cost_usd) == (2, 2, 1.0, 0.5)
    assert (m.cost_per_resolved, m.graded_cost_per_resolved) == (0.5, 0.25)
    assert any("2 attempt(s) were lost (their node died" in note for note in summary.notes)


def test_a_run_appended_under_other_rules_is_another_result_not_a_rerun(tmp_path):
    first = [result_row(f"t{i}", "resolved" if i < 3 else "unresolved", 0.1) for i in range(4)]
    appended = [
        r.model_copy(update={"policy_hash": "h2", "run_id": "r2", "cost_usd": 0.3})
        for r in (result_row(f"t{i}", "resolved", 0.3) for i in range(4))
    ]
    results = write_rows(tmp_path / "r.jsonl", first + appended)
    warnings = []
    collected = collect([results], group_by=["rules"], warn=warnings.append)
    by_rules = {dict(s.group)["policy_hash"]: s.metrics for s in collected.summaries()}
    assert (by_rules["h"].tasks, by_rules["h"].resolved, by_rules["h"].cost_usd) == (4, 3, 0.4)
    assert (by_rules["h2"].tasks, by_rules["h2"].resolved) == (4, 4)
    assert not any("duplicate" in w for w in warnings)
    [mixed] = collect([results], warn=warnings.append).summaries()
    assert (mixed.metrics.tasks, mixed.metrics.resolved) == (8, 7)
    assert any(
        "tasks have results under several configurations (4 task(s)" in n for n in mixed.notes
    )


def test_a_rerun_is_an_attempt_at_the_same_result_when_only_one_row_records_settings(tmp_path):
    old = result_row("a", "error", 0.5)  # written before rows recorded their settings
    new = result_row("a", "resolved", 0.25, settings={"models": {"flash": "f"}, "prompt_hash": "p"})
    other = result_row(
        "b", "resolved", 0.25, settings={"models": {"flash": "f"}, "prompt_hash": "p"}
    )
    changed = other.model_copy(
        update={
            "run_id": "r2",
            "settings": new.settings.model_copy(update={"models": {"flash": "g"}}),
        }
    )
    [summary] = collect([write_rows(tmp_path / "r.jsonl", [old, new, other, changed])]).summaries()
    m = summary.metrics
    # a's error was run again; b's second row is another model's result
    assert (m.tasks, m.resolved, m.retried, m.repeated) == (3, 3, 1, 1)
