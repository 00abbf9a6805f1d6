import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import MINI_SUITE, run_id
from .fake_openai import FakeOpenAI, deepseek_usage

ROOT = Path(__file__).resolve().parent.parent


def harness(*args, env=None, timeout=600):
    environment = {k: v for k, v in os.environ.items() if k != "DEEPSEEK_API_KEY"}
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**environment, **(env or {})})


@pytest.mark.parametrize("args, message", [
    (["--policy", "nonsense"], "unknown policy 'nonsense'"),
    (["--dataset", "/no/such/file"], "dataset file not found: /no/such/file"),
    (["--max-steps", "0"], "--max-steps must be positive"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["report", "/no/such.jsonl"], "results file not found"),
    (["--rules", "/no/rules.toml"], "cannot read rules file"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = harness(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_help_describes_every_option():
    text = harness("--help").stdout
    for option in ("--policy", "--rules", "--dataset", "--split", "--instance-ids",
                   "--repo-mirror", "--seed", "--backend", "--base-url", "--api-key-env",
                   "--flash-model", "--pro-model", "--prices", "--max-steps", "--max-cost",
                   "--max-wall", "--command-timeout", "--base-image", "--memory", "--network",
                   "--output", "--rerun-errors", "--no-progress"):
        assert option in text, option
    for sub in ("setup", "report", "compare"):
        assert sub in text
        assert harness(sub, "--help").returncode == 0


@pytest.mark.docker
def test_simulated_run_writes_rows_resumes_and_reports(tmp_path):
    output = tmp_path / "run.jsonl"
    args = ["--policy", "cascade", "--dataset", str(MINI_SUITE), "--output", str(output),
            "--run-id", run_id("cli-sim")]
    first = harness(*args)
    assert first.returncode == 0, first.stderr
    assert "using simulated models" in first.stderr and "synthetic" in first.stdout
    assert f"Results: {output}" in first.stdout
    assert "cost/resolved" in first.stdout
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
    script = [{"content": fix, "usage": deepseek_usage(0, 1200, 150, 40)},
              {"content": "THOUGHT: done\n\n```submit\n```",
               "usage": deepseek_usage(1100, 300, 20)}]
    output = tmp_path / "api.jsonl"
    with FakeOpenAI(script) as server:
        result = harness("--policy", "cascade", "--dataset", str(MINI_SUITE), "--base-url",
                         server.url, "--output", str(output), "--run-id", run_id("cli-http"),
                         env={"DEEPSEEK_API_KEY": "sk-x"})
    assert result.returncode == 0, result.stderr
    row = json.loads(output.read_text())
    expected = (1200 * 0.14 + 150 * 0.28 + 1100 * 0.0028 + 300 * 0.14 + 20 * 0.28) / 1e6
    assert row["cost_usd"] == pytest.approx(expected, rel=1e-12)
    assert row["status"] == "resolved" and row["synthetic"] is False
    assert row["tokens"]["flash"] == {"cache_hit": 1100, "cache_miss": 1500, "output": 170,
                                      "reasoning": 40}
    written = [output, *(tmp_path / "api.trajectories").iterdir()]
    assert not any("sk-x" in path.read_text() for path in written)
    assert [r["model"] for r in server.requests] == ["deepseek-v4-flash"] * 2


def test_no_engine_is_one_line_and_exit_1(tmp_path):
    result = harness("--dataset", str(MINI_SUITE), "--output", str(tmp_path / "x.jsonl"),
                     env={"DOCKER_HOST": f"unix://{tmp_path}/none.sock"})
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("harness: error")]
    assert len(errors) == 1 and "python -m harness setup" in errors[0]
    assert "Traceback" not in result.stderr
