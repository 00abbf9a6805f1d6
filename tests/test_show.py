import json
from pathlib import Path

import pytest

from harness import HarnessError
from harness.cli import main
from harness.reporting.show import find_trajectories, format_trajectory
from harness.reporting.tables import money
from harness.results import ResultRow, Trajectory

ROW = {
    "instance_id": "t-1",
    "policy": "cascade",
    "seed": 0,
    "status": "resolved",
    "turns": 1,
    "escalations": 1,
    "cost_usd": 0.001,
    "synthetic": True,
    "schema_version": 2,
    "model_name_or_path": "sim:cascade",
    "model_patch": "",
    "run_id": "r",
    "policy_hash": "h",
    "backend": "sim",
    "price_table": "p",
    "trajectory": "run.trajectories/t-1.cascade.seed0.json",
}
USAGE = {"cache_hit": 0, "cache_miss": 10, "output": 5, "reasoning": 0}
TRAJECTORY = {
    "instance_id": "t-1",
    "exit_reason": "submitted",
    "calls": [
        {
            "turn": 0,
            "tier": "flash",
            "model": "f",
            "reason": "default",
            "usage": USAGE,
            "cost_usd": 0.0001,
        },
        {
            "turn": 0,
            "tier": "pro",
            "model": "p",
            "reason": "tests_red",
            "usage": USAGE,
            "cost_usd": 0.0009,
            "usage_source": "estimated",
            "usage_note": "the response carries no usage; estimated from the request and reply",
            "reasoning_content": "flash's edit broke the parser;\nrestore it, then guard the input",
        },
    ],
    "turns": [
        {
            "index": 0,
            "tier": "pro",
            "reason": "tests_red",
            "action": "edit",
            "outcome": "ok",
            "observation": "Edit applied; the check command passed.",
            "reply": "THOUGHT: fix\n\n```diff\n+good\n```",
            "escalated_from": "tests_red",
            "failed_reply": "THOUGHT: try\n\n```diff\n+bad\n```",
            "failed_observation": "Edit applied; the check command failed (exit 1).",
        }
    ],
    "verdict": {"status": "resolved", "reason": ""},
}


def test_format_marks_escalations_and_shows_both_attempts():
    text = format_trajectory(
        ResultRow.model_validate_json(json.dumps(ROW)),
        Trajectory.model_validate_json(json.dumps(TRAJECTORY)),
    )
    assert "[synthetic]" in text.splitlines()[0]
    assert "turn 0  pro  edit  -> ok  ^ ESCALATED after tests_red" in text
    assert "reason tests_red" in text and "reason default" in text
    assert "+bad" in text and "+good" in text and text.index("+bad") < text.index("+good")
    assert text.rstrip().endswith("verdict: resolved")


def test_a_call_shows_the_reasoning_it_carried_and_how_its_usage_is_known():
    text = format_trajectory(
        ResultRow.model_validate_json(json.dumps(ROW)),
        Trajectory.model_validate_json(json.dumps(TRAJECTORY)),
    )
    pro = text.index("call pro")
    assert "~$0.0009" in text[pro:] and "usage estimated: the response carries no usage" in text
    assert "      flash's edit broke the parser;\n      restore it, then guard the input" in text
    assert text.index("reasoning:") > pro


def test_find_reads_the_trajectory_beside_the_results(tmp_path):
    (tmp_path / "run.trajectories").mkdir()
    (tmp_path / "run.trajectories" / "t-1.cascade.seed0.json").write_text(json.dumps(TRAJECTORY))
    (tmp_path / "run.jsonl").write_text(json.dumps(ROW) + "\n")
    [found] = find_trajectories(tmp_path / "run.jsonl", "t-1")
    assert found.trajectory == Trajectory.model_validate_json(json.dumps(TRAJECTORY))
    with pytest.raises(HarnessError, match="no row for instance 'nope'"):
        find_trajectories(tmp_path / "run.jsonl", "nope")


BASELINES = Path(__file__).parent.parent / "results"


def test_show_on_a_committed_baseline_says_what_the_row_holds(capsys):
    """The baselines ship without trajectories: show still has something to say."""
    code = main(["show", str(BASELINES / "baseline-cascade.jsonl"), "acme__ledgerdb-2"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("acme__ledgerdb-2  policy cascade  seed 0  status resolved")
    row = next(
        ResultRow.model_validate_json(line)
        for line in (BASELINES / "baseline-cascade.jsonl").read_text().splitlines()
        if '"acme__ledgerdb-2"' in line
    )
    assert f"cost {money(row.cost_usd)}" in lines[0] and "[synthetic]" in lines[0]
    assert "was not kept with the results" in lines[1]
    assert f"FAIL_TO_PASS: {len(row.FAIL_TO_PASS.success)} passed, 0 failed" in out
    usage = row.tokens["flash"]
    assert f"hit {usage.cache_hit} miss {usage.cache_miss} out {usage.output}" in out
    assert "diff --git a/ledgerdb/query.py" in out


def test_show_prints_every_attempt_and_marks_the_replaced_one(tmp_path, capsys):
    error = {**ROW, "status": "error", "status_reason": "the grading container stopped"}
    error["trajectory"] = "run.trajectories/gone.json"
    (tmp_path / "run.trajectories").mkdir()
    (tmp_path / "run.trajectories" / "t-1.cascade.seed0.json").write_text(json.dumps(TRAJECTORY))
    (tmp_path / "run.jsonl").write_text(json.dumps(error) + "\n" + json.dumps(ROW) + "\n")
    code = main(["show", str(tmp_path / "run.jsonl"), "t-1"])
    out, _ = capsys.readouterr()
    assert code == 0
    first, second = out.split("\n\n", 1)
    assert "status error" in first and "attempt 1 of 2 (replaced)" in first
    assert "reason: the grading container stopped" in first
    assert "attempt 2 of 2" in second and "ESCALATED after tests_red" in second


def test_an_invalid_trajectory_is_still_bad_input(tmp_path, capsys):
    (tmp_path / "run.trajectories").mkdir()
    (tmp_path / "run.trajectories" / "t-1.cascade.seed0.json").write_text('{"turns": 5}')
    (tmp_path / "run.jsonl").write_text(json.dumps(ROW) + "\n")
    code = main(["show", str(tmp_path / "run.jsonl"), "t-1"])
    _, err = capsys.readouterr()
    assert code == 2 and "is not valid" in err and err.count("\n") == 1
