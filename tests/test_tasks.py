import json
import subprocess
from dataclasses import replace

import pytest

from harness import HarnessError
from harness.tasks import Environment, load_tasks, resolve_repo, select_tasks, task_from_row
from harness.tasks.bundled import materialize_repo
from harness.tasks.task import environment_for, load_environments

from .conftest import MINI_SUITE
from .helpers import swe_row

DIFF = "--- a/{0}\n+++ b/{0}\n@@ -1 +1 @@\n-old\n+new\n"


def test_bundled_folders_become_swebench_rows(calc_task):
    assert calc_task.repo == "acme/calc"
    assert calc_task.FAIL_TO_PASS == ("tests/test_stats.py::test_median_even",)
    assert calc_task.difficulty == "easy"
    assert "median()" in calc_task.problem_statement
    log = subprocess.run(
        ["git", "log", "--format=%H"],
        cwd=calc_task.repo_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert log == [calc_task.base_commit]


def test_bundled_base_commit_is_the_same_everywhere(tmp_path, monkeypatch, calc_task):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path, commit = materialize_repo(MINI_SUITE / "repos" / "acme__calc")
    assert commit == calc_task.base_commit
    assert path.is_relative_to(tmp_path)


def test_json_list_dict_and_jsonl(tmp_path):
    listed = tmp_path / "tasks.json"
    listed.write_text(json.dumps([swe_row("a"), swe_row("b")]))
    keyed = tmp_path / "keyed.json"
    keyed.write_text(json.dumps({"a": {k: v for k, v in swe_row().items() if k != "instance_id"}}))
    lines = tmp_path / "tasks.jsonl"
    lines.write_text("\n".join(json.dumps(swe_row(i)) for i in "xyz") + "\n")
    assert [t.instance_id for t in load_tasks(str(listed))] == ["a", "b"]
    assert [t.instance_id for t in load_tasks(str(keyed))] == ["a"]
    tasks = load_tasks(str(lines))
    assert [t.instance_id for t in tasks] == ["x", "y", "z"]
    assert tasks[0].FAIL_TO_PASS == ("t::a",) and tasks[0].PASS_TO_PASS == ("t::b",)
    assert tasks[0].version == "1.2"


def test_parquet_through_datasets(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [swe_row("p1", image=None), swe_row("p2", image="registry/img:1")]
    for r in rows:
        r["version"] = str(r["version"])
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, tmp_path / "tasks.parquet")
    tasks = load_tasks(str(tmp_path / "tasks.parquet"))
    assert [t.instance_id for t in tasks] == ["p1", "p2"]
    assert tasks[1].image == "registry/img:1" and tasks[0].image is None


def test_swebench_v5_fields_are_kept():
    task = task_from_row(swe_row(image="swebench/x:v1", eval_script="run.sh", log_parser="pytest"))
    assert (task.image, task.eval_script, task.log_parser) == ("swebench/x:v1", "run.sh", "pytest")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"repo": None}, "row 1: missing field 'repo'"),
        ({"patch": 5}, "row 1: field 'patch' must be a string"),
        ({"patch": "just text"}, "row 1: field 'patch' is not a unified diff"),
        ({"FAIL_TO_PASS": "[oops"}, "row 1: FAIL_TO_PASS: not a JSON list"),
        ({"PASS_TO_PASS": [1, 2]}, "row 1: PASS_TO_PASS: must be a list of test ids"),
    ],
)
def test_bad_rows_are_skipped_and_named_or_fail_a_strict_load(tmp_path, change, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{**swe_row(), **change}, swe_row("good")]))
    skipped = []
    assert [t.instance_id for t in load_tasks(str(path), on_skip=skipped.append)] == ["good"]
    assert len(skipped) == 1 and message in skipped[0]
    with pytest.raises(HarnessError) as caught:
        load_tasks(str(path), strict=True)
    assert message in str(caught.value)


def test_duplicate_ids_and_missing_files(tmp_path):
    path = tmp_path / "dup.jsonl"
    path.write_text(json.dumps(swe_row("a")) + "\n" + json.dumps(swe_row("a")) + "\n")
    skipped = []
    assert len(load_tasks(str(path), on_skip=skipped.append)) == 1
    assert "row 2: duplicate instance_id 'a'" in skipped[0]
    with pytest.raises(HarnessError, match="row 2: duplicate instance_id 'a'"):
        load_tasks(str(path), strict=True)
    with pytest.raises(HarnessError, match="dataset file not found: /no/such/file"):
        load_tasks("/no/such/file")
    only_bad = tmp_path / "bad.jsonl"
    only_bad.write_text(json.dumps({"instance_id": "x"}) + "\n")
    with pytest.raises(HarnessError, match="no valid tasks in"):
        load_tasks(str(only_bad), on_skip=lambda message: None)


def test_a_broken_task_folder_is_skipped(tmp_path):
    import shutil

    suite = tmp_path / "suite"
    shutil.copytree(MINI_SUITE, suite)
    (suite / "instances" / "acme__calc-2").mkdir()
    (suite / "instances" / "acme__calc-2" / "task.toml").write_text('repo = "acme/gone"\n')
    skipped = []
    assert [t.instance_id for t in load_tasks(str(suite), on_skip=skipped.append)] == [
        "acme__calc-1"
    ]
    assert "acme__calc-2" in skipped[0]


def test_environments_file_applies_to_any_source(tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([swe_row()]))
    envs = tmp_path / "environments.toml"
    envs.write_text('["o/r"."*"]\ninstall = "pip install -e ."\n')
    [task] = load_tasks(str(path), environments=envs)
    assert task.environment.install == "pip install -e ."


def test_hub_failure_is_one_clear_line():
    # Offline here; online it is "not found": either way one line naming the dataset.
    with pytest.raises(
        HarnessError,
        match=r"cannot load dataset 'nobody/nothing' \(split 'test'\) from the Hugging Face hub: ",
    ) as caught:
        load_tasks("nobody/nothing")
    assert "\n" not in str(caught.value)


def test_repo_mirror(tmp_path, calc_task):
    mirror = tmp_path / "mirror"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(calc_task.repo_path), str(mirror / "acme__calc.git")],
        check=True,
    )
    task = task_from_row({**swe_row(), "repo": "acme/calc"})
    assert resolve_repo(task, mirror) == mirror / "acme__calc.git"
    with pytest.raises(HarnessError, match="repo acme/other not found in mirror"):
        resolve_repo(task_from_row({**swe_row(), "repo": "acme/other"}), mirror)


def many(n=10):
    return [task_from_row(swe_row(f"o__r-{i}")) for i in range(n)]


def test_shards_are_disjoint_and_cover_the_set():
    tasks = many(23)
    for count in (1, 2, 3, 7, 23, 30):
        shards = [select_tasks(tasks, shard=f"{i}/{count}") for i in range(1, count + 1)]
        ids = [t.instance_id for shard in shards for t in shard]
        assert sorted(ids) == sorted(t.instance_id for t in tasks)
        assert len(ids) == len(set(ids))
        assert max(map(len, shards)) - min(map(len, shards)) <= 1
    assert select_tasks(tasks, shard="2/3") == select_tasks(list(reversed(tasks)), shard="2/3")


def test_ids_filter_and_slice():
    tasks = many(12)
    assert [t.instance_id for t in select_tasks(tasks, instance_ids=["o__r-3", "o__r-1"])] == [
        "o__r-1",
        "o__r-3",
    ]
    assert len(select_tasks(tasks, pattern=r"-1\d$")) == 2
    assert [t.instance_id for t in select_tasks(tasks, slice_text="::5")] == [
        "o__r-0",
        "o__r-5",
        "o__r-10",
    ]
    assert [t.instance_id for t in select_tasks(tasks, slice_text="-2:")] == ["o__r-10", "o__r-11"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"instance_ids": ["nope"]}, "unknown instance id 'nope'"),
        ({"pattern": "("}, "--filter '('"),
        ({"slice_text": "3"}, "expected START:STOP[:STEP]"),
        ({"slice_text": "::0"}, "STEP must not be zero"),
        ({"shard": "0/4"}, "I must be between 1 and N"),
        ({"shard": "a/b"}, "expected I/N"),
    ],
)
def test_bad_selection(kwargs, message):
    with pytest.raises(HarnessError) as caught:
        select_tasks(many(3), **kwargs)
    assert message in str(caught.value)


def test_environment_specs_by_repo_and_version(tmp_path):
    path = tmp_path / "environments.toml"
    path.write_text(
        '[default]\ntest_cmd = "pytest -rA"\n'
        '["o/r"."1.2"]\ninstall = "pip install -e ."\n'
        '["o/r"."*"]\ninstall = "make"\n'
    )
    specs = load_environments(path)
    task = task_from_row(swe_row())
    assert environment_for(task, specs).install == "pip install -e ."
    assert environment_for(replace(task, version="9"), specs).install == "make"
    assert environment_for(replace(task, repo="x/y"), specs).test_cmd == "pytest -rA"
    assert environment_for(task, {}) == Environment()
    path.write_text('["o/r"."1"]\ninstal = "typo"\n')
    with pytest.raises(HarnessError, match="o/r.1: unknown key 'instal'"):
        load_environments(path)
