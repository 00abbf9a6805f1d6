import hashlib
import json

import pytest

from harness import HarnessError
from harness.models import ModelError
from harness.models.client import OpenAIModel
from harness.models.replay import (
    ReplayMiss,
    ReplayModel,
    Tape,
    canonical,
    request_hash,
    stable,
    turn_of,
)
from harness.models.retry import ClientSettings
from harness.models.wire import ModelOptions, build_request
from harness.prompts import default_prompts

from .conftest import MINI_SUITE, run_id
from .fake_openai import FakeOpenAI, deepseek_usage
from .helpers import harness

MESSAGES = [{"role": "system", "content": "s"}, {"role": "user", "content": "task"}]
RESTORED_NOTE = default_prompts().render("restored", observation="").strip()
THINK = ModelOptions(thinking="on")


def recording_model(server, tape, monkeypatch):
    monkeypatch.setenv("TEST_API_KEY", "sk-rec")
    return OpenAIModel(
        "deepseek-v4-flash",
        server.url,
        "TEST_API_KEY",
        THINK,
        ClientSettings(request_timeout=5),
        tape,
    )


def test_replay_serves_recorded_calls_in_order_without_a_server(tmp_path, monkeypatch):
    script = [
        {
            "content": f"reply {n}",
            "reasoning_content": f"why {n}",
            "usage": deepseek_usage(n, 100, 10, 4),
        }
        for n in range(3)
    ]
    with FakeOpenAI(script) as srv:
        model = recording_model(srv, Tape(tmp_path, "t-1"), monkeypatch)
        live = [model.complete(MESSAGES) for _ in range(3)]  # one request, three samples
    replay = ReplayModel("deepseek-v4-flash", Tape(tmp_path, "t-1"), THINK)
    replayed = [replay.complete(MESSAGES) for _ in range(3)]
    assert [(c.content, c.usage, c.reasoning_content) for c in replayed] == [
        (c.content, c.usage, c.reasoning_content) for c in live
    ]
    with pytest.raises(
        ReplayMiss, match="task t-1, turn 0: this request to deepseek-v4-flash was not recorded"
    ):
        replay.complete(MESSAGES)


def test_files_are_named_by_the_sha256_of_the_canonical_request(tmp_path, monkeypatch):
    with FakeOpenAI([{"content": "a", "usage": deepseek_usage(0, 5, 1)}]) as srv:
        recording_model(srv, Tape(tmp_path, "t"), monkeypatch).complete(MESSAGES)
    request = build_request("deepseek-v4-flash", MESSAGES, THINK)
    assert request == srv.requests[0]  # what is hashed is what went over the wire
    [path] = tmp_path.iterdir()
    assert path.name == hashlib.sha256(canonical(stable(request))).hexdigest() + ".json"
    stored = json.loads(path.read_text())
    assert stored["request"] == request and stored["response"]["choices"][0]["message"] == {
        "role": "assistant",
        "content": "a",
    }


def test_durations_and_addresses_do_not_change_the_address():
    def request(observation):
        return build_request("m", [*MESSAGES, {"role": "user", "content": observation}], THINK)

    same = ["3 passed in 0.02s <x at 0x7f3a9c2d1e80>", "3 passed in 1.75s <x at 0x7f00aa11bb22>"]
    assert request_hash(request(same[0])) == request_hash(request(same[1]))
    assert request_hash(request("3 passed in 0.02s")) != request_hash(
        request("2 passed, 1 failed in 0.02s")
    )
    assert (
        stable(request(same[0]))["messages"][-1]["content"]
        == "3 passed in <duration> <x at 0x<address>>"
    )


def test_a_recorded_response_without_usage_is_estimated_the_same_way_in_replay(
    tmp_path, monkeypatch
):
    with FakeOpenAI([{"content": "free?"}]) as srv:
        live = recording_model(srv, Tape(tmp_path, "t"), monkeypatch).complete(MESSAGES)
    replayed = ReplayModel("deepseek-v4-flash", Tape(tmp_path, "t"), THINK).complete(MESSAGES)
    assert live.usage_source == replayed.usage_source == "estimated"
    assert live.usage == replayed.usage and live.usage.prompt > 0 and live.usage.output > 0
    with FakeOpenAI([{"raw": b"{}"}]) as srv, pytest.raises(ModelError, match="no choices"):
        recording_model(srv, Tape(tmp_path, "u"), monkeypatch).complete(MESSAGES)
    with pytest.raises(ModelError, match="no choices") as failed:
        ReplayModel("deepseek-v4-flash", Tape(tmp_path, "u"), THINK).complete(MESSAGES)
    assert failed.value.billed is not None and failed.value.billed.usage_source == "unknown"


def test_turn_of_a_request():
    turn2 = MESSAGES + [{"role": "assistant", "content": "a"}, {"role": "user", "content": "o"}] * 2
    assert turn_of(MESSAGES) == 0 and turn_of(turn2) == 2
    with_failure = turn2 + [
        {"role": "assistant", "content": "bad"},
        {"role": "user", "content": f"red\n\n{RESTORED_NOTE}"},
    ]
    assert turn_of(with_failure) == 2


RULES = """
[policies.voting]
default = "flash"
escalate_to = "pro"
escalate_on = ["patch_failed", "tests_red", "vote_split", "format_error"]
vote_samples = 3
"""


@pytest.mark.docker
def test_a_replayed_run_writes_the_same_rows_with_no_server(tmp_path, calc_task):
    fix = f"THOUGHT: fix\n\n```diff\n{calc_task.patch}```"
    # Turn 0 is voted on: three samples of one request, one of them malformed.
    script = [
        {"status": 503, "headers": {"retry-after-ms": "10"}},
        {"content": fix, "reasoning_content": "r1", "usage": deepseek_usage(0, 1200, 150, 40)},
        {
            "content": "THOUGHT: oops\n\n```diff\nnonsense\n```",
            "usage": deepseek_usage(1200, 0, 30),
        },
        {"content": fix, "usage": deepseek_usage(1200, 0, 140, 20)},
        {"content": "THOUGHT: done\n\n```submit\n```", "usage": deepseek_usage(1100, 300, 20)},
    ]
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    tape = tmp_path / "tape"
    common = [
        "--policy",
        "voting",
        "--rules",
        str(rules),
        "--dataset",
        str(MINI_SUITE),
        "--no-progress",
        "--run-id",
        run_id("replay"),
        "--thinking",
    ]
    with FakeOpenAI(script) as server:
        recorded = harness(
            *common,
            "on",
            "--base-url",
            server.url,
            "--record",
            str(tape),
            "--output",
            str(tmp_path / "a" / "run.jsonl"),
            env={"DEEPSEEK_API_KEY": "sk-rec"},
        )
    assert recorded.returncode == 0, recorded.stderr
    assert len(server.requests) == 5 and len(list(tape.iterdir())) == 4
    # The server is gone and there is no key: any network call would fail the task.
    replayed = harness(
        *common,
        "on",
        "--base-url",
        server.url,
        "--replay",
        str(tape),
        "--output",
        str(tmp_path / "b" / "run.jsonl"),
    )
    assert replayed.returncode == 0, replayed.stderr

    def rows(path):  # all but when, how long things took, and the attempt's id in the journal
        varies = ("started_at", "wall_time_s", "image_wait_s", "registry_wait_s", "attempt_id")
        return [
            {k: v for k, v in json.loads(line).items() if k not in varies}
            for line in path.read_text().splitlines()
        ]

    [row] = rows(tmp_path / "a" / "run.jsonl")
    assert row["status"] == "resolved" and row["backend"] == "openai"
    assert row["tokens"]["flash"]["reasoning"] == 60
    assert rows(tmp_path / "b" / "run.jsonl") == [row]

    # A request that was not recorded (thinking off changes it) names the task and the turn.
    missed = harness(
        *common, "off", "--replay", str(tape), "--output", str(tmp_path / "c" / "run.jsonl")
    )
    [miss] = rows(tmp_path / "c" / "run.jsonl")
    assert missed.returncode == 1 and miss["status"] == "error"
    assert "task acme__calc-1, turn 0" in miss["status_reason"]
    assert "was not recorded" in miss["status_reason"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--record", "r", "--replay", "r"], "--record and --replay exclude each other"),
        (["--replay", "/no/such/tape"], "no recordings folder: /no/such/tape"),
        (["--replay", ".", "--backend", "sim"], "not with --backend sim"),
        (["--record", "r"], "--record records endpoint calls"),
        (["--max-concurrency", "0"], "--max-concurrency must be positive"),
    ],
)
def test_bad_record_and_replay_options(args, message):
    result = harness("--dataset", str(MINI_SUITE), *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr


@pytest.mark.parametrize(
    "script, message",
    [
        ([{"status": 401}], "the API key was refused (HTTP 401)"),
        ([{"status": 400, "message": "messages: too long"}], "HTTP 400 (bad request)"),
        ([{"status": 404}], "HTTP 404 (not found"),
        ([{"status": 501}], "HTTP 501 (server error)"),
        ([{"status": 503, "headers": {"retry-after-ms": "1"}}, {"status": 422}], "HTTP 422"),
        ([{"status": 503, "headers": {"retry-after-ms": "1"}}] * 3, "gave up after 3 attempt(s)"),
    ],
)
def test_a_failed_call_is_recorded_and_its_replay_fails_the_same_way(
    tmp_path, monkeypatch, script, message
):
    monkeypatch.setenv("TEST_API_KEY", "sk-rec")
    settings = ClientSettings(request_timeout=5, max_retries=2)
    with FakeOpenAI(script) as srv, pytest.raises(HarnessError) as live:
        OpenAIModel(
            "deepseek-v4-flash", srv.url, "TEST_API_KEY", THINK, settings, Tape(tmp_path, "t")
        ).complete(MESSAGES)
    assert message in str(live.value)
    with pytest.raises(HarnessError) as replayed:
        ReplayModel("deepseek-v4-flash", Tape(tmp_path, "t"), THINK).complete(MESSAGES)
    assert type(replayed.value) is type(live.value) and str(replayed.value) == str(live.value)
    assert (replayed.value.retries, replayed.value.retry_wait_s) == (
        live.value.retries,
        live.value.retry_wait_s,
    )
