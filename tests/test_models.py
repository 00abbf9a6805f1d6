import socket
import threading
import time
from datetime import UTC, datetime

import pytest

from harness import InfrastructureError
from harness.models import ModelError
from harness.models.client import OpenAIModel
from harness.models.retry import ClientSettings, retry_after_s
from harness.models.wire import ModelOptions, build_request
from harness.pricing import Usage

from .fake_openai import FakeOpenAI, deepseek_usage, openai_usage

KEY = "sk-test-secret-123"
FAST = {"retry-after-ms": "10"}
MESSAGES = [{"role": "user", "content": "hi"}]
OK = {"content": "ok", "usage": openai_usage(10, 0, 1)}
# Tiny backoff, so that bursts of failures cost milliseconds, not seconds.
QUICK = {"max_retries": 3, "backoff_base_s": 0.01, "backoff_cap_s": 0.02}


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("TEST_API_KEY", KEY)


def model(
    server_or_url,
    options=None,
    timeout=5.0,
    retry=QUICK,
    concurrency=8,
    name="deepseek-v4-flash",
    **kw,
):
    url = getattr(server_or_url, "url", server_or_url)
    return OpenAIModel(
        name,
        base_url=url,
        key_variable="TEST_API_KEY",
        options=options or ModelOptions(),
        settings=ClientSettings(timeout, max_concurrency=concurrency, **retry),
        **kw,
    )


def test_completion_over_real_http(key):
    with FakeOpenAI([{"content": "```submit\n```", "usage": deepseek_usage(50, 10, 7)}]) as srv:
        completion = model(srv).complete(MESSAGES)
    assert completion.content == "```submit\n```"
    assert completion.usage == Usage(50, 10, 7, 0)
    assert (completion.retries, completion.retry_wait_s) == (0, 0.0)
    assert srv.requests[0] == {"model": "deepseek-v4-flash", "messages": MESSAGES}
    assert srv.headers[0]["authorization"] == f"Bearer {KEY}"


def test_thinking_and_effort_are_sent_and_reasoning_is_returned_but_never_sent_back(key):
    options = ModelOptions(thinking="on", reasoning_effort="high")
    history = [
        *MESSAGES,
        {"role": "assistant", "content": "a", "reasoning_content": "secret"},
        {"role": "user", "content": "next"},
    ]
    reply = {"content": "b", "reasoning_content": "because", "usage": deepseek_usage(0, 9, 5, 3)}
    with FakeOpenAI([reply]) as srv:
        completion = model(srv, options).complete(history)
    sent = srv.requests[0]
    assert sent["thinking"] == {"type": "enabled"} and sent["reasoning_effort"] == "high"
    assert all(set(m) == {"role", "content"} for m in sent["messages"])
    assert completion.reasoning_content == "because"
    assert completion.usage.reasoning == 3
    assert build_request("m", MESSAGES, ModelOptions(thinking="off"))["thinking"] == {
        "type": "disabled"
    }


def test_429_is_retried_honouring_retry_after_in_seconds(key):
    waits = []
    script = [{"status": 429, "headers": {"retry-after": "2"}}, OK]
    with FakeOpenAI(script) as srv:
        completion = model(srv, sleep=waits.append).complete(MESSAGES)
    assert waits == [2.0]
    assert (completion.retries, completion.retry_wait_s) == (1, 2.0)


def test_retry_after_ms_is_honoured_with_a_real_wait(key):
    script = [
        {"status": 429, "headers": {"retry-after-ms": "50"}},
        {"status": 503, "headers": FAST},
        OK,
    ]
    with FakeOpenAI(script) as srv:
        started = time.monotonic()
        completion = model(srv).complete(MESSAGES)
    assert completion.retries == 2 and len(srv.requests) == 3
    assert completion.retry_wait_s == pytest.approx(0.06)
    assert time.monotonic() - started >= 0.06


def test_retry_after_forms():
    now = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_s({"retry-after": "Wed, 01 Jul 2026 12:00:30 GMT"}, now) == 30.0
    assert retry_after_s({"retry-after": "Wed, 01 Jul 2026 11:00:00 GMT"}, now) == 0.0
    assert retry_after_s({"retry-after": "7"}) == 7.0
    assert retry_after_s({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({}) is None


def test_a_burst_of_503_backs_off_exponentially_with_full_jitter(key):
    waits = []
    policy = {"max_retries": 5, "backoff_base_s": 1.0, "backoff_cap_s": 3.0}
    with FakeOpenAI([{"status": 503}] * 4 + [OK]) as srv:
        completion = model(srv, retry=policy, sleep=waits.append).complete(MESSAGES)
    assert completion.retries == 4 and completion.retry_wait_s == pytest.approx(sum(waits))
    assert [0 <= wait <= bound for wait, bound in zip(waits, [1, 2, 3, 3])] == [True] * 4


@pytest.mark.parametrize("status", [500, 502, 504])
def test_other_server_errors_are_retried(key, status):
    with FakeOpenAI([{"status": status}, OK]) as srv:
        assert model(srv).complete(MESSAGES).retries == 1


def test_persistent_server_errors_are_infrastructure_after_the_cap(key):
    with (
        FakeOpenAI([{"status": 503, "headers": FAST}] * 3) as srv,
        pytest.raises(InfrastructureError, match=r"HTTP 503; gave up after 3 attempt"),
    ):
        model(srv, retry={"max_retries": 2}).complete(MESSAGES)
    assert len(srv.requests) == 3


def test_a_retry_after_longer_than_allowed_gives_up_at_once(key):
    with (
        FakeOpenAI([{"status": 429, "headers": {"retry-after": "3600"}}]) as srv,
        pytest.raises(InfrastructureError, match="asks to wait 3600 s"),
    ):
        model(srv).complete(MESSAGES)
    assert len(srv.requests) == 1


def test_a_hang_past_the_timeout_is_retried(key):
    with FakeOpenAI([{"delay": 5, **OK}, OK]) as srv:
        started = time.monotonic()
        completion = model(srv, timeout=0.5).complete(MESSAGES)
    assert completion.retries == 1 and len(srv.requests) == 2
    assert time.monotonic() - started < 3


def test_request_timeout_is_a_deadline_even_when_the_server_keeps_the_request_alive(key):
    # blank lines every 0.1 s: the SDK's timeout, which waits for any byte, never fires
    alive = {**OK, "trickle": 10, "interval": 0.1}
    once = {"max_retries": 1, "backoff_base_s": 0.01, "backoff_cap_s": 0.02}
    with FakeOpenAI([alive, alive]) as srv:
        started = time.monotonic()
        with pytest.raises(InfrastructureError, match="no complete answer within 1 s"):
            model(srv, timeout=1.0, retry=once).complete(MESSAGES)
        elapsed = time.monotonic() - started
    assert len(srv.requests) == 2  # the deadline is per attempt, and a missed one is retried
    assert 2.0 <= elapsed < 3.5


def test_keep_alive_lines_before_a_reply_within_the_deadline_are_fine(key):
    with FakeOpenAI([{**OK, "trickle": 0.5, "interval": 0.1}]) as srv:
        completion = model(srv, timeout=5.0).complete(MESSAGES)
    assert completion.content == "ok" and completion.retries == 0


def test_persistent_hangs_are_infrastructure(key):
    with (
        FakeOpenAI([{"delay": 5, **OK}] * 2) as srv,
        pytest.raises(InfrastructureError, match="no complete answer within 0.5 s"),
    ):
        model(srv, timeout=0.5, retry={"max_retries": 1, "backoff_base_s": 0.01}).complete(MESSAGES)


def test_a_malformed_body_is_retried_then_infrastructure(key):
    with FakeOpenAI([{"raw": b"<html>bad gateway</html>"}, OK]) as srv:
        assert model(srv).complete(MESSAGES).retries == 1
    with (
        FakeOpenAI([{"raw": b"{not json"}] * 4) as srv,
        pytest.raises(InfrastructureError, match="malformed response body"),
    ):
        model(srv).complete(MESSAGES)
    assert len(srv.requests) == 4


def test_connection_errors_are_retried_then_infrastructure(key):
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(InfrastructureError, match="connection error"):
        model(f"http://127.0.0.1:{port}").complete(MESSAGES)


def test_401_names_the_variable_and_never_the_key(key):
    with (
        FakeOpenAI([{"status": 401, "message": f"bad key {KEY}"}]) as srv,
        pytest.raises(ModelError) as caught,
    ):
        model(srv).complete(MESSAGES)
    assert "TEST_API_KEY" in str(caught.value) and KEY not in str(caught.value)
    assert len(srv.requests) == 1


@pytest.mark.parametrize(
    "status, meaning",
    [
        (400, "bad request"),
        (402, "insufficient balance"),
        (403, "forbidden"),
        (404, "not found"),
        (422, "invalid parameters"),
    ],
)
def test_client_errors_end_the_call_at_once_with_the_reason(key, status, meaning):
    script = [{"status": status, "message": f"nope, key {KEY} is wrong"}]
    with FakeOpenAI(script) as srv, pytest.raises(ModelError) as caught:
        model(srv).complete(MESSAGES)
    text = str(caught.value)
    assert f"HTTP {status} ({meaning}" in text and "nope" in text
    assert KEY not in text and len(srv.requests) == 1


def test_concurrency_is_limited_per_model_across_objects(key):
    with FakeOpenAI([{"delay": 0.2, **OK}] * 6) as srv:
        models = [model(srv, concurrency=2) for _ in range(3)]
        assert models[0]._slots is models[2]._slots
        threads = [
            threading.Thread(target=models[i % 3].complete, args=(MESSAGES,)) for i in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(srv.requests) == 6 and srv.max_in_flight == 2
    assert model(srv, name="other")._slots is not models[0]._slots


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("TEST_API_KEY", raising=False)
    with pytest.raises(Exception, match="set TEST_API_KEY"):
        OpenAIModel("m", key_variable="TEST_API_KEY")


def test_temperature_is_an_option_sent_in_the_request_and_recorded_in_rows(key):
    from harness.commands import run

    config = run.configure(run.parser().parse_args(["--temperature", "0.3"]))
    assert config.models.options.temperature == 0.3
    assert config.identity("r").settings.model_options["temperature"] == 0.3
    with FakeOpenAI([OK]) as srv:
        model(srv, config.models.options).complete(MESSAGES)
    assert srv.requests[0]["temperature"] == 0.3
    default = run.configure(run.parser().parse_args([]))
    assert "temperature" not in build_request("m", MESSAGES, default.models.options)
