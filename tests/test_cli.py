import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.sandbox.containers import LABEL
from harness.sandbox.docker import DockerProvider
from harness.tasks import load_tasks

from .conftest import MINI_SUITE, containers_of, run_id
from .fake_openai import FakeOpenAI, deepseek_usage
from .helpers import ctrl_c_reaches_it, harness

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "args, message",
    [
        (["--policy", "nonsense"], "unknown policy 'nonsense'"),
        (["--dataset", "/no/such/file"], "dataset file not found: /no/such/file"),
        (["--max-steps", "0"], "--max-steps must be positive"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["report", "/no/such.jsonl"], "results file not found"),
        (["--rules", "/no/rules.toml"], "cannot read rules file"),
        (["--output", "/proc/no/such/out.jsonl"], "cannot write results file"),
        (["--output", "/tmp"], "results file /tmp is a directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = harness(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_help_describes_every_option():
    from harness.commands.run import parser

    text = harness("--help").stdout
    options = [a for a in parser()._actions if a.option_strings]
    assert len(options) > 40  # the run's own, the models', the limits', the sandbox's, ...
    for action in options:
        flag = max(action.option_strings, key=len)
        assert flag in text and action.help, flag
    for flag in ("--workers", "--ray", "--dry-run", "--rules", "--check-timeout", "--run-id"):
        assert flag in text, flag
    for sub in ("setup", "report", "compare"):
        assert sub in text
        assert harness(sub, "--help").returncode == 0


@pytest.mark.docker
def test_simulated_run_writes_rows_resumes_and_reports(tmp_path):
    output = tmp_path / "run.jsonl"
    args = [
        "--policy",
        "cascade",
        "--dataset",
        str(MINI_SUITE),
        "--output",
        str(output),
        "--run-id",
        run_id("cli-sim"),
    ]
    first = harness(*args)
    assert first.returncode == 0, first.stderr
    assert "using simulated models" in first.stderr and "synthetic" in first.stdout
    assert f"Results: {output}" in first.stdout
    assert "cost/resolved" in first.stdout
    # off a terminal, progress is one line per finished task with the running totals
    [progress] = [line for line in first.stderr.splitlines() if line.startswith("[1/1] ")]
    assert progress.startswith("[1/1] acme__calc-1 ") and " turns " in progress
    assert "| resolved " in progress and ", errors " in progress and ", spent $" in progress
    [row] = [json.loads(line) for line in output.read_text().splitlines()]
    assert row["synthetic"] is True and row["backend"] == "sim"
    assert (tmp_path / row["trajectory"]).is_file()
    again = harness(*args)
    assert again.returncode == 0 and len(output.read_text().splitlines()) == 1
    report = harness("report", str(output))
    assert report.returncode == 0 and "cascade" in report.stdout
    compare = harness("compare", str(output), str(output))
    assert "paired tasks: 1" in compare.stdout


@pytest.mark.docker
def test_real_http_endpoint_run_costs_exactly_the_scripted_usage(tmp_path, calc_task):
    fix = f"THOUGHT: fix\n\n```diff\n{calc_task.patch}```"
    script = [
        {"content": fix, "usage": deepseek_usage(0, 1200, 150, 40)},
        {"content": "THOUGHT: done\n\n```submit\n```", "usage": deepseek_usage(1100, 300, 20)},
    ]
    output = tmp_path / "api.jsonl"
    with FakeOpenAI(script) as server:
        result = harness(
            "--policy",
            "cascade",
            "--dataset",
            str(MINI_SUITE),
            "--base-url",
            server.url,
            "--output",
            str(output),
            "--run-id",
            run_id("cli-http"),
            env={"DEEPSEEK_API_KEY": "sk-x"},
        )
    assert result.returncode == 0, result.stderr
    row = json.loads(output.read_text())
    expected = (1200 * 0.14 + 150 * 0.28 + 1100 * 0.0028 + 300 * 0.14 + 20 * 0.28) / 1e6
    assert row["cost_usd"] == pytest.approx(expected, rel=1e-12)
    assert row["status"] == "resolved" and row["synthetic"] is False
    assert row["tokens"]["flash"] == {
        "cache_hit": 1100,
        "cache_miss": 1500,
        "output": 170,
        "reasoning": 40,
    }
    written = [output, tmp_path / "api.spend", *(tmp_path / "api.trajectories").iterdir()]
    assert not any("sk-x" in path.read_text() for path in written)
    assert [r["model"] for r in server.requests] == ["deepseek-v4-flash"] * 2


def test_no_engine_is_one_line_and_exit_1(tmp_path):
    result = harness(
        "--dataset",
        str(MINI_SUITE),
        "--output",
        str(tmp_path / "x.jsonl"),
        env={"DOCKER_HOST": f"unix://{tmp_path}/none.sock"},
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("harness: error")]
    assert len(errors) == 1 and "python -m harness setup" in errors[0]
    assert "Traceback" not in result.stderr


def _start_run(tmp_path, name):
    from .conftest import run_id as make_run_id

    run = make_run_id(name)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness",
            "--dataset",
            str(MINI_SUITE),
            "--output",
            str(tmp_path / "out.jsonl"),
            "--run-id",
            run,
            "--no-progress",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_reaches_it,
    )
    return run, process


def _wait_for_container(client, run, timeout=120):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if containers_of(client, run):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.docker
@pytest.mark.parametrize("signal_number", [15, 2])
def test_sigterm_and_ctrl_c_remove_the_runs_containers(tmp_path, docker_client, signal_number):
    run, process = _start_run(tmp_path, f"sig{signal_number}")
    assert _wait_for_container(docker_client, run)
    process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "interrupted" in stderr and "Traceback" not in stderr
    assert not containers_of(docker_client, run)


@pytest.mark.docker
def test_kill_9_leaves_nothing_that_gc_does_not_remove(tmp_path, docker_client):
    run, process = _start_run(tmp_path, "kill9")
    assert _wait_for_container(docker_client, run)
    process.kill()
    process.wait()
    assert containers_of(docker_client, run)
    result = harness("sandbox", "gc")
    assert result.returncode == 0 and run in result.stdout
    assert not containers_of(docker_client, run)


@pytest.mark.docker
def test_a_task_whose_repo_cannot_be_found_is_an_error_row_and_the_run_goes_on(tmp_path, calc_task):
    mirror = tmp_path / "mirror"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(calc_task.repo_path), str(mirror / "acme__calc.git")],
        check=True,
    )
    fields = (
        "instance_id",
        "repo",
        "base_commit",
        "problem_statement",
        "patch",
        "test_patch",
        "FAIL_TO_PASS",
        "PASS_TO_PASS",
        "difficulty",
    )
    good = {name: getattr(calc_task, name) for name in fields}
    good["FAIL_TO_PASS"], good["PASS_TO_PASS"] = (
        list(good["FAIL_TO_PASS"]),
        list(good["PASS_TO_PASS"]),
    )
    lost = {**good, "instance_id": "acme__lost-1", "repo": "acme/lost"}
    dataset = tmp_path / "tasks.jsonl"
    dataset.write_text(json.dumps(lost) + "\n" + json.dumps(good) + "\n")
    output = tmp_path / "out.jsonl"
    result = harness(
        "--dataset",
        str(dataset),
        "--repo-mirror",
        str(mirror),
        "--policy",
        "pro",
        "--output",
        str(output),
        "--run-id",
        run_id("mirror"),
    )
    assert result.returncode == 0, result.stderr
    rows = {r["instance_id"]: r for r in map(json.loads, output.read_text().splitlines())}
    assert rows["acme__lost-1"]["status"] == "error"
    assert "repo acme/lost not found in mirror" in rows["acme__lost-1"]["status_reason"]
    assert rows["acme__calc-1"]["status"] in ("resolved", "unresolved")
    assert (
        rows["acme__calc-1"]["FAIL_TO_PASS"]["success"]
        + rows["acme__calc-1"]["FAIL_TO_PASS"]["failure"]
        == good["FAIL_TO_PASS"]
    )


@pytest.mark.docker
def test_kill_9_mid_run_then_resume_gives_every_task_exactly_once(tmp_path, docker_client):
    import time

    output = tmp_path / "out.jsonl"
    args = [
        "--filter",
        "routekit|urlkit",
        "--workers",
        "2",
        "--policy",
        "flash",
        "--output",
        str(output),
        "--no-progress",
    ]
    first = subprocess.Popen(
        [sys.executable, "-m", "harness", *args, "--run-id", run_id("resume1")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and first.poll() is None:
        if output.exists() and len(output.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    first.kill()
    first.wait()
    written = len(output.read_text().splitlines())
    assert 3 <= written < 10, "the run finished before it could be killed"
    assert harness("sandbox", "gc").returncode == 0
    second = harness(*args, "--run-id", run_id("resume2"))
    assert second.returncode == 0, second.stderr
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    ids = [r["instance_id"] for r in rows]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert {r["run_id"] for r in rows} == {run_id("resume1"), run_id("resume2")}


@pytest.mark.docker
def test_images_build_list_and_prune(docker_client):
    built = harness("images", "build", str(MINI_SUITE))
    assert built.returncode == 0 and "1 of 1 task image(s) ready" in built.stdout
    # off a terminal, progress is a line per image, so that CI logs show it
    assert re.search(
        r"^\[1/1\] cascade-harness/task:\S+ ready \| ready 1, failed 0$", built.stderr, re.M
    ), built.stderr
    listed = harness("images", "list")
    assert "cascade-harness/task:" in listed.stdout and "cascade-harness/sandbox:" in listed.stdout
    docker_client.images.build(
        fileobj=io.BytesIO(b"FROM scratch\n"),
        labels={LABEL: "1"},
        tag=f"{LABEL}/task:stray",
        rm=True,  # no build container left behind
    )
    needed = DockerProvider(docker_client).prepare(load_tasks()[0])
    pruned = harness("images", "prune")  # keeps what the bundled suite needs
    assert pruned.returncode == 0, pruned.stderr
    tags = {tag for image in docker_client.images.list() for tag in image.tags}
    assert f"{LABEL}/task:stray" not in tags and needed in tags


@pytest.mark.docker
def test_a_task_that_fails_mid_way_keeps_the_cost_already_paid(tmp_path):
    script = [
        {"content": "THOUGHT: look\n\n```bash\nls\n```", "usage": deepseek_usage(0, 1000, 100)},
        {"status": 401},
    ]
    output = tmp_path / "api.jsonl"
    with FakeOpenAI(script) as server:
        result = harness(
            "--policy",
            "flash",
            "--dataset",
            str(MINI_SUITE),
            "--base-url",
            server.url,
            "--output",
            str(output),
            "--run-id",
            run_id("midway"),
            env={"DEEPSEEK_API_KEY": "sk-x"},
        )
    assert result.returncode == 1  # every task errored
    row = json.loads(output.read_text())
    assert row["status"] == "error" and "401" in row["status_reason"]
    assert row["cost_usd"] == pytest.approx((1000 * 0.14 + 100 * 0.28) / 1e6, rel=1e-12)
    assert row["turns"] == 1 and row["tokens"]["flash"]["cache_miss"] == 1000


@pytest.mark.docker
def test_tasks_validate_shows_progress_off_a_terminal():
    result = harness("tasks", "validate", str(MINI_SUITE))
    assert result.returncode == 0, result.stderr
    assert "[1/1] acme__calc-1 valid | valid 1, invalid 0, flaky 0" in result.stderr.splitlines()
    assert "1 task(s): 1 valid, 0 invalid, 0 unrunnable" in result.stdout
