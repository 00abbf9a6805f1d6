import json

import pytest

from harness import HarnessError
from harness.results import ResultRow
from harness.results.predictions import Prediction, export_groups, read_predictions, run_report

from .helpers import harness, result_row

PATCH = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n"


def row(instance_id="a", status="resolved", policy="pro", **fields) -> ResultRow:
    """A row whose patch is a real diff, named like a predictions file's model."""
    named = {"model_patch": PATCH, "model_name_or_path": f"{policy}:m"} | fields
    return result_row(instance_id, status, policy=policy, **named)


@pytest.mark.parametrize(
    "text",
    [
        json.dumps([{"instance_id": "a", "model_name_or_path": "m", "model_patch": PATCH}]),
        json.dumps({"a": {"model_name_or_path": "m", "model_patch": PATCH}}),  # mini-swe-agent
        json.dumps({"instance_id": "a", "model_name_or_path": "m", "model_patch": PATCH}) + "\n",
    ],
    ids=["list", "keyed", "jsonl"],
)
def test_predictions_in_every_official_shape(tmp_path, text):
    path = tmp_path / "preds.json"
    path.write_text(text)
    assert read_predictions(path) == [Prediction("a", "m", PATCH)]


def test_predictions_without_a_model_take_the_files_name_and_null_is_empty(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(
        json.dumps({"instance_id": "a", "model_patch": None}) + "\n"
        + json.dumps({"instance_id": "b", "model_patch": PATCH}) + "\n"
    )  # fmt: skip
    assert read_predictions(path) == [Prediction("a", "mine", ""), Prediction("b", "mine", PATCH)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "holds no predictions"),
        ('{"model_patch": "x"}\n', "line 1: no instance_id"),
        ('[{"instance_id": "a", "model_patch": 5}]', "item 1: model_patch must be a string"),
        ('{"instance_id": "a"}\n{"instance_id": "a"}\n', "line 2: a second prediction for a"),
        ("[1]", "item 1: a prediction must be a JSON object"),
        ('{"instance_id": "a"}\nnot json\n', "line 2: invalid JSON"),
    ],
)
def test_bad_predictions_name_the_place(tmp_path, text, message):
    path = tmp_path / "p.jsonl"
    path.write_text(text)
    with pytest.raises(HarnessError, match=message):
        read_predictions(path)


def test_export_groups_one_file_per_policy_and_per_seed_when_several():
    groups = export_groups(
        [row("a"), row("b"), row("a", policy="flash"), row("a", "error", "x", seed=1)]
    )
    groups = {k: [r.instance_id for r in v] for k, v in {**groups}.items()}
    assert groups == {"flash": ["a"], "pro": ["a", "b"], "x": ["a"]}
    seeds = export_groups([row("a", seed=0), row("a", seed=1)])
    assert sorted(seeds) == ["pro.seed0", "pro.seed1"]


def test_export_keeps_the_last_attempt_at_a_task_and_splits_appended_configurations():
    rerun = export_groups([row("a", "error"), row("b"), row("a", model_patch="fixed")])
    assert [(r.instance_id, r.model_patch) for r in rerun["pro"]] == [("a", "fixed"), ("b", PATCH)]
    appended = export_groups([row("a"), row("b"), row("a", policy_hash="h2")])
    names = {k: [r.instance_id for r in v] for k, v in appended.items()}
    assert names == {"pro.config1": ["a", "b"], "pro.config2": ["a"]}


def test_the_run_report_has_the_official_keys_and_counts_suspicious_apart():
    rows = [
        row("a"),
        row("b", "unresolved", suspicious="the patch changed how tests are run (conftest.py)"),
        row("c", "error", status_reason="cannot pull image x"),
        row("d", "empty_patch"),
    ]
    predictions = [Prediction(i, "m", PATCH) for i in "abcd"]
    report = run_report(rows, predictions, ["a", "b", "c", "d", "e"])
    assert report["schema_version"] == 2 and report["total_instances"] == 5
    assert (report["resolved_ids"], report["unresolved_ids"]) == (["a"], ["b"])
    assert (report["error_ids"], report["empty_patch_ids"]) == (["c"], ["d"])
    assert report["completed_ids"] == ["a", "b"] and report["incomplete_ids"] == ["e"]
    assert report["failure_reasons"] == {"c": "cannot pull image x"}
    assert report["suspicious_ids"] == ["b"] and report["suspicious_instances"] == 1


def test_export_writes_official_predictions_files(tmp_path):
    results = tmp_path / "run.jsonl"
    results.write_text("".join(r.to_json() + "\n" for r in [row("a"), row("a", policy="flash")]))
    result = harness("export", str(results))
    assert result.returncode == 0, result.stderr
    pro = [json.loads(x) for x in (tmp_path / "run.pro.predictions.jsonl").read_text().splitlines()]
    assert pro == [{"instance_id": "a", "model_name_or_path": "pro:m", "model_patch": PATCH}]
    assert (tmp_path / "run.flash.predictions.jsonl").exists()
    missing = harness("export", str(results), "--output-dir", str(tmp_path / "new" / "dir"))
    assert missing.returncode == 0, missing.stderr  # a missing folder is made
    assert (tmp_path / "new" / "dir" / "run.flash.predictions.jsonl").exists()


def test_grade_refuses_predictions_for_tasks_the_dataset_lacks(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"instance_id": "nobody__nothing-1", "model_patch": PATCH}))
    result = harness("grade", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "harness: error: prediction for 'nobody__nothing-1', which the dataset does not hold"
    )


def test_export_puts_every_task_of_one_run_in_one_file():
    # each task's row records its own task content; that is not another configuration
    rows = [row(task, task_hash=f"hash-{task}") for task in ("a", "b", "c")]
    assert {name: len(group) for name, group in export_groups(rows).items()} == {"pro": 3}
