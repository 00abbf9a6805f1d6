import pytest

from harness import InfrastructureError
from harness.models import ModelError, OpenAIModel, parse_usage
from harness.pricing import Usage

from .fake_openai import FakeOpenAI, deepseek_usage, openai_usage

KEY = "sk-test-secret-123"
FAST = {"retry-after-ms": "10"}
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("TEST_API_KEY", KEY)


def model(server, **kw):
    return OpenAIModel("deepseek-v4-flash", base_url=server.url, key_variable="TEST_API_KEY",
                       **{"timeout": 5, "max_retries": 3, **kw})


def test_usage_deepseek_and_openai_styles():
    assert parse_usage(deepseek_usage(100, 20, 30, 10)) == Usage(100, 20, 30, 10)
    assert parse_usage(openai_usage(120, 100, 30, 10)) == Usage(100, 20, 30, 10)
    assert parse_usage({"prompt_tokens": 5, "completion_tokens": 2}) == Usage(0, 5, 2, 0)


def test_a_response_without_usage_is_an_error_not_a_free_call():
    with pytest.raises(ModelError, match="no usage"):
        parse_usage(None)


def test_completion_over_real_http(key):
    with FakeOpenAI([{"content": "```submit\n```", "usage": deepseek_usage(50, 10, 7)}]) as srv:
        completion = model(srv).complete(MESSAGES)
    assert completion.content == "```submit\n```"
    assert completion.usage == Usage(50, 10, 7, 0)
    assert srv.requests[0]["model"] == "deepseek-v4-flash"
    assert srv.requests[0]["messages"] == MESSAGES
    assert srv.headers[0]["authorization"] == f"Bearer {KEY}"


def test_429_is_retried_honouring_retry_after(key):
    script = [{"status": 429, "headers": {"retry-after-ms": "10"}},
              {"status": 503, "headers": FAST}, {"content": "ok", "usage": openai_usage(10, 0, 1)}]
    with FakeOpenAI(script) as srv:
        completion = model(srv).complete(MESSAGES)
    assert completion.retries == 2 and len(srv.requests) == 3


def test_401_names_the_variable_and_never_the_key(key):
    with FakeOpenAI([{"status": 401}]) as srv, pytest.raises(ModelError) as caught:
        model(srv).complete(MESSAGES)
    assert "TEST_API_KEY" in str(caught.value) and KEY not in str(caught.value)


def test_persistent_server_errors_are_infrastructure(key):
    script = [{"status": 503, "headers": FAST}] * 3
    with FakeOpenAI(script) as srv, pytest.raises(InfrastructureError):
        model(srv, max_retries=2).complete(MESSAGES)


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("TEST_API_KEY", raising=False)
    with pytest.raises(Exception, match="set TEST_API_KEY"):
        OpenAIModel("m", key_variable="TEST_API_KEY")
