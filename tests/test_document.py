"""The report as a document: the JSON view and its schema, groups compared on the tasks they
share, the headline, and the oracle's point and random-routing line."""

import json

import jsonschema
import pytest

from harness.reporting.document import report_text
from harness.reporting.figures import REPORT_SCHEMA_PATH, ReportDocument, report_schema
from harness.results import ResultRow

from .helpers import ROOT, result_row, run_cli, write_rows

BASELINES = [str(ROOT / "results" / f"baseline-{p}.jsonl") for p in ("cascade", "flash", "pro")]


def policy_rows(policy, resolved, cost, n):
    return [
        result_row(f"t{i:02}", "resolved" if i in resolved else "unresolved", cost, policy=policy)
        for i in range(n)
    ]


def test_the_committed_report_schema_is_the_models():
    assert json.loads(REPORT_SCHEMA_PATH.read_text()) == report_schema()


def test_report_json_holds_every_figure_of_the_text_view(capsys):
    code, text, _ = run_cli(capsys, "report", *BASELINES, "--resamples", "300")
    assert code == 0
    code, out, _ = run_cli(capsys, "report", *BASELINES, "--resamples", "300", "--format", "json")
    assert code == 0
    data = json.loads(out)
    jsonschema.validate(data, json.loads(REPORT_SCHEMA_PATH.read_text()))
    # the text view is drawn from the document alone: read back from JSON, it is the same
    assert report_text(ReportDocument.model_validate(data)) + "\n" == text
    cascade = next(g for g in data["groups"] if g["label"] == "cascade*")
    assert (cascade["tasks"], cascade["resolved"]) == (40, 25)
    assert cascade["cost_per_resolved_usd"] == pytest.approx(0.09722 / 25, rel=1e-3)
    assert data["headline"]["frontier"] == ["flash*", "cascade*"]
    paired = data["headline"]["paired"]
    assert (paired["a"], paired["b"], paired["pass_rate_p_value"]) == ("flash*", "cascade*", 0.125)
    assert paired["pass_rate_more_than_noise"] is False
    oracle = data["oracle"]
    assert oracle["on_pareto_tasks"]["pass_rate"] == 0.625
    ends = oracle["random_routing"][0], oracle["random_routing"][-1]
    assert [m["pass_rate"] for m in ends] == [0.525, 0.625]  # all on flash, all on pro


def test_groups_that_ran_different_tasks_are_compared_on_the_tasks_they_share(tmp_path, capsys):
    """A cascade on 40 tasks (50%) and flash and pro on 8: overall, flash resolves more for
    less; on the 8 tasks they share, the cascade resolves 6 and flash 5."""
    cascade = policy_rows("cascade", {0, 1, 2, 3, 4, 5, *range(8, 22)}, 0.1, 40)
    flash = policy_rows("flash", {0, 1, 2, 3, 4}, 0.05, 8)
    pro = policy_rows("pro", {0, 1, 2, 3, 4, 6}, 0.3, 8)
    files = [
        write_rows(tmp_path / f"{n}.jsonl", rows)
        for n, rows in (("c", cascade), ("f", flash), ("p", pro))
    ]
    code, out, _ = run_cli(capsys, "report", *files, "--resamples", "300")
    assert code == 0
    summary = {line.split()[0]: line.split() for line in out.splitlines()[2:5]}
    assert summary["cascade*"][1:4] == ["40", "20", "50.0%"]  # its own tasks, unpaired
    assert "on the 8 tasks every group ran (of 40 in all)" in out
    assert "note: the groups ran different tasks (cascade* 40, flash* 8, pro* 8; 8 shared)" in out
    pareto = out[out.index("Pareto view") : out.index("Oracle bound")]
    lines = {line.split()[0]: line for line in pareto.splitlines() if line[:1].isalpha()}
    assert lines["cascade*"].split()[1] == "75.0%"
    assert "dominated" not in lines["cascade*"]  # flash does not dominate it on the 8
    assert lines["pro*"].endswith("dominated by cascade*  dominated by cascade*")
    oracle = out[out.index("Oracle bound") :]
    assert (
        next(line for line in oracle.splitlines() if line.startswith("cascade*")).split()[1] == "8"
    )


def test_groups_that_share_no_task_are_not_judged(tmp_path, capsys):
    a = write_rows(tmp_path / "a.jsonl", policy_rows("flash", {0}, 0.1, 2))
    b = [
        r.model_copy(update={"instance_id": "u" + r.instance_id})
        for r in policy_rows("pro", {0, 1}, 0.3, 2)
    ]
    code, out, _ = run_cli(
        capsys, "report", a, write_rows(tmp_path / "b.jsonl", b), "--resamples", "100"
    )
    assert code == 0
    assert "the groups share no task, so none is judged against another" in out
    assert out.count("not judged") == 4 and "dominated" not in out
    assert "In short: No frontier: the groups share no task to compare on." in out


@pytest.mark.parametrize(
    "update, said",
    [
        (
            {"run_id": "new"},
            "tasks have several graded results of one seed under one configuration",
        ),
        (
            {"run_id": "new", "policy_hash": "other"},
            "tasks have results under several configurations",
        ),
    ],
    ids=["same-configuration", "other-configuration"],
)
def test_pooling_a_new_run_with_the_baseline_says_so(tmp_path, capsys, update, said):
    """`report results/*.jsonl` after a run: its rows and the baseline's, for the same tasks."""
    baseline = ROOT / "results" / "baseline-cascade.jsonl"
    rows = [ResultRow.from_json(line) for line in baseline.read_text().splitlines()]
    new = write_rows(tmp_path / "cascade-new.jsonl", [r.model_copy(update=update) for r in rows])
    code, out, _ = run_cli(capsys, "report", str(baseline), new, "--resamples", "100")
    assert code == 0
    assert out.splitlines()[2].split()[:2] == ["cascade*", "80"]
    assert f"note: cascade*: {said} (40 task(s)" in out
