"""`sim sweep`'s pieces without a sandbox: RouteLLM's figures, the rules a --vary makes,
trajectories stretched, what is printed, and the plot."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image

from harness import UsageError
from harness.agent.loop import Limits
from harness.agent.policy import BUILTIN
from harness.calibration.gap import Point, apgr, cpt, pgr
from harness.calibration.sweep import (
    CHEAP,
    STRONG,
    RunStats,
    Sweep,
    long_limits,
    parse_vary,
    rule_points,
    stretched,
)
from harness.calibration.sweep_plot import sweep_figure, sweep_plot
from harness.calibration.sweep_report import crossings, summary, sweep_text
from harness.models.sim_params import load_params

from .helpers import result_row


def test_pgr_apgr_and_cpt_by_hand():
    assert pgr(0.65, 0.5, 0.7) == pytest.approx(0.75)
    assert pgr(0.6, 0.5, 0.5) is None  # no gap to recover
    points = [
        Point("a", 0.6, 0.1, 1.0),  # PGR 0.5 at 10% of calls on pro
        Point("b", 0.7, 0.3, 2.0),  # PGR 1.0 at 30%
        Point("c", 0.58, 0.5, 3.0),  # dominated: changes nothing
    ]
    # best PGR at each share: 0 up to 10%, 0.5 up to 30%, then 1
    assert apgr(points, 0.5, 0.7) == pytest.approx(0.1 * 0 + 0.2 * 0.5 + 0.7 * 1.0)
    assert apgr([], 0.5, 0.7) == pytest.approx(0.0)  # only pro itself, at 100%
    assert cpt(points, 0.5, 0.7, 0.5).name == "a"
    assert cpt(points, 0.5, 0.7, 0.8).name == "b"
    assert cpt(points, 0.5, 0.7, 1.2) is None
    better = [Point("d", 0.8, 0.2, 1.0)]  # beats pro: PGR 1.5 from 20% on
    assert apgr(better, 0.5, 0.7) == pytest.approx(0.8 * 1.5)


def test_vary_makes_every_combination_of_valid_rules():
    base = BUILTIN["cascade"]
    varied = ["max_escalations=20,1", "escalate_on=tests_red,tests_red+patch_failed"]
    rules = rule_points(base, [parse_vary(text) for text in varied])
    names = [r.name for r in rules]
    assert names[0] == "cascade" and len(rules) == 5  # the base, then 4 combinations
    assert "cascade[max_escalations=1,escalate_on=patch_failed+tests_red]" in names
    assert rules[-1].escalate_on == frozenset({"tests_red", "patch_failed"})


@pytest.mark.parametrize(
    "text, message",
    [
        ("speed=1,2", "NAME one of"),
        ("max_escalations=", "NAME one of"),
        ("vote_samples=two", "takes whole numbers"),
        ("escalate_on=tests_red+sadness", "unknown outcome 'sadness'"),
    ],
)
def test_bad_vary_is_bad_input(text, message):
    with pytest.raises(UsageError, match=message):
        parse_vary(text)


def test_rules_a_rules_file_would_refuse_are_refused_unless_the_base_rule_is_so_already():
    base = replace(BUILTIN["cascade"], escalate_on=frozenset({"tests_red"}))
    with pytest.raises(UsageError, match=r"cascade\[escalate_on=vote_split\].*vote_samples"):
        rule_points(base, [parse_vary("escalate_on=vote_split")])
    # the built-in cascade lists vote_split without voting: its variants may too
    assert len(rule_points(BUILTIN["cascade"], [parse_vary("max_escalations=1")])) == 2


def test_stretched_trajectories_keep_their_shape_and_get_limits_that_let_them_run():
    params = load_params()
    longer = stretched(params, 3.0)
    assert longer.behaviour.explore_commands == {"easy": 3, "medium": 6, "hard": 9}
    assert longer.solve == params.solve
    limits = long_limits(Limits(), 200)
    assert limits.max_steps >= 800 and limits.max_cost_usd >= 1e6
    assert limits.command_timeout_s == Limits().command_timeout_s


def stats(pass_rate, cost, share, turns=10.0):
    return RunStats(pass_rate, cost, share, turns)


def example() -> Sweep:
    """Two replicates: flash, pro, the cascade and one variant, and three lengths at which
    the cascade's cost per resolved task falls below pro's."""
    base, variant = BUILTIN["cascade"], BUILTIN["cascade"]
    variant = type(base)(**{**vars(base), "name": "cascade[max_escalations=1]"})
    runs = {
        CHEAP.name: [stats(0.5, 1.0, 0.0), stats(0.52, 1.1, 0.0)],
        STRONG.name: [stats(0.7, 3.0, 1.0), stats(0.68, 3.1, 1.0)],
        base.name: [stats(0.68, 2.0, 0.2), stats(0.66, 2.1, 0.22)],
        variant.name: [stats(0.6, 1.5, 0.05), stats(0.6, 1.4, 0.06)],
    }
    lengths = {
        scale: {
            CHEAP.name: [stats(0.5, 1.0 * scale, 0.0, 10 * scale)] * 2,
            STRONG.name: [stats(0.7, 2.0 * scale, 1.0, 10 * scale)] * 2,
            base.name: [stats(0.66, (3.2 - scale) * scale, 0.2, 10 * scale)] * 2,
        }
        for scale in (1.0, 1.5, 2.0)
    }
    return Sweep([base, variant], runs, lengths)


def test_the_text_gives_each_rule_pgr_apgr_cpt_and_the_crossover():
    sweep = example()
    text = sweep_text(sweep, [0.5, 0.8])
    assert "cascade[max_escalations=1]" in text and "PGR" in text and "APGR" in text
    assert "CPT(50%)" in text and "CPT(80%)" in text
    value, thresholds = summary(sweep, [0.5, 0.8])
    assert value is not None and 0 < value[0] < 1
    assert thresholds[0].reached == 2
    [against_pro, against_flash] = crossings(sweep)
    # above pro's at 10 turns (2.2 against 2.0), below at 15 (2.55 against 3.0)
    assert against_pro.other == "pro" and against_pro.at == pytest.approx((10 + 5 * 0.2 / 0.65,))
    assert "cross at about 12 turns per task run (cascade is the cheaper beyond)" in text
    assert not against_flash.at and "stays above flash's" in text


def test_the_plot_is_an_image_with_its_panels():
    sweep = example()
    figure = sweep_figure(sweep, tasks=40)
    axes = figure.axes
    assert [a.get_xlabel() for a in axes] == [
        "calls on pro (%)",
        "calls on pro (%)",
        "turns per task run (cascade)",
    ]
    assert [a.get_ylabel() for a in axes[:2]] == ["pass rate (%)", "cost per resolved task ($)"]
    [legend] = figure.legends  # one entry per rule, the single tiers first
    assert [t.get_text() for t in legend.get_texts()] == [
        "flash",
        "pro",
        "cascade",
        "cascade[max_escalations=1]",
    ]
    twin = replace(sweep, runs={**sweep.runs, "cascade[max_escalations=1]": sweep.runs["cascade"]})
    [legend] = sweep_figure(twin, tasks=40).legends  # runs alike: one point, one entry
    assert [t.get_text() for t in legend.get_texts()][2] == "cascade = cascade[max_escalations=1]"
    assert [t.get_text() for t in axes[2].get_legend().get_texts()] == ["flash", "pro", "cascade"]
    assert any("crossover ~12" in t.get_text() for t in axes[2].texts)
    assert axes[0].get_ylim() == (0, 100)
    image = Image.open(io.BytesIO(sweep_plot(sweep, tasks=40)))
    assert image.format == "PNG" and image.size == (1500, 540)
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 24)) > 50  # drawn, not blank
    assert sweep_plot(sweep, tasks=40, form="svg").startswith(b"<?xml")


def test_a_run_sums_up_the_same_whatever_order_its_rows_finished_in():
    """Rows of a run with workers come in any order: the same rows must give the same figures,
    to the last bit, or rules that came out alike would not be seen as alike."""
    costs = [0.1, 0.2, 0.3]  # 0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1 in floating point
    rows = [
        result_row(f"t-{i}", "resolved", cost, calls={"flash": 2, "pro": i % 2})
        for i, cost in enumerate(costs)
    ]
    forward, backward = RunStats.of(rows), RunStats.of(rows[::-1])
    assert forward == backward
    assert sum(r.cost_usd for r in rows) != sum(r.cost_usd for r in rows[::-1])  # plain sums differ
