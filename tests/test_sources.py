"""Where SWE-bench tasks come from: local Hugging Face folders, SWE-bench's short names, the hub,
and the official image each row runs in."""

import json
import os
import subprocess
import sys
import time

import datasets
import pytest

from harness import HarnessError
from harness.tasks import load_tasks
from harness.tasks.official import activation, dataset_name, image_name, relocated, runner_arguments

from .helpers import swe_row

ROWS = [swe_row("o__r-1"), swe_row("o__r-2", image="registry.example.com/x:1")]


def dataset() -> datasets.Dataset:
    return datasets.Dataset.from_list(
        [
            {
                **r,
                "version": str(r["version"]),
                "PASS_TO_PASS": json.dumps(r["PASS_TO_PASS"]),
                "image": r.get("image", ""),
            }
            for r in ROWS
        ]
    )


def ids(tasks):
    return [t.instance_id for t in tasks]


def test_a_save_to_disk_folder(tmp_path):
    dataset().save_to_disk(str(tmp_path / "one"))
    assert ids(load_tasks(str(tmp_path / "one"))) == ["o__r-1", "o__r-2"]
    datasets.DatasetDict({"test": dataset(), "dev": dataset().select([0])}).save_to_disk(
        str(tmp_path / "splits")
    )
    assert ids(load_tasks(str(tmp_path / "splits"), split="dev")) == ["o__r-1"]
    with pytest.raises(HarnessError, match=r"has no split 'train' \(it has: test, dev\)"):
        load_tasks(str(tmp_path / "splits"), split="train")


def test_a_folder_laid_out_like_a_hub_repository(tmp_path):
    (tmp_path / "hub" / "data").mkdir(parents=True)
    dataset().to_parquet(str(tmp_path / "hub" / "data" / "test-00000-of-00001.parquet"))
    dataset().select([1]).to_parquet(str(tmp_path / "hub" / "data" / "dev-00000-of-00001.parquet"))
    assert ids(load_tasks(str(tmp_path / "hub"))) == ["o__r-1", "o__r-2"]
    assert ids(load_tasks(str(tmp_path / "hub"), split="dev")) == ["o__r-2"]
    (tmp_path / "flat").mkdir()
    dataset().to_parquet(str(tmp_path / "flat" / "test.parquet"))
    assert ids(load_tasks(str(tmp_path / "flat"))) == ["o__r-1", "o__r-2"]


def test_short_names_read_a_local_copy_named_like_the_hub_id(tmp_path, monkeypatch):
    # as SWE-bench's own loader: `lite` is SWE-bench/SWE-bench_Lite, here a folder
    monkeypatch.chdir(tmp_path)
    (tmp_path / "SWE-bench" / "SWE-bench_Lite").mkdir(parents=True)
    dataset().to_parquet("SWE-bench/SWE-bench_Lite/test.parquet")
    assert ids(load_tasks("lite")) == ["o__r-1", "o__r-2"]
    assert ids(load_tasks("SWE-bench/SWE-bench_Lite")) == ["o__r-1", "o__r-2"]


def test_short_names():
    assert dataset_name("lite") == "SWE-bench/SWE-bench_Lite"
    assert dataset_name("Verified") == "SWE-bench/SWE-bench_Verified"
    assert dataset_name("full") == dataset_name("swe-bench") == "SWE-bench/SWE-bench"
    assert dataset_name("princeton-nlp/SWE-bench_Lite") == "princeton-nlp/SWE-bench_Lite"


def test_an_unreachable_hub_is_one_clear_line_and_quick(tmp_path):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "harness", "tasks", "list", "verified"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9", "PYTHONPATH": os.getcwd()},
        timeout=120,
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "harness: error: cannot load dataset 'SWE-bench/SWE-bench_Verified' (split 'test') from "
        "the Hugging Face hub: "
    )
    assert "HF_HUB_OFFLINE=1" in line and time.monotonic() - started < 60


def test_an_empty_test_patch_is_valid(tmp_path):
    path = tmp_path / "smith.json"
    path.write_text(json.dumps([swe_row(test_patch="")]))
    [task] = load_tasks(str(path))
    assert task.test_patch == ""


def test_rows_run_in_their_image_or_the_official_one_of_their_instance(tmp_path):
    path = tmp_path / "rows.json"
    official = swe_row("django__django-11099", repo="django/django")  # an older copy's row
    given = swe_row("o__r-2", image="swebench/sweb.eval.x86_64.o_1776_r-2:latest")
    shaped = swe_row("o__r-4", eval_script=": '>>>>> Start Test Output'\n")
    rows = [official, given, swe_row("o__r-3", image="mine/x:1"), shaped, swe_row("o__r-5")]
    path.write_text(json.dumps(rows))
    tasks = load_tasks(str(path))
    assert [t.image for t in tasks] == [
        "swebench/sweb.eval.x86_64.django_1776_django-11099:latest",
        "swebench/sweb.eval.x86_64.o_1776_r-2:latest",
        "mine/x:1",
        "swebench/sweb.eval.x86_64.o_1776_r-4:latest",
        None,  # your own repository: built here
    ]
    assert tasks[0].log_parser == "parse_log_django"  # SWE-bench's parser for the repository
    assert (
        tasks[0].environment.activate
        == "source /opt/miniconda3/bin/activate && conda activate testbed"
    )
    mirror = load_tasks(str(path), namespace="registry.local:5000/swe")
    assert [t.image for t in mirror] == [
        "registry.local:5000/swe/sweb.eval.x86_64.django_1776_django-11099:latest",
        "registry.local:5000/swe/sweb.eval.x86_64.o_1776_r-2:latest",
        "mine/x:1",
        "registry.local:5000/swe/sweb.eval.x86_64.o_1776_r-4:latest",
        None,
    ]
    local = load_tasks(str(path), namespace="")
    assert local[0].image == "sweb.eval.x86_64.django__django-11099:latest"


def test_parsers_of_older_copies_come_from_swebenchs_repo_maps():
    from harness.tasks.official import official_parser

    assert official_parser("pallets/flask") == "parse_log_flask"
    assert official_parser("scikit-learn/scikit-learn") == "parse_log_scikit"
    assert official_parser("pytest-dev/pytest") == "parse_log_pytest"
    assert official_parser("acme/calc") is None


def test_an_older_row_without_eval_script_cannot_be_graded_without_a_test_command(tmp_path):
    from harness.grading.preflight import preflight_problem

    path = tmp_path / "rows.json"
    path.write_text(json.dumps([swe_row("django__django-1", repo="django/django")]))
    [task] = load_tasks(str(path))
    assert preflight_problem(task).startswith("the row has no eval_script")
    envs = tmp_path / "environments.toml"
    envs.write_text('["django/django"."*"]\ntest_cmd = "./tests/runtests.py"\n')
    [configured] = load_tasks(str(path), environments=envs)
    assert configured.image and preflight_problem(configured) == ""


def test_official_naming_rules():
    assert image_name("pytest-dev__pytest-7373") == (
        "swebench/sweb.eval.x86_64.pytest-dev_1776_pytest-7373:latest"
    )
    assert image_name("Django__django-1", arch="arm64") == (
        "swebench/sweb.eval.arm64.django_1776_django-1:latest"
    )
    assert relocated("swebench/other:v2", "x__y-1", "ghcr.io/me") == "ghcr.io/me/other:v2"
    assert activation("cd /testbed\n: '>>>>> Start Test Output'\n") == ""
    assert activation(
        "#!/bin/bash\nsource /opt/miniconda3/bin/activate\nconda activate py39\ncd /x\n"
    ) == ("source /opt/miniconda3/bin/activate && conda activate py39")
    assert runner_arguments("django/django", ["tests/a/test_b.py", "tests/a/data.json"]) == [
        "a.test_b"
    ]
