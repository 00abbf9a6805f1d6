import json

import pytest

from harness import HarnessError
from harness.reporting.show import find_trajectories, format_trajectory
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


def test_find_reads_the_trajectory_beside_the_results(tmp_path):
    (tmp_path / "run.trajectories").mkdir()
    (tmp_path / "run.trajectories" / "t-1.cascade.seed0.json").write_text(json.dumps(TRAJECTORY))
    (tmp_path / "run.jsonl").write_text(json.dumps(ROW) + "\n")
    [(row, trajectory)] = find_trajectories(tmp_path / "run.jsonl", "t-1")
    assert trajectory == Trajectory.model_validate_json(json.dumps(TRAJECTORY))
    with pytest.raises(HarnessError, match="no row for instance 'nope'"):
        find_trajectories(tmp_path / "run.jsonl", "nope")
