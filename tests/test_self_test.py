"""The edit check's self-test (`tasks edit-check`): each task's test_patch as a reproduction
edit, then its gold patch, through the edit check; the fixture repositories of
tests/data/checks in local sandboxes, and as rows in images laid out like the official ones."""

import json
from dataclasses import replace

import pytest

from harness.agent.baseline import BaselineCache
from harness.agent.self_test import self_test
from harness.models.sim import wrong_edit
from harness.tasks import load_tasks

from .conftest import DATA
from .helpers import checker, harness, run_cli

GIS_MODULE = """diff --git a/tests/gis_tests/test_wrap.py b/tests/gis_tests/test_wrap.py
new file mode 100644
--- /dev/null
+++ b/tests/gis_tests/test_wrap.py
@@ -0,0 +1,7 @@
+import unittest
+
+from django.utils.text import wrap
+
+
+class WrapTests(unittest.TestCase):
+    def test_wrap(self):
"""
GIS_LINE = '+        self.assertEqual(wrap("a b", 1), "a\\nb")\n'


@pytest.fixture(scope="module")
def tasks():
    return {task.instance_id: task for task in load_tasks(str(DATA / "checks"))}


def gis_variant(django):
    """The Django-shaped task with a test_patch that also adds a gis_tests module, which the
    runner refuses: no check of it can report anything."""
    patch = GIS_MODULE.replace("@@ -0,0 +1,7 @@", "@@ -0,0 +1,8 @@") + GIS_LINE
    return replace(django, instance_id="django__django-2", test_patch=django.test_patch + patch)


def in_memory(environment, base_commit):
    return BaselineCache(f"{environment}@{base_commit}")


def test_each_verdict_of_the_self_test(local, tasks):
    ledger = tasks["acme__ledger-1"]
    listed = replace(
        ledger,
        instance_id="acme__ledger-2",
        PASS_TO_PASS=(*ledger.PASS_TO_PASS, "tests/test_money.py::test_format_debt_as_before"),
    )
    chosen = [
        tasks["acme__signals-1"],
        tasks["django__django-1"],
        ledger,
        listed,
        gis_variant(tasks["django__django-1"]),
    ]
    result = self_test(chosen, local, 60, in_memory)
    verdicts = {checked.instance_id: checked.verdict for checked in result.tasks}
    assert verdicts == {
        "acme__signals-1": "ok",  # failures from before in the file the test_patch edits
        "django__django-1": "ok",  # the gis_tests module is learnt at the base and left out
        "acme__ledger-1": "red_unlisted",  # the gold patch breaks a test no list names
        "acme__ledger-2": "red",  # ... and where a list names it, the check disagrees
        "django__django-2": "check_error",
    }
    by_id = {checked.instance_id: checked for checked in result.tasks}
    unlisted = by_id["acme__ledger-1"]
    assert unlisted.unlisted == ["tests/test_money.py::test_format_debt_as_before"]
    assert unlisted.tests is not None and unlisted.tests.newly_failing == unlisted.unlisted
    assert by_id["acme__ledger-2"].unlisted == []
    assert len(unlisted.seconds) == 2 and all(s > 0 for s in unlisted.seconds)
    refused = by_id["django__django-2"]
    assert refused.reproduction == "check_error"
    assert "Aborting: A GIS database backend is required to run gis_tests." in refused.detail
    assert result.totals == {
        "ok": 2,
        "red": 1,
        "red_unlisted": 1,
        "check_error": 1,
        "check_timeout": 0,
        "error": 0,
    }
    assert result.failing_tests["newly_failing"] == 2


def test_a_task_whose_test_patch_does_not_apply_is_an_error(local, tasks):
    broken = replace(
        tasks["acme__ledger-1"], test_patch="--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n"
    )
    [checked] = self_test([broken], local, 60, in_memory).tasks
    assert checked.verdict == "error" and "the test_patch does not apply" in checked.detail


@pytest.mark.parametrize(
    "args, message",
    [
        (["--check-timeout", "0"], "--check-timeout must be positive"),
        (["--check-timeout", "nan"], "--check-timeout must be positive"),
        (["--json", "{tmp}"], "the JSON summary"),  # a folder
        (["--instance-ids", "no-such-task"], "no-such-task"),
        (["{rows}", "--json", "{rows}"], "is a file this command reads"),
    ],
)
def test_bad_options_are_refused_before_any_work(capsys, tmp_path, args, message):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("")
    args = [arg.replace("{tmp}", str(tmp_path)).replace("{rows}", str(rows)) for arg in args]
    code, out, err = run_cli(capsys, "tasks", "edit-check", *args)
    assert code == 2 and out == ""
    assert err.startswith("harness: error: ") and message in err and err.count("\n") == 1


def test_the_self_test_in_images_laid_out_like_the_official_ones(docker_client, tmp_path):
    from .official_images import check_images, check_rows

    rows = check_rows(check_images(docker_client))
    django = next(row for row in rows if row["instance_id"] == "django__django-1")
    gis = GIS_MODULE.replace("@@ -0,0 +1,7 @@", "@@ -0,0 +1,8 @@") + GIS_LINE
    rows.append(
        {**django, "instance_id": "django__django-2", "test_patch": django["test_patch"] + gis}
    )
    dataset = tmp_path / "rows.jsonl"
    dataset.write_text("".join(json.dumps(row) + "\n" for row in rows))
    summary = tmp_path / "self-test.json"
    done = harness(
        "tasks", "edit-check", str(dataset), "--json", str(summary), "--no-progress",
        env={"XDG_CACHE_HOME": str(tmp_path / "cache")},  # base statuses measured afresh
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # not every gold fix is ok
    result = json.loads(summary.read_text())
    verdicts = {task["instance_id"]: task["verdict"] for task in result["tasks"]}
    assert verdicts == {
        "acme__signals-1": "ok",
        "django__django-1": "ok",
        "acme__ledger-1": "red_unlisted",
        "django__django-2": "check_error",
    }
    assert result["totals"]["ok"] == 2
    assert "4 task(s): 2 ok, 0 red, 1 red_unlisted" in done.stdout
    assert "acme__ledger-1" in done.stdout and "1 newly_failing" in done.stdout


@pytest.mark.scenario
def test_every_gold_fix_of_the_bundled_suite_is_ok_and_wrong_edits_are_caught(local):
    """The self-test over the bundled suite; then, on the same base statuses, the simulated
    family's wrong edit with each reproduction test, which should be red."""
    tasks = load_tasks()
    caches: dict[str, BaselineCache] = {}

    def shared(environment, base_commit):
        key = f"{environment}@{base_commit}"
        return caches.setdefault(key, BaselineCache(key))

    result = self_test(tasks, local, 60, shared)
    assert result.totals["ok"] == len(tasks) == 40, [c for c in result.tasks if c.verdict != "ok"]
    assert {checked.reproduction for checked in result.tasks} == {"ok"}
    caught = 0
    for task in tasks:  # the reproduction test and a wrong fix in one edit, on the same bases
        environment = local.prepare(task)
        sandbox = local.start(task, environment)
        check = checker(sandbox, task, shared(environment, task.base_commit))
        wrong = wrong_edit(task.patch)
        caught += bool(wrong) and check.edit(task.test_patch + wrong).outcome == "tests_red"
        sandbox.close()
    assert caught >= len(tasks) - 2  # a wrong edit that fixes nothing leaves the repro red
