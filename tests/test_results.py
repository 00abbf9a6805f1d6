import json

import pytest

from harness import HarnessError
from harness.pricing import Usage
from harness.results import (
    STATUSES,
    ModelCall,
    ResultRow,
    ResultStore,
    RunIdentity,
    Trajectory,
    Turn,
    Verdict,
    read_rows,
)
from harness.results.resume import finished
from harness.results.row import SCHEMA_PATH, SCHEMA_VERSION, json_schema

from .helpers import result_row


def identity_of(made):
    """The identity of the run that wrote a row: resuming compares rows with it."""
    return RunIdentity(**{k: getattr(made, k) for k in RunIdentity.model_fields})


def test_rows_are_swebench_predictions(tmp_path):
    store = ResultStore(tmp_path / "out.jsonl")
    store.append(result_row())
    [line] = (tmp_path / "out.jsonl").read_text().splitlines()
    data = json.loads(line)
    assert {"instance_id", "model_name_or_path", "model_patch"} <= data.keys()
    assert data["schema_version"] == SCHEMA_VERSION


def test_resume_knows_finished_rows_and_can_retry_errors(tmp_path):
    store = ResultStore(tmp_path / "out.jsonl")
    store.append(result_row("a"))
    store.append(result_row("b", status="error"))
    store.append(result_row("a", seed=1))
    identity = identity_of(result_row())
    done = {("a", "cascade", 0), ("b", "cascade", 0), ("a", "cascade", 1)}
    assert finished(store.path, identity, []) == done
    assert finished(store.path, identity, [], retry_errors=True) == done - {("b", "cascade", 0)}


def test_a_truncated_last_line_is_skipped_with_a_warning_and_kept(tmp_path):
    path = tmp_path / "out.jsonl"
    store = ResultStore(path)
    store.append(result_row("a"))
    torn = '{"instance_id": "b", "stat'
    with open(path, "a") as out:
        out.write(torn)  # a crash mid-write
    warnings = []
    assert [r.instance_id for r in read_rows(path, warnings.append)] == ["a"]
    assert "line 2 is truncated" in warnings[0]
    store.append(result_row("b"))
    assert path.read_text().splitlines() == [
        result_row("a").to_json(),
        torn,
        result_row("b").to_json(),
    ]
    warnings.clear()
    assert [r.instance_id for r in read_rows(path, warnings.append)] == ["a", "b"]
    assert "line 2 is truncated" in warnings[0]


def test_a_complete_last_row_without_a_newline_is_done_and_never_removed(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text(result_row("a").to_json())  # e.g. a tool that strips the final newline
    store = ResultStore(path)
    assert finished(path, identity_of(result_row()), []) == {("a", "cascade", 0)}
    store.append(result_row("b"))
    assert path.read_text() == result_row("a").to_json() + "\n" + result_row("b").to_json() + "\n"


@pytest.mark.parametrize("text", ["hello", "my notes\nmore notes", "x = 1\n", "{not json}"])
def test_a_file_that_holds_no_rows_is_refused_and_left_alone(tmp_path, text):
    path = tmp_path / "notes.txt"
    path.write_text(text)
    with pytest.raises(HarnessError, match="line 1 is not valid JSON"):
        finished(path, identity_of(result_row()), [])
    assert path.read_text() == text


def test_bad_files_get_one_line_errors(tmp_path):
    with pytest.raises(HarnessError, match="results file not found"):
        read_rows(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('not json\n{"schema_version": 1}\n')
    with pytest.raises(HarnessError, match="line 1 is not valid JSON"):
        read_rows(bad)
    other = tmp_path / "other.jsonl"
    other.write_text('{"schema_version": 99}\n')
    with pytest.raises(
        HarnessError,
        match=r"line 1 is not a result row of schema version 3 "
        r"\(schema version 99; this harness reads versions 1, 2, 3\)",
    ):
        read_rows(other)


def test_trajectories_go_beside_the_results_and_read_back_the_same(tmp_path):
    store = ResultStore(tmp_path / "run.jsonl")
    trajectory = realistic_trajectory()
    path = store.write_trajectory(trajectory)
    assert path == "run.trajectories/acme__calc-1.cascade.seed0.json"
    assert Trajectory.from_json((tmp_path / path).read_text()) == trajectory


def test_a_row_sums_its_trajectory_up():
    identity = RunIdentity(
        run_id="r",
        model_name_or_path="m",
        policy="cascade",
        policy_hash="h",
        backend="sim",
        synthetic=True,
        seed=0,
        price_table="v",
        harness_version="1",
    )
    made = realistic_trajectory().to_row(identity, 1.23456, "2026-07-01T10:00:00+00:00", "p")
    assert (made.turns, made.escalations, made.status) == (1, 1, "resolved")
    assert made.tokens == {"flash": Usage(0, 100, 10), "pro": Usage(0, 300, 20)}
    assert made.cost_usd == pytest.approx(0.004) and made.cost_by_tier["pro"] == 0.003
    assert made.wall_time_s == 1.235 and made.FAIL_TO_PASS.success == ["t::a"]
    assert (made.retries, made.retry_wait_s) == (2, 1.25)
    assert ResultRow.from_json(made.to_json()) == made


def test_row_key():
    assert result_row().model_copy(update={"seed": 3}).key == ("t-1", "cascade", 3)


# --- the JSON Schema -------------------------------------------------------------------------


def realistic_trajectory():
    calls = [
        ModelCall(
            turn=0,
            tier="flash",
            model="f",
            reason="default",
            usage=Usage(0, 100, 10),
            cost_usd=0.001,
        ),
        ModelCall(
            turn=0,
            tier="pro",
            model="p",
            reason="tests_red",
            usage=Usage(0, 300, 20),
            cost_usd=0.003,
            retries=2,
            retry_wait_s=1.25,
        ),
    ]
    turn = Turn(
        index=0,
        tier="pro",
        reason="tests_red",
        action="edit",
        outcome="ok",
        observation="ok",
        escalated_from="tests_red",
        failed_reply="bad",
    )
    return Trajectory(
        instance_id="acme__calc-1",
        messages=[{"role": "user", "content": "x"}],
        calls=calls,
        turns=[turn],
        escalations=1,
        exit_reason="submitted",
        patch="diff",
        policy="cascade",
        verdict=Verdict(status="resolved", FAIL_TO_PASS={"success": ["t::a"]}),
    )


def realistic_row(**changes):
    """A row with every group of fields filled in, as a real run writes it."""
    return result_row(
        "acme__calc-1",
        "resolved",
        0.0041,
        model_name_or_path="sim:cascade:deepseek-v4-flash+deepseek-v4-pro",
        model_patch="diff --git a/calc.py b/calc.py\n",
        run_id="run-1",
        policy_hash="3f2a",
        price_table="deepseek-2026-07",
        FAIL_TO_PASS={"success": ["tests/test_calc.py::test_div"], "failure": []},
        PASS_TO_PASS={"success": ["tests/test_calc.py::test_add"], "failure": []},
        turns=7,
        escalations=2,
        exit_reason="submitted",
        tokens={
            "flash": Usage(cache_hit=9000, cache_miss=1200, output=400),
            "pro": Usage(cache_hit=0, cache_miss=5000, output=300, reasoning=120),
        },
        cost_by_tier={"flash": 0.0012, "pro": 0.0029},
        wall_time_s=12.5,
        started_at="2026-07-01T10:00:00+00:00",
        harness_version="0.1.0",
        trajectory="run.trajectories/acme__calc-1.cascade.seed0.json",
    ).model_copy(update=changes)


def schema_validator():
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_rows_written_by_the_store_match_the_json_schema(tmp_path):
    validator = schema_validator()
    store = ResultStore(tmp_path / "out.jsonl")
    store.append(realistic_row())
    store.append(
        realistic_row(
            instance_id="acme__calc-2",
            status="error",
            status_reason="container died",
            turns=0,
            escalations=0,
            tokens={},
            cost_usd=0.0,
            cost_by_tier={},
        )
    )
    store.append(result_row())  # the defaults of a bare row
    for line in (tmp_path / "out.jsonl").read_text().splitlines():
        errors = [e.message for e in validator.iter_errors(json.loads(line))]
        assert errors == []


def test_the_committed_schema_is_the_one_the_row_class_generates():
    committed = json.loads(SCHEMA_PATH.read_text())
    assert committed == json_schema(), (
        "harness/data/result.schema.json is stale: harness.results.row.write_schema() rewrites it"
    )
    assert committed["properties"]["status"]["enum"] == list(STATUSES)


WRONG = [
    {"status": "passed"},
    {"seed": "0"},
    {"cost_usd": -1},
    {"schema_version": 4},
    {"extra": 1},
    {"tokens": 5},
    {"cost_by_tier": [1, 2]},
    {"turns": True},
    {"tokens": {"flash": {"cache_hit": "1"}}},
    {"tokens": {"flash": {"cache_hit": 0, "cache_miss": -9000, "output": 5, "reasoning": 0}}},
    {"cost_by_tier": {"flash": -0.5}},
]


@pytest.mark.parametrize("change", WRONG)
def test_the_schema_and_the_reader_reject_wrong_rows(tmp_path, change):
    data = {**json.loads(realistic_row().to_json()), **change}
    assert not schema_validator().is_valid(data)
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(data) + "\n")
    with pytest.raises(HarnessError) as caught:
        read_rows(path)
    assert "line 1 is not" in str(caught.value) and "\n" not in str(caught.value)


def test_version_1_rows_are_still_read(tmp_path):
    old = json.loads(realistic_row().to_json())
    del old["settings"]
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps({**old, "schema_version": 1}) + "\n")
    [read] = read_rows(path)
    assert read.schema_version == 1 and read.settings.limits == {}


# --- bad input to the readers ----------------------------------------------------------------


def test_an_empty_file_has_no_rows(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert read_rows(empty) == []
    assert finished(empty, identity_of(result_row()), []) == set()


def test_a_truncated_multibyte_character_on_the_last_line_is_a_truncated_line(tmp_path):
    path = tmp_path / "out.jsonl"
    ResultStore(path).append(result_row("a"))
    with open(path, "ab") as out:
        out.write('{"instance_id": "é'.encode()[:-1])  # cut inside the 'é'
    warnings = []
    assert [r.instance_id for r in read_rows(path, warnings.append)] == ["a"]
    assert "line 2 is truncated" in warnings[0]


def test_duplicates_keep_the_last_row_and_warn_once(tmp_path):
    store = ResultStore(tmp_path / "out.jsonl")
    for status in ("resolved", "unresolved", "empty_patch"):
        store.append(result_row("a", status=status))
    store.append(result_row("b"))
    warnings = []
    rows = read_rows(store.path, warnings.append)
    assert [(r.instance_id, r.status) for r in rows] == [("a", "empty_patch"), ("b", "resolved")]
    assert len(warnings) == 1
    assert (
        "2 duplicate row(s) for the same task, policy and seed (e.g. a, cascade, 0)" in warnings[0]
    )


def test_a_rerun_of_an_error_row_replaces_it_silently(tmp_path):
    store = ResultStore(tmp_path / "out.jsonl")
    store.append(result_row("a", status="error"))
    store.append(result_row("a", status="resolved"))  # what --rerun-errors writes
    warnings = []
    assert [r.status for r in read_rows(store.path, warnings.append)] == ["resolved"]
    assert warnings == []
    assert finished(store.path, identity_of(result_row()), [], retry_errors=True) == {
        ("a", "cascade", 0)
    }


@pytest.mark.parametrize(
    "line, message",
    [
        ("[1, 2]", "line 1 is not a result row of schema version 3 (not a JSON object"),
        (
            '{"instance_id": "a"}',
            "line 1 is not a result row of schema version 3 (no schema_version",
        ),
        (
            '{"schema_version": 2, "instance_id": "a"}',
            "line 1 is not a valid result row: top level: missing key 'model_name_or_path' (and ",
        ),
        (
            result_row().to_json().replace('"seed": 0', '"seed": "zero"'),
            "line 1 is not a valid result row: seed: Input should be a valid integer",
        ),
        (
            result_row().to_json().replace('"status": "resolved"', '"status": "passed"'),
            "line 1 is not a valid result row: status: Input should be 'resolved', 'unresolved', ",
        ),
    ],
)
def test_rows_the_readers_cannot_use_are_named(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(HarnessError) as caught:
        read_rows(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_folder_is_not_a_results_file(tmp_path):
    with pytest.raises(HarnessError, match="cannot read results file"):
        read_rows(tmp_path)


# --- one writer per file -----------------------------------------------------------------------


def test_a_second_writer_is_refused_while_the_first_holds_the_file(tmp_path):
    path = tmp_path / "out.jsonl"
    first = ResultStore(path)
    first.append(result_row("a"))
    with pytest.raises(HarnessError, match="is being written by another run"):
        ResultStore(path)
    first.append(result_row("b"))
    first.close()
    second = ResultStore(path)  # free again once the first writer is done
    second.append(result_row("c"))
    assert [r.instance_id for r in read_rows(path)] == ["a", "b", "c"]


def test_a_second_run_on_a_file_another_process_writes_is_refused(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "out.jsonl"
    ResultStore(path).append(result_row("a"))
    before = path.read_bytes()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from harness.results import ResultStore; "
            "s = ResultStore(Path(sys.argv[1])); print('locked', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        from .helpers import harness

        result = harness("--output", str(path), "--no-progress")
    finally:
        holder.communicate("")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "is being written by another run" in result.stderr
    assert path.read_bytes() == before
