"""SWE-bench end to end through the command line, on images laid out like the official ones:
the main command's grading and `grade` give gold patches 100% and empty ones 0%; `export`,
`tasks list`, `--dry-run`, `images pull` and the fail-fast checks."""

from __future__ import annotations

import json

import pytest

from .conftest import run_id
from .fake_openai import FakeOpenAI, deepseek_usage
from .helpers import harness

GOOD = ["pytoolz__toolz-1", "more-itertools__more-itertools-1", "shellkit__shellcalc-1"]
USAGE = deepseek_usage(0, 1000, 100)


def applies(patch: str) -> dict:
    """A model reply whose action applies `patch` with a command (no check run after it)."""
    body = f"git apply <<'PATCH'\n{patch}PATCH"
    return {"content": f"THOUGHT: fix it\n\n```bash\n{body}\n```", "usage": USAGE}


SUBMIT = {"content": "THOUGHT: done\n\n```submit\n```", "usage": USAGE}


def main_run(dataset, output, script, *extra):
    with FakeOpenAI(script) as server:
        result = harness(
            "--policy", "pro", "--dataset", str(dataset), "--workers", "1", "--no-progress",
            "--base-url", server.url, "--output", str(output), "--run-id", run_id("cli-swe"),
            *extra,
            env={"DEEPSEEK_API_KEY": "sk-test"},
        )  # fmt: skip
    return result, server


def rows_of(path):
    return {row["instance_id"]: row for row in map(json.loads, path.read_text().splitlines())}


@pytest.mark.docker
def test_the_main_command_grades_gold_resolved_and_empty_unresolved(
    official_dataset, official_rows, tmp_path
):
    gold = {r["instance_id"]: r["patch"] for r in official_rows}
    in_order = [r["instance_id"] for r in official_rows if r["instance_id"] in GOOD]  # as run
    script = [entry for iid in in_order for entry in (applies(gold[iid]), SUBMIT)]
    output = tmp_path / "gold.jsonl"
    result, _ = main_run(official_dataset, output, script, "--instance-ids", *GOOD)
    assert result.returncode == 0, result.stderr
    rows = rows_of(output)
    assert {iid: rows[iid]["status"] for iid in GOOD} == dict.fromkeys(GOOD, "resolved")
    assert all(rows[iid]["model_patch"] == gold[iid] for iid in GOOD)
    empty = tmp_path / "empty.jsonl"
    result, _ = main_run(official_dataset, empty, [SUBMIT] * 3, "--instance-ids", *GOOD)
    assert result.returncode == 0, result.stderr
    assert {r["status"] for r in rows_of(empty).values()} == {"empty_patch"}
    assert "0.0%" in result.stdout  # pass rate of the empty run
    # export: one predictions file per policy, which `grade` grades the same
    exported = harness("export", str(output), "--output-dir", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    predictions = tmp_path / "gold.pro.predictions.jsonl"
    lines = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert sorted(p["instance_id"] for p in lines) == sorted(GOOD)
    assert set(lines[0]) == {"instance_id", "model_name_or_path", "model_patch"}


@pytest.mark.docker
def test_grade_grades_gold_resolved_and_empty_unresolved_with_a_report(
    official_dataset, official_rows, tmp_path
):
    predictions = tmp_path / "preds.json"
    gold = [
        {"instance_id": r["instance_id"], "model_name_or_path": "gold", "model_patch": r["patch"]}
        for r in official_rows
    ]
    empty = [{**p, "model_name_or_path": "empty", "model_patch": ""} for p in gold]
    predictions.write_text(json.dumps(gold + empty))
    output = tmp_path / "graded.jsonl"
    result = harness(
        "grade", str(predictions), "--dataset", str(official_dataset), "--output", str(output),
        "--workers", "2", "--no-progress", "--run-id", run_id("grade"),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # one prediction errored: not a clean grading
    assert "8 prediction(s): 3 resolved, 0 unresolved, 4 empty patch, 1 error(s)" in result.stdout
    assert result.stderr.count("pytoolz__toolz-2: ") == 1  # the error, its task named once
    reports = {
        model: json.loads((tmp_path / f"graded.{model}.report.json").read_text())
        for model in ("gold", "empty")
    }
    assert reports["gold"]["resolved_ids"] == sorted(GOOD)
    assert reports["gold"]["error_ids"] == ["pytoolz__toolz-2"]  # its environment lacks pluggy
    assert "No module named 'pluggy'" in reports["gold"]["failure_reasons"]["pytoolz__toolz-2"]
    assert reports["gold"]["total_instances"] == 4 and reports["gold"]["completed_instances"] == 3
    assert reports["empty"]["resolved_ids"] == [] and len(reports["empty"]["empty_patch_ids"]) == 4
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(rows) == 8 and all(r["cost_usd"] is None for r in rows)
    assert all(r["backend"] == "predictions" and r["tokens"] == {} for r in rows)
    # the summary shows no cost where none is known, rather than $0
    gold_line = next(line for line in result.stdout.splitlines() if line.startswith("gold"))
    assert "100.0%" in gold_line and "$" not in gold_line  # the error is left out
    again = harness(
        "grade", str(predictions), "--dataset", str(official_dataset), "--output", str(output),
        "--no-progress",
    )  # fmt: skip
    assert again.returncode == 1 and "Grading 0 prediction(s) of 8" in again.stderr


@pytest.mark.docker
def test_rows_without_an_image_run_in_the_official_image_of_their_namespace(
    official_images, official_rows, tmp_path
):
    row = next(r for r in official_rows if r["instance_id"] == "pytoolz__toolz-1")
    dataset = tmp_path / "noimage.json"
    dataset.write_text(json.dumps([{k: v for k, v in row.items() if k != "image"}]))
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(
        json.dumps({"instance_id": row["instance_id"], "model_patch": row["patch"]})
    )
    listed = harness("tasks", "list", str(dataset), "--image-namespace", "harness-fixture")
    assert official_images["pytoolz__toolz-1"] in listed.stdout and " here " in listed.stdout
    result = harness(
        "grade", str(predictions), "--dataset", str(dataset), "--image-namespace",
        "harness-fixture", "--output", str(tmp_path / "o.jsonl"), "--no-progress",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [graded] = rows_of(tmp_path / "o.jsonl").values()
    assert graded["status"] == "resolved" and graded["policy"] == "p"


@pytest.mark.docker
def test_tasks_list_and_dry_run_show_images_parsers_and_environments(official_dataset, tmp_path):
    listed = harness("tasks", "list", str(official_dataset))
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith("pytoolz__toolz-1"))
    assert "harness-fixture/sweb.eval.x86_64.pytoolz_1776_toolz-1:latest" in line
    assert "here" in line and "parse_log_pytest" in line and "conda testbed, eval_script" in line
    assert "4 task(s): 4 gradable, 0 not; 4 named image(s); images: 4 here" in listed.stdout
    rows = [json.loads(x) for x in official_dataset.read_text().splitlines()]
    rows[0]["log_parser"] = "parse_log_cobol"
    rows[1]["image"] = "swebench/sweb.eval.x86_64.pytoolz_1776_toolz-1:latest"
    odd = tmp_path / "odd.jsonl"
    odd.write_text("".join(json.dumps(r) + "\n" for r in rows))
    output = tmp_path / "never.jsonl"
    dry = harness("--dataset", str(odd), "--dry-run", "--output", str(output))
    assert dry.returncode == 0, dry.stderr
    assert "unknown log_parser 'parse_log_cobol'" in dry.stdout
    assert "3 gradable, 1 not" in dry.stdout and "1 to pull" in dry.stdout
    assert not output.exists()


@pytest.mark.docker
def test_a_registry_that_cannot_be_reached_stops_the_run_before_any_model_call(
    official_rows, tmp_path
):
    row = next(r for r in official_rows if r["instance_id"] == "pytoolz__toolz-1")
    gold = row["patch"]
    dataset = tmp_path / "noimage.json"
    dataset.write_text(json.dumps([{k: v for k, v in row.items() if k != "image"}]))
    output = tmp_path / "out.jsonl"
    result, server = main_run(dataset, output, [SUBMIT], "--image-namespace", "127.0.0.1:9/nowhere")
    assert result.returncode == 1 and server.requests == [] and not output.exists()
    assert result.stderr.splitlines()[-1].startswith(
        "harness: error: registry 127.0.0.1:9 cannot be reached ("
    )
    pulled = harness("images", "pull", str(dataset), "--image-namespace", "127.0.0.1:9/nowhere")
    assert pulled.returncode == 1 and "cannot pull image 127.0.0.1:9/nowhere/" in pulled.stderr
    assert "[1/1] pytoolz__toolz-1 failed | ready 0, failed 1" in pulled.stderr
    assert "0 of 1 task image(s) ready, 1 failed" in pulled.stdout
    # grade says how many failed, names each task once, and exits 1
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(json.dumps({"instance_id": row["instance_id"], "model_patch": gold}))
    graded = harness(
        "grade", str(predictions), "--dataset", str(dataset), "--image-namespace",
        "127.0.0.1:9/nowhere", "--output", str(tmp_path / "g.jsonl"), "--no-progress",
    )  # fmt: skip
    assert graded.returncode == 1, graded.stderr
    assert "1 prediction(s): 0 resolved, 0 unresolved, 0 empty patch, 1 error(s)" in graded.stdout
    assert "error: pytoolz__toolz-1: cannot pull image" in graded.stderr
    assert "pytoolz__toolz-1: pytoolz__toolz-1" not in graded.stderr


@pytest.mark.docker
def test_an_unknown_parser_is_an_error_row_at_no_cost(official_dataset, tmp_path):
    rows = [json.loads(x) for x in official_dataset.read_text().splitlines()]
    rows[0]["log_parser"] = "parse_log_cobol"
    odd = tmp_path / "odd.jsonl"
    odd.write_text(json.dumps(rows[0]) + "\n")
    output = tmp_path / "out.jsonl"
    result, server = main_run(odd, output, [SUBMIT])
    assert result.returncode == 1 and server.requests == []
    assert "cannot be graded and get an error row at no cost" in result.stderr
    [row] = rows_of(output).values()
    assert (
        row["status"] == "error" and "unknown log_parser 'parse_log_cobol'" in row["status_reason"]
    )
