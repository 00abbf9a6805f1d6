"""Calibrated behaviour of the simulated family: its token shapes, turn structure and the
agreement of vote samples, on the calc task without a sandbox."""

import pytest

from harness.files import parse_tables
from harness.models.sim import ATTEMPT, FIX, INSPECT, REVERT, REVIEW, SUBMIT, SimModel
from harness.models.sim_params import SimParams, load_params
from harness.models.sim_usage import Ledger

SHAPES = {
    "flash": {
        "prompt_base": 1000.0,
        "prompt_growth": 100.0,
        "output": 50.0,
        "cache_hit_ratio": 0.9,
        "cold_cache_hit": 400.0,
    },
    "pro": {
        "prompt_base": 1000.0,
        "prompt_growth": 300.0,
        "output": 80.0,
        "cache_hit_ratio": 0.5,
        "cold_cache_hit": 200.0,
    },
}


def calibrated(**changes):
    data = load_params().to_data()
    data["tokens"] = SHAPES
    data["solve"]["task_spread"] = 0.0
    for tier in ("flash", "pro"):
        data["behaviour"][tier] = {
            "explore_commands": 0.0,
            "fix_attempts": 3.0,
            "commands_after_red": 2.0,
            "commands_between_attempts": 0.0,
            "commands_after_fix": 1.0,
        }
    for path, value in changes.items():
        *tables, key = path.split(".")
        target = data
        for table in tables:
            target = target.setdefault(table, {})
        target[key] = value
    return parse_tables(data, SimParams, "test")


def talk(*replies_and_observations):
    messages = [{"role": "system", "content": "rules"}, {"role": "user", "content": "issue"}]
    for i, text in enumerate(replies_and_observations):
        messages.append({"role": "assistant" if i % 2 == 0 else "user", "content": text})
    return messages


def test_prompts_grow_by_the_shape_of_the_tier_that_wrote_each_turn(calc_task):
    params, ledger = calibrated(), Ledger()
    flash = SimModel(calc_task, "flash", "f", 0, params, ledger)
    pro = SimModel(calc_task, "pro", "p", 0, params, ledger)
    first = flash.complete(talk())
    assert (first.usage.prompt, first.usage.cache_hit) == (1000, 400)  # cold: the shared prefix
    assert first.usage.output - first.usage.reasoning == pytest.approx(50, abs=25)
    history = talk(first.content, "Exit code 0.")
    second = flash.complete(history)
    assert second.usage.prompt == 1100 and second.usage.cache_hit == 900  # 0.9 of what it sent
    # pro takes the next turn: cold for pro, and the prompt holds one flash turn
    third = pro.complete(
        history
        + [{"role": "assistant", "content": second.content}, {"role": "user", "content": "x"}]
    )
    assert third.usage.prompt == 1200 and third.usage.cache_hit == 200
    # flash again: pro's turn added pro's growth
    after = history + [
        {"role": "assistant", "content": second.content},
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": third.content},
        {"role": "user", "content": "y"},
    ]
    fourth = flash.complete(after)
    assert fourth.usage.prompt == 1000 + 100 + 100 + 300
    assert fourth.usage.cache_hit == round(0.9 * 1100)  # what flash was sent before


def test_a_calibrated_turn_structure_reviews_undoes_and_reads(calc_task):
    model = SimModel(calc_task, "flash", "f", 0, calibrated())
    reproduce = model.complete(talk()).content
    red = "Edit applied; the check failed.\nFAILED tests/test_stats.py::test_median_even"
    attempt = f"{FIX}\n\n```diff\nx\n```"
    after_red = [reproduce, "Edit applied; the check failed.", attempt, red]
    assert model.complete(talk(*after_red)).content.startswith(REVERT)
    reverted = [*after_red, "revert", "Exit code 0."]
    assert model.complete(talk(*reverted)).content.startswith(INSPECT)  # 2 commands after red
    read = [*reverted, "read", "Exit code 0."]
    assert model.complete(talk(*read)).content.startswith(ATTEMPT)
    green = [reproduce, "x", attempt, "Edit applied; the check passed."]
    assert model.complete(talk(*green)).content.startswith(REVIEW)
    assert model.complete(talk(*green, "review", "Exit code 0.")).content.startswith(SUBMIT)
    # a re-run after an escalation that restored the sandbox attempts at once
    restored = [reproduce, "x", attempt, "Edit applied; the check failed.\n\nrestored"]
    assert model.complete(talk(*restored)).content.startswith(ATTEMPT)


@pytest.mark.parametrize("agreement, alike", [(1.0, True), (0.0, False)])
def test_vote_samples_repeat_the_first_as_often_as_agreement_says(calc_task, agreement, alike):
    params = calibrated(**{"votes.flash": agreement})
    same = []
    for seed in range(20):
        model = SimModel(calc_task, "flash", "f", seed, params)
        history = talk(model.complete(talk()).content, "Edit applied; the check failed.")
        samples = {model.complete(history).content for _ in range(3)}
        same.append(len(samples) == 1)
    assert all(same) if alike else not all(same)
