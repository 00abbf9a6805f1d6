import pytest

from harness.report import compare_table, summarize, summary_table, wilson_interval


def row(instance_id, status, cost, policy="cascade", seed=0, escalations=0, turns=4):
    return {"instance_id": instance_id, "status": status, "cost_usd": cost, "policy": policy,
            "seed": seed, "escalations": escalations, "turns": turns, "synthetic": True}


def test_wilson_interval_known_values():
    low, high = wilson_interval(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_errors_are_not_failures():
    rows = [row("a", "resolved", 0.2), row("b", "unresolved", 0.1), row("c", "error", 0.0),
            row("d", "empty_patch", 0.1, escalations=2)]
    [s] = summarize(rows)
    assert (s.tasks, s.resolved, s.errors, s.graded) == (4, 1, 1, 3)
    assert s.pass_rate == pytest.approx(1 / 3)
    assert s.cost_per_resolved == pytest.approx(0.4)
    assert s.escalation_rate == pytest.approx(2 / 16)


def test_summary_table_shows_the_numbers_and_the_synthetic_banner():
    text = summary_table(summarize([row("a", "resolved", 0.25), row("b", "unresolved", 0.25)]))
    assert "50.0% (9-91%)" in text
    assert "$0.5000" in text and "$0.2500" in text
    assert "synthetic" in text


def test_compare_pairs_tasks():
    a = [row("t1", "resolved", 1), row("t2", "resolved", 1), row("t3", "unresolved", 1),
         row("t4", "error", 1)]
    b = [row("t1", "resolved", 0.5), row("t2", "unresolved", 0.5), row("t3", "resolved", 0.5),
         row("t4", "resolved", 0.5)]
    text = compare_table(a, b)
    assert "paired tasks: 3" in text
    assert "only A: 1  t2" in text and "only B: 1  t3" in text
    assert "resolved by both: 1" in text and "neither: 0" in text
