"""The Pareto view: dominance, the frontier, the table and the plot."""

from pathlib import Path

import pytest

from harness.reporting.collect import summarize
from harness.reporting.pareto import (
    dominated_by,
    frontier,
    pareto_figures,
    pareto_rows,
    pareto_view,
)

from .helpers import result_row, run_cli

BASELINES = sorted((Path(__file__).parent.parent / "results").glob("baseline-*.jsonl"))


def policy_rows(policy, resolved, cost, n=10):
    return [
        result_row(f"t{i}", "resolved" if i < resolved else "unresolved", cost, policy=policy)
        for i in range(n)
    ]


def test_a_policy_resolving_as_much_for_more_is_dominated():
    view = pareto_view(
        summarize(
            policy_rows("pro", 6, 0.3)
            + policy_rows("cascade", 6, 0.2)
            + policy_rows("flash", 4, 0.1)
            + policy_rows("nothing", 0, 0.05)
        ),
        resamples=200,
    )
    found = view.points
    beaten = dominated_by(found, "cost/resolved")
    assert beaten == {
        "cascade*": [],
        "flash*": [],
        "nothing*": ["cascade*", "flash*", "pro*"],
        "pro*": ["cascade*"],
    }
    # per task, resolving nothing for the least money is not dominated
    assert dominated_by(found, "cost/task")["nothing*"] == []
    assert [p.summary.label for p in frontier(found, "cost/resolved")] == ["flash*", "cascade*"]
    table = {line[0]: line for line in pareto_rows(pareto_figures(view))}
    assert table["pro*"][4] == "dominated by cascade*" and table["cascade*"][4] == "frontier"
    assert table["cascade*"][2].startswith("$0.3333 ($")  # cost per resolved with its interval


def test_report_on_the_committed_baselines_marks_pro_dominated(capsys):
    code, out, _ = run_cli(capsys, "report", *map(str, BASELINES), "--resamples", "500")
    assert code == 0
    pareto = out[out.index("Pareto view") : out.index("Oracle bound")]
    lines = {line.split()[0]: line for line in pareto.splitlines() if line[:1].isalpha()}
    assert lines["pro*"].endswith("dominated by cascade*  dominated by cascade*")
    assert lines["cascade*"].split()[-2:] == ["frontier", "frontier"]
    assert "62.5% (" in lines["cascade*"]


def test_plot_has_both_axes(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "p.png"
    code, _, err = run_cli(
        capsys, "report", *map(str, BASELINES), "--plot", str(png), "--resamples", "200"
    )
    assert code == 0 and f"Plot: {png}" in err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
