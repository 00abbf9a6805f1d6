"""The oracle bound of two tiers, and each policy against it."""

from harness.reporting.collect import Collector
from harness.reporting.oracle import oracle_lines

from .helpers import result_row, run_cli, write_rows


def outcome_rows(policy, statuses, costs, calls=None):
    return [
        result_row(f"t{i}", status, cost, policy=policy, **({"calls": calls[i]} if calls else {}))
        for i, (status, cost) in enumerate(zip(statuses, costs))
    ]


R, U, E = "resolved", "unresolved", "error"
FLASH = outcome_rows("flash", [R, R, U, U, R], [0.1, 0.1, 0.1, 0.1, 0.1])
PRO = outcome_rows("pro", [U, R, R, U, E], [0.3, 0.05, 0.3, 0.2, 0.3])
CASCADE = outcome_rows(
    "cascade",
    [R, R, R, U, R],
    [0.1, 0.2, 0.4, 0.3, 0.1],
    [
        {"flash": 4},
        {"flash": 3, "pro": 1},
        {"flash": 2, "pro": 2},
        {"flash": 3, "pro": 1},
        {"flash": 1},
    ],
)


def lines_of(*groups):
    collector = Collector()
    collector.feed("rows", [r for rows in groups for r in rows])
    return {line.label: line for line in oracle_lines(collector.finish(), resamples=300)}


def test_the_oracle_takes_whichever_tier_resolved_at_the_cheaper_cost():
    lines = lines_of(FLASH, PRO, CASCADE)
    oracle = lines["oracle(flash+pro)*"]
    # t4 is an error for pro: left out. t0 flash, t1 both (pro cheaper), t2 pro, t3 neither
    assert (oracle.tasks, oracle.resolved, oracle.cheap_resolved) == (4, 3, 2)
    assert oracle.oracle_cost_usd == 0.1 + 0.05 + 0.3 + 0.1  # neither: the cheaper attempt
    assert oracle.cost_per_resolved == (0.1 + 0.05 + 0.3 + 0.1) / 3


def test_a_policy_is_judged_by_the_gap_it_closes_and_the_pro_calls_it_needed():
    lines = lines_of(FLASH, PRO, CASCADE)
    cascade = lines["cascade*"]
    assert (cascade.tasks, cascade.resolved) == (4, 3)
    assert cascade.gap_closed == 1.0  # flash 2, oracle 3, cascade 3
    assert cascade.strong_share == 4 / 16  # on the 4 paired tasks: 4 pro calls of 16
    assert lines["flash*"].gap_closed == 0.0
    assert lines["flash*"].strong_share is None  # its rows did not record calls
    low, high = cascade.gap_interval
    assert low <= 1.0 <= high


def test_no_oracle_without_both_tiers():
    assert lines_of(FLASH, CASCADE) == {}


def test_report_shows_the_oracle_and_takes_other_tier_policies(tmp_path, capsys):
    files = [
        write_rows(tmp_path / f"{n}.jsonl", rows)
        for n, rows in (("f", FLASH), ("p", PRO), ("c", CASCADE))
    ]
    code, out, _ = run_cli(capsys, "report", *files, "--resamples", "200")
    assert code == 0 and "Oracle bound" in out
    oracle = out[out.index("Oracle bound") :]
    cascade = next(line for line in oracle.splitlines() if line.startswith("cascade*"))
    assert cascade.split()[1:5] == ["4", "75.0%", "50.0%", "75.0%"] and "25.0%" in cascade
    code, out, _ = run_cli(capsys, "report", *files, "--oracle", "pro,flash", "--resamples", "100")
    assert code == 0 and "oracle(pro+flash)*" in out
    code, out, err = run_cli(capsys, "report", *files, "--oracle", "flash")
    assert code == 2 and "--oracle takes two policies" in err and out == ""
