"""What a call is billed for: the provider's usage when it adds up, the dearest reading when it
does not, an estimate from the text when it is unusable; never a free call; and every view
says how many calls were not billed as reported."""

import pytest

from harness.agent.calls import ask
from harness.agent.policy import BUILTIN
from harness.models import ModelError
from harness.models.client import OpenAIModel
from harness.models.factory import ModelFamily, ModelSettings
from harness.models.retry import ClientSettings
from harness.models.tokens import count_tokens, prompt_tokens
from harness.models.usage import billed
from harness.pricing import Usage, cost, load_prices
from harness.reporting.collect import collect
from harness.results import ModelCall, ResultStore, read_rows
from harness.runner import RunConfig, run_tasks

from .fake_openai import FakeOpenAI, deepseek_usage, openai_usage
from .helpers import check, fence, full_row, run_cli, write_rows

MESSAGES = [{"role": "system", "content": "be brief " * 40}, {"role": "user", "content": "hi"}]
REPLY = "THOUGHT: look\n\n```bash\nls -la\n```"
PROMPT = prompt_tokens(MESSAGES)
FLASH = load_prices().price("deepseek-v4-flash")


def test_usage_that_adds_up_is_taken_as_reported_in_either_style():
    assert billed(deepseek_usage(100, 20, 30, 10), MESSAGES, REPLY) == billed(
        openai_usage(120, 100, 30, 10), MESSAGES, REPLY
    )
    bill = billed(deepseek_usage(100, 20, 30, 10), MESSAGES, REPLY)
    assert (bill.usage, bill.source, bill.note) == (Usage(100, 20, 30, 10), "reported", "")
    plain = billed({"prompt_tokens": 5, "completion_tokens": 2}, MESSAGES, REPLY)
    assert (plain.usage, plain.source) == (Usage(0, 5, 2, 0), "reported")
    both = {"prompt_tokens": 10, "completion_tokens": 5}
    hit, miss = {"prompt_cache_hit_tokens": 4}, {"prompt_cache_miss_tokens": 10}
    assert billed({**both, **hit}, MESSAGES, REPLY).usage == Usage(4, 6, 5)
    assert billed({**both, **miss}, MESSAGES, REPLY).usage == Usage(0, 10, 5)
    # a 0 miss count with no prompt_tokens was once priced as -9000 tokens
    hits = {"prompt_cache_hit_tokens": 9000, "prompt_cache_miss_tokens": 0, "completion_tokens": 1}
    assert billed(hits, MESSAGES, REPLY).usage == Usage(9000, 0, 1, 0)


UNUSABLE = [
    (None, "no usage"),
    ({}, "no completion_tokens"),
    ({"total_tokens": 120}, "no completion_tokens"),
    ({"prompt_tokens": 10, "total_tokens": 15}, "no completion_tokens"),
    ({"completion_tokens": 5}, "no prompt_tokens"),
    ({"prompt_cache_hit_tokens": 9000, "completion_tokens": 5}, "without prompt_tokens"),
    ({"prompt_tokens": -10, "completion_tokens": 5}, "prompt_tokens"),
    ({"prompt_tokens": 10, "completion_tokens": -5}, "completion_tokens"),
    ({"prompt_tokens": 10, "completion_tokens": "5"}, "completion_tokens"),
    ({"prompt_tokens": 10.5, "completion_tokens": 5}, "prompt_tokens"),
    ({"prompt_tokens": True, "completion_tokens": 5}, "prompt_tokens"),
    ({"prompt_tokens": 10, "completion_tokens": 5, "completion_tokens_details": 7}, "details"),
    ("lots", "str"),
    ({"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}, "no tokens at all"),
]


@pytest.mark.parametrize("usage, why", UNUSABLE)
def test_unusable_usage_is_estimated_from_the_text_never_free(usage, why):
    bill = billed(usage, MESSAGES, REPLY, "because")
    assert bill.source == "estimated" and why in bill.note and "\n" not in bill.note
    thought = count_tokens("because")
    assert bill.usage == Usage(0, PROMPT, count_tokens(REPLY) + thought, thought)
    assert cost(bill.usage, FLASH) > 0


def test_a_response_without_a_reply_is_estimated_from_the_request_alone():
    bill = billed(None, MESSAGES, None)
    assert bill.source == "unknown" and "request alone" in bill.note
    assert bill.usage == Usage(cache_miss=PROMPT)


@pytest.mark.parametrize(
    "usage, expected, problem",
    [
        # reasoning outside the completion count: both are output (never 5x under-billed)
        (
            {"prompt_tokens": 100, "completion_tokens": 200, "total_tokens": 300,
             "completion_tokens_details": {"reasoning_tokens": 1000}},
            Usage(0, 100, 1200, 1000),
            "reasoning_tokens 1000 exceed completion_tokens 200",
        ),
        # a total that counts more than the parts bills the difference as output
        (
            {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 150},
            Usage(0, 100, 50, 0),
            "total_tokens 150 exceed",
        ),
        (
            {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 110},
            Usage(0, 100, 20, 0),
            "total_tokens 110 are less",
        ),
        # cache counts that contradict the prompt count: no discount, every token a miss
        (
            {"prompt_tokens": 10, "completion_tokens": 5, "prompt_cache_hit_tokens": 8,
             "prompt_cache_miss_tokens": 8},
            Usage(0, 16, 5, 0),
            "are not prompt_tokens 10",
        ),
        (
            {"prompt_tokens": 10, "completion_tokens": 5,
             "prompt_tokens_details": {"cached_tokens": 11}},
            Usage(0, 10, 5, 0),
            "cached_tokens 11 exceed",
        ),
        # a zero the text contradicts is estimated from the text
        (
            {"prompt_tokens": 0, "completion_tokens": 7},
            Usage(0, PROMPT, 7, 0),
            "0 prompt tokens",
        ),
        (
            {"prompt_tokens": 50, "completion_tokens": 0},
            Usage(0, 50, count_tokens(REPLY), 0),
            "0 completion tokens",
        ),
    ],
)  # fmt: skip
def test_counts_that_do_not_add_up_are_flagged_and_billed_at_the_dearest_reading(
    usage, expected, problem
):
    bill = billed(usage, MESSAGES, REPLY)
    assert bill.source == "adjusted" and problem in bill.note
    assert bill.usage == expected


def test_reasoning_counted_outside_the_completion_openly_is_billed_as_output():
    usage = {
        "prompt_tokens": 100,
        "completion_tokens": 200,
        "total_tokens": 1300,
        "completion_tokens_details": {"reasoning_tokens": 1000},
    }
    bill = billed(usage, MESSAGES, REPLY)
    assert (bill.source, bill.usage) == ("reported", Usage(0, 100, 1200, 1000))


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("TEST_API_KEY", "sk-test")

    def make(server):
        settings = ClientSettings(5.0, max_retries=0)
        return OpenAIModel("deepseek-v4-flash", server.url, "TEST_API_KEY", settings=settings)

    return make


def blank_call() -> ModelCall:
    return ModelCall(
        turn=0, tier="flash", model="deepseek-v4-flash", reason="default", usage=Usage(), cost_usd=0
    )


@pytest.mark.parametrize(
    "usage", [None, {"total_tokens": 120}, {"prompt_tokens": 0, "completion_tokens": 0}]
)
def test_an_answered_call_without_usable_usage_costs_its_estimate_over_http(client, usage):
    reply = {"content": REPLY, "reasoning_content": "why not"}
    with FakeOpenAI([{**reply, "usage": usage}]) as server:
        calls: list[ModelCall] = []
        completion = ask(client(server), MESSAGES, blank_call(), FLASH, calls)
    assert completion.content == REPLY and len(server.requests) == 1  # not retried
    [call] = calls
    assert call.usage_source == "estimated" and call.cost_usd > 0
    assert call.usage.cache_miss == PROMPT and call.reasoning_content == "why not"
    assert call.cost_usd == pytest.approx(cost(call.usage, FLASH))


def test_a_billed_answer_without_choices_fails_the_call_but_keeps_its_cost(client):
    body = {"raw": b'{"id": "r9", "choices": [], "usage": {"prompt_tokens": 900, '
            b'"completion_tokens": 40, "total_tokens": 940}}'}  # fmt: skip
    with FakeOpenAI([body]) as server:
        calls: list[ModelCall] = []
        with pytest.raises(ModelError, match="no choices"):
            ask(client(server), MESSAGES, blank_call(), FLASH, calls)
    [call] = calls
    assert call.error and call.usage == Usage(0, 900, 40, 0) and call.usage_source == "reported"
    assert call.cost_usd == pytest.approx((900 * 0.14 + 40 * 0.28) / 1e6)


def test_an_answer_with_neither_choices_nor_usage_is_of_unknown_usage(client):
    with FakeOpenAI([{"raw": b'{"id": "r9"}'}]) as server:
        calls: list[ModelCall] = []
        with pytest.raises(ModelError, match="no choices"):
            ask(client(server), MESSAGES, blank_call(), FLASH, calls)
    [call] = calls
    assert call.usage_source == "unknown" and call.usage == Usage(cache_miss=PROMPT)
    assert call.cost_usd > 0


def test_the_reasoning_and_the_response_id_are_kept_with_the_call(client):
    reply = {"content": REPLY, "reasoning_content": "the test imports the wrong module"}
    with FakeOpenAI([{**reply, "usage": deepseek_usage(10, 90, 30, 12)}]) as server:
        calls: list[ModelCall] = []
        ask(client(server), MESSAGES, blank_call(), FLASH, calls)
    [call] = calls
    assert call.reasoning_content == "the test imports the wrong module"
    assert call.response_id == "c1" and call.usage_source == "reported"


def test_a_run_whose_replies_carry_no_usage_records_estimated_calls_never_free(
    tmp_path, local, calc_task, monkeypatch
):
    monkeypatch.setenv("TEST_API_KEY", "sk-x")
    script = [
        {"content": fence("bash", "ls"), "usage": None},
        {"content": fence("submit", ""), "usage": {"prompt_tokens": 0, "completion_tokens": 0}},
    ]
    path = tmp_path / "run.jsonl"
    with FakeOpenAI(script) as server:
        settings = ModelSettings(base_url=server.url, api_key_env="TEST_API_KEY")
        models = ModelFamily(settings, "openai", client=ClientSettings(request_timeout=5))
        config = RunConfig(policy=BUILTIN["flash"], prices=load_prices(), models=models)
        with ResultStore(path) as store:
            run_tasks([calc_task], config, local, store)
    [row] = read_rows(path)
    assert row.inexact_calls == {"estimated": 2} and row.cost_usd > 0
    assert row.tokens["flash"].cache_miss > 0 and row.tokens["flash"].output > 0
    [summary] = collect([path]).summaries()
    assert summary.metrics.estimated_calls == 2


def test_every_view_says_how_many_calls_were_not_billed_as_reported(tmp_path, capsys):
    """Totals that rest on estimated usage are marked ~, and each view counts such calls."""
    exact = [full_row(f"t-{n}", "resolved", 0.25) for n in range(4)]
    estimated = exact[:3] + [
        full_row(
            "t-3", "resolved", 0.25, inexact_calls={"estimated": 2, "adjusted": 1, "unknown": 1}
        )
    ]
    a = write_rows(tmp_path / "a.jsonl", exact)
    b = write_rows(tmp_path / "b.jsonl", estimated)
    said = "4 model call(s) not billed as reported: 1 adjusted"
    code, out, _ = run_cli(capsys, "report", b, "--resamples", "100")
    assert code == 0 and "~$1.000" in out and said in out
    assert "2 estimated from the text" in out and "1 of unknown usage" in out
    code, out, _ = run_cli(capsys, "report", a, "--resamples", "100")
    assert code == 0 and "~$" not in out and "not billed as reported" not in out
    code, out, _ = run_cli(capsys, "report", b, "--resamples", "100", "--format", "markdown")
    assert code == 0 and "~$1.000" in out and said in out
    page = tmp_path / "r.html"
    code, _, _ = run_cli(capsys, "report", b, "--resamples", "100", "--html", str(page))
    assert code == 0 and "~$1.000" in page.read_text() and said in page.read_text()
    code, out, _ = run_cli(capsys, "compare", a, b, "--resamples", "100")
    assert code == 0 and "B spent ~$1.000 in all" in out and f"note: B: {said}" in out
    code, out, _ = check(capsys, a, b)
    assert code == 0 and f"note: candidate: {said}" in out and "-> ~$0.2500" in out
