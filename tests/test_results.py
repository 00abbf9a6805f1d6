import json
from dataclasses import replace

import pytest

from harness import HarnessError
from harness.results import ResultRow, ResultStore, read_rows


def row(instance_id="t-1", status="resolved", seed=0, policy="cascade"):
    return ResultRow(instance_id=instance_id, model_name_or_path="m", model_patch="diff",
                     run_id="r", policy=policy, policy_hash="h", backend="sim", synthetic=True,
                     seed=seed, price_table="v", status=status)


def test_rows_are_swebench_predictions(tmp_path):
    store = ResultStore(tmp_path / "out.jsonl")
    store.append(row())
    [line] = (tmp_path / "out.jsonl").read_text().splitlines()
    data = json.loads(line)
    assert {"instance_id", "model_name_or_path", "model_patch"} <= data.keys()
    assert data["schema_version"] == 1


def test_resume_knows_finished_rows_and_can_retry_errors(tmp_path):
    store = ResultStore(tmp_path / "out.jsonl")
    store.append(row("a"))
    store.append(row("b", status="error"))
    store.append(row("a", seed=1))
    assert store.done() == {("a", "cascade", 0), ("b", "cascade", 0), ("a", "cascade", 1)}
    assert store.done(retry_errors=True) == {("a", "cascade", 0), ("a", "cascade", 1)}


def test_a_truncated_last_line_is_skipped_with_a_warning_then_replaced(tmp_path):
    path = tmp_path / "out.jsonl"
    store = ResultStore(path)
    store.append(row("a"))
    with open(path, "a") as out:
        out.write('{"instance_id": "b", "stat')  # a crash mid-write
    warnings = []
    assert [r["instance_id"] for r in read_rows(path, warnings.append)] == ["a"]
    assert "line 2 is truncated" in warnings[0]
    store.append(row("b"))
    assert [r["instance_id"] for r in read_rows(path)] == ["a", "b"]


def test_bad_files_get_one_line_errors(tmp_path):
    with pytest.raises(HarnessError, match="results file not found"):
        read_rows(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('not json\n{"schema_version": 1}\n')
    with pytest.raises(HarnessError, match="line 1 is not valid JSON"):
        read_rows(bad)
    other = tmp_path / "other.jsonl"
    other.write_text('{"schema_version": 99}\n')
    with pytest.raises(HarnessError, match="line 1 is not a result row of schema version 1"):
        read_rows(other)


def test_trajectories_go_beside_the_results(tmp_path):
    store = ResultStore(tmp_path / "run.jsonl")
    path = store.write_trajectory("t-1", "cascade", 0, {"turns": []})
    assert path.parent == tmp_path / "run.trajectories"
    assert json.loads(path.read_text()) == {"turns": []}


def test_row_key():
    assert replace(row(), seed=3).key == ("t-1", "cascade", 3)
