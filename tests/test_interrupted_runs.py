"""Runs stopped from outside, against a local OpenAI-compatible server that keeps its own bill:
SIGTERM or kill -9 at random points, then resume and report. No billed dollar is lost, and
SIGTERM ends a run within 2 s, even while its tasks wait on the server."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.pricing import Usage, cost, load_prices
from harness.reporting.collect import collect
from harness.reporting.tables import money
from harness.results import read_rows
from harness.results.journal import journal_path

from .conftest import run_id
from .fake_openai import FakeOpenAI, deepseek_usage
from .helpers import ROOT, fence, harness

pytestmark = [pytest.mark.docker, pytest.mark.scenario]

PRICES = load_prices()
TASKS = ["--slice", "0:3", "--workers", "2", "--policy", "cascade", "--no-progress"]
CALLS = 12  # per run of the three tasks: a command, a reply with no action (re-run on pro), submit


def reply_to(body: dict) -> dict:
    """The agent's turns: a command; a reply with no action, which the cascade re-runs on pro
    (another command); submit. Usage that adds up, with cache hits after the first turn."""
    turn = sum(message["role"] == "assistant" for message in body["messages"])
    pro = body["model"].endswith("pro")
    if turn == 0:
        content = fence("bash", "ls")
    elif turn == 1:
        content = fence("bash", "git status --short") if pro else "THOUGHT: thinking aloud"
    else:
        content = fence("submit", "")
    prompt = sum(len(message["content"]) for message in body["messages"]) // 4 + 7
    hit = prompt // 2 if turn else 0
    usage = deepseek_usage(hit, prompt - hit, len(content) // 4 + 9, 4)
    return {"content": content, "usage": usage, "delay": 0.05}


def bill(server: FakeOpenAI) -> dict[str, float]:
    """What the server charged, per response id, at the bundled prices."""
    charged = {}
    for reply_id, model, usage in server.billed:
        hit, miss = usage["prompt_cache_hit_tokens"], usage["prompt_cache_miss_tokens"]
        tokens = Usage(hit, miss, usage["completion_tokens"])
        charged[reply_id] = cost(tokens, PRICES.price(model))
    return charged


def journal_calls(results: Path) -> tuple[dict[str, float], list[float]]:
    """From the journal: the cost of each settled call by response id, and the estimates of
    the calls that were sent and never settled (in flight when the run stopped)."""
    entries = [json.loads(line) for line in journal_path(results).read_text().splitlines()]
    calls = {}
    for entry in entries:
        if entry["event"] in ("sending", "settled"):
            key = (entry["attempt"], entry["number"])
            if entry["event"] == "settled" or key not in calls:
                calls[key] = entry
    settled = {
        e["call"]["response_id"]: e["call"]["cost_usd"]
        for e in calls.values()
        if e["event"] == "settled"
    }
    in_flight = [e["call"]["cost_usd"] for e in calls.values() if e["event"] == "sending"]
    return settled, in_flight


def start(server: FakeOpenAI, output: Path, run: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "harness", *TASKS, "--base-url", server.url, "--output",
         str(output), "--run-id", run],
        cwd=ROOT,
        env={**harness_env(), "DEEPSEEK_API_KEY": "sk-test"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def harness_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "DEEPSEEK_API_KEY"}


@pytest.mark.parametrize(
    "signal_number, seed",
    [(signal.SIGTERM, 1), (signal.SIGKILL, 2), (signal.SIGTERM, 3), (signal.SIGKILL, 4)],
)
def test_a_run_stopped_at_a_random_point_loses_no_billed_dollar(tmp_path, signal_number, seed):
    rng = random.Random(seed)
    output = tmp_path / "run.jsonl"
    with FakeOpenAI(reply_to) as server:
        process = start(server, output, run_id(f"stop{seed}"))
        calls_before = rng.randint(1, CALLS - 2)  # a random point: after some calls ...
        deadline = time.monotonic() + 300
        while len(server.billed) < calls_before and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.3))  # ... in a call, between calls, or in the sandbox
        sent = time.monotonic()
        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=60)
        stopped_after = time.monotonic() - sent
        if signal_number == signal.SIGTERM:
            assert process.returncode == 130 and "Traceback" not in stderr, stderr
            assert stopped_after < 2.0
        else:
            assert harness("sandbox", "gc").returncode == 0
        assert len(server.billed) < CALLS, "the run ended before it was stopped"
        resumed = start(server, output, run_id(f"resume{seed}"))
        _, stderr = resumed.communicate(timeout=600)
        assert resumed.returncode == 0, stderr
        report = harness("report", str(output))
        time.sleep(0.2)  # a reply the server was still writing to the stopped run is billed
        charged = bill(server)
    assert report.returncode == 0, report.stderr
    assert len(read_rows(output)) == 3  # every task once
    settled, in_flight = journal_calls(output)
    # every call the harness read a reply of is on the server's bill, priced exactly
    assert set(settled) <= set(charged)
    assert all(settled[i] == pytest.approx(charged[i], rel=1e-12) for i in settled)
    # what the server billed that no reply was read of were calls in flight at the stop,
    # counted as calls of unknown usage at an estimate from their request
    assert len(set(charged) - set(settled)) <= len(in_flight)
    [summary] = collect([output]).summaries()
    expected = sum(charged[i] for i in settled) + sum(in_flight)
    assert summary.metrics.cost_usd == pytest.approx(expected, rel=1e-9)
    assert summary.metrics.unknown_calls == len(in_flight)
    if not in_flight:  # nothing was in flight: the report's total is the server's bill
        assert summary.metrics.cost_usd == pytest.approx(sum(charged.values()), rel=1e-9)
    total = money(summary.metrics.cost_usd, bool(in_flight))
    assert f"  {total}  " in report.stdout, report.stdout


def test_sigterm_ends_a_run_within_2_s_while_its_tasks_wait_on_the_model(tmp_path):
    """A request the server takes 30 s to answer used to keep the process alive until the
    answer came (worker threads were joined at exit): now the run ends at once, and the
    calls in flight are in the journal as calls of unknown usage."""
    slow = {"content": fence("bash", "ls"), "usage": deepseek_usage(0, 900, 20), "delay": 30}
    output = tmp_path / "run.jsonl"
    with FakeOpenAI(lambda body: slow) as server:
        process = start(server, output, run_id("slow"))
        deadline = time.monotonic() + 300
        while len(server.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        stopped_after = time.monotonic() - sent
    assert process.returncode == 130 and "interrupted" in stderr, stderr
    assert stopped_after < 2.0
    settled, in_flight = journal_calls(output)
    assert not settled and len(in_flight) == 2 and all(c > 0 for c in in_flight)
