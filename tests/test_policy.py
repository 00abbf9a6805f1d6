from pathlib import Path

import pytest

from harness import HarnessError
from harness.agent.policy import (
    BUILTIN,
    Policy,
    Route,
    TurnRecord,
    escalation,
    load_rules,
    resolve_policy,
    route_turn,
)

CASCADE = BUILTIN["cascade"]
FLASH_OK = TurnRecord("flash", "ok")
ESCALATED = TurnRecord("pro", "ok", escalated=True)


def test_single_tier_policies_never_escalate():
    for name in ("pro", "flash"):
        policy = BUILTIN[name]
        assert route_turn(policy, []) == Route(name, "default")
        assert escalation(policy, [], name, "tests_red") is None


@pytest.mark.parametrize("outcome", ["patch_failed", "tests_red", "vote_split", "format_error"])
def test_cascade_escalates_on_each_trigger(outcome):
    assert escalation(CASCADE, [FLASH_OK], "flash", outcome) == Route("pro", outcome)


@pytest.mark.parametrize("outcome", ["ok", "command_failed", "check_error", "check_timeout"])
def test_cascade_keeps_flash_on_other_outcomes(outcome):
    assert escalation(CASCADE, [FLASH_OK], "flash", outcome) is None


def test_a_rules_file_may_escalate_a_check_that_gave_no_result(tmp_path):
    body = '[policies.wary]\nescalate_to = "pro"\nescalate_on = ["check_error"]\n'
    wary = load_rules(write(tmp_path, body))["wary"]
    assert escalation(wary, [FLASH_OK], "flash", "check_error") == Route("pro", "check_error")


def test_a_turn_already_on_the_escalation_tier_is_not_rerun():
    assert escalation(CASCADE, [], "pro", "tests_red") is None


def test_max_escalations_is_a_per_task_budget():
    policy = Policy("c", escalate_to="pro", escalate_on=frozenset({"tests_red"}), max_escalations=2)
    assert escalation(policy, [ESCALATED], "flash", "tests_red") == Route("pro", "tests_red")
    assert escalation(policy, [ESCALATED, FLASH_OK, ESCALATED], "flash", "tests_red") is None


def test_sticky_turns_keep_the_escalation_tier_after_an_escalation():
    policy = Policy("s", escalate_to="pro", escalate_on=frozenset({"tests_red"}), sticky_turns=2)
    assert route_turn(policy, [ESCALATED]) == Route("pro", "sticky")
    assert route_turn(policy, [ESCALATED, TurnRecord("pro", "ok")]) == Route("pro", "sticky")
    assert route_turn(policy, [ESCALATED, FLASH_OK, FLASH_OK]) == Route("flash", "default")
    assert route_turn(CASCADE, [ESCALATED]) == Route("flash", "default")


def test_rules_hash_ignores_the_name_but_not_the_rules():
    renamed = Policy(**{**CASCADE.__dict__, "name": "other"})
    assert renamed.rules_hash == CASCADE.rules_hash
    changed = Policy(**{**CASCADE.__dict__, "max_escalations": 3})
    assert changed.rules_hash != CASCADE.rules_hash


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


def test_rules_file_defines_policies(tmp_path):
    path = write(
        tmp_path,
        """
[policies.careful]
default = "flash"
escalate_to = "pro"
escalate_on = ["tests_red"]
vote_samples = 3
max_escalations = 5
escalation_context = "with_failure"
sticky_turns = 1
""",
    )
    policy = load_rules(path)["careful"]
    assert policy == Policy(
        "careful", "flash", "pro", frozenset({"tests_red"}), 3, 5, "with_failure", 1
    )
    assert resolve_policy("careful", path) == policy
    assert resolve_policy("pro", path) == BUILTIN["pro"]


@pytest.mark.parametrize(
    "body, message",
    [
        ('[policies.x]\nescalate_on = ["tests_rd"]', "escalate_on.0: Input should be 'ok'"),
        ('[policies.x]\nescalate_on = ["ok"]', "escalate_on: 'ok' is not a failing"),
        ('[policies.x]\ndefault = "huge"', "x.default: Input should be 'flash'"),
        ('[policies.x]\nvote_samples = "3"', "vote_samples: Input should be a valid"),
        ("[policies.x]\nmax_escalations = -1", "max_escalations: Input should be greater"),
        ('[policies.x]\nescalation_context = "all"', "escalation_context: Input should be"),
        ("[policies.x]\nretries = 2", "unknown key 'retries'"),
        ("[other]\na = 1", "missing key 'policies'"),
        ("[policies.x\n", "line 1"),
    ],
)
def test_invalid_rules_name_the_key(tmp_path, body, message):
    with pytest.raises(HarnessError, match=None) as caught:
        load_rules(write(tmp_path, body))
    assert message in str(caught.value)


def test_unknown_policy_lists_the_choices():
    with pytest.raises(
        HarnessError, match="unknown policy 'nonsense'; choose from cascade, flash, pro"
    ):
        resolve_policy("nonsense")
