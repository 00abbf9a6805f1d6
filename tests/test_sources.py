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
from harness.tasks import Environment, load_tasks
from harness.tasks.official import activation, dataset_name, image_name, relocated, runner_arguments

from .test_tasks import swe_row

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
    official = swe_row("django__django-11099")
    given = swe_row("o__r-2", image="swebench/sweb.eval.x86_64.o_1776_r-2:latest")
    path.write_text(json.dumps([official, given, swe_row("o__r-3", image="mine/x:1")]))
    tasks = load_tasks(str(path))
    assert [t.image for t in tasks] == [
        "swebench/sweb.eval.x86_64.django_1776_django-11099:latest",
        "swebench/sweb.eval.x86_64.o_1776_r-2:latest",
        "mine/x:1",
    ]
    assert (
        tasks[0].environment.activate
        == "source /opt/miniconda3/bin/activate && conda activate testbed"
    )
    mirror = load_tasks(str(path), namespace="registry.local:5000/swe")
    assert [t.image for t in mirror] == [
        "registry.local:5000/swe/sweb.eval.x86_64.django_1776_django-11099:latest",
        "registry.local:5000/swe/sweb.eval.x86_64.o_1776_r-2:latest",
        "mine/x:1",
    ]
    local = load_tasks(str(path), namespace="")
    assert local[0].image == "sweb.eval.x86_64.django__django-11099:latest"


def test_a_task_with_its_environment_defined_here_is_built_here(tmp_path, calc_task):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([swe_row()]))
    envs = tmp_path / "environments.toml"
    envs.write_text('["o/r"."*"]\ninstall = "pip install -e ."\n')
    [task] = load_tasks(str(path), environments=envs)
    assert task.image is None and task.environment == Environment(install="pip install -e .")
    assert calc_task.image is None  # the bundled suite


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
