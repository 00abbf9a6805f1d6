"""The simulator's parameter files: one loader for hand-set and calibrated ones."""

import random

import pytest

from harness import HarnessError
from harness.files import parse_tables
from harness.models.sim_params import (
    SimParams,
    TaskSolve,
    TierSolve,
    load_params,
    whole_draw,
)


def calibrated() -> SimParams:
    data = load_params().to_data()
    data["solve"]["flash"] = {
        "mean": 0.3,
        "prior_alpha": 3.0,
        "prior_beta": 7.0,
        "tasks": {"a": {"p": 0.5, "successes": 4, "attempts": 8}},
    }
    data["calibration"] = {"runs": 4, "rows": 80}
    return parse_tables(data, SimParams, "test")


def test_the_bundled_file_loads_as_hand_set_parameters():
    params = load_params()
    assert params.calibrated_from == 0 and params.tokens is None
    assert params.solve.flash.base("x", "hard") == 0.15
    assert params.solve.pro.base("x", "") == params.solve.pro.medium


def test_a_calibrated_file_round_trips_and_its_hash_ignores_comments(tmp_path):
    params = calibrated()
    path = tmp_path / "c.toml"
    path.write_text(params.to_toml("a comment\nover two lines"))
    again = load_params(path)
    assert again == params and again.calibrated_from == 4
    path.write_text(params.to_toml("another comment"))
    assert load_params(path).digest == params.digest != load_params().digest
    # the task's own value, else the tier mean
    assert again.solve.flash.base("a", "hard") == 0.5
    assert again.solve.flash.base("unseen", "hard") == 0.3


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["solve"].pop("flash"), "solve: missing key 'flash'"),
        (lambda d: d["failure"].update(wrong_edit="x"), "failure.wrong_edit"),
        (lambda d: d["solve"]["pro"].update(easy=1.5), "solve.pro.easy"),
        (lambda d: d.update(extra=1), "top level: unknown key 'extra'"),
        (lambda d: d["solve"].update(flash={"easy": 0.1}), "needs 'mean' or the difficulty"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_key(tmp_path, change, message):
    data = load_params().to_data()
    change(data)
    with pytest.raises(HarnessError, match=message.replace(".", r"\.")) as error:
        parse_tables(data, SimParams, "f.toml")
    assert "\n" not in str(error.value)


def test_unreadable_files_are_named(tmp_path):
    with pytest.raises(HarnessError, match="not found"):
        load_params(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[solve\n")
    with pytest.raises(HarnessError, match="bad.toml"):
        load_params(bad)


def test_whole_draws_keep_the_mean():
    rng = random.Random(0)
    draws = [whole_draw(1.3, rng.random()) for _ in range(20_000)]
    assert set(draws) == {1, 2} and sum(draws) / len(draws) == pytest.approx(1.3, abs=0.02)
    assert whole_draw(float("inf"), 0.5) == float("inf")


def test_a_task_probability_needs_its_counts():
    with pytest.raises(ValueError):
        TierSolve(mean=0.2, tasks={"a": TaskSolve.model_validate({"p": 0.2})})


def test_a_run_unlike_the_calibration_runs_is_named():
    params = calibrated()
    data = params.to_data()
    data["calibration"].update(models={"flash": "f-1", "pro": "p-1"}, price_table="t-1")
    params = parse_tables(data, SimParams, "test")
    assert params.mismatches({"flash": "f-1"}, "t-1") == []
    notes = params.mismatches({"flash": "f-2", "pro": "p-1"}, "t-2")
    assert notes == [
        "the flash tier was calibrated on f-1, and this run prices it as f-2",
        "the calibration runs were priced with t-1, this run with t-2",
    ]
    assert load_params().mismatches({"flash": "x"}, "y") == []
