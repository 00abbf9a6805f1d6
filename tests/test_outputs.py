"""The files commands write and the paths they derive: nothing is written over a file the
command reads or over results without --force, a plot is in the format its extension names,
a missing output folder is made, and a name taken from input never leads out of its folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import HarnessError
from harness.files import path_inside
from harness.reporting.task_page import load_trajectory
from harness.results import ResultStore, Trajectory

from .conftest import MINI_SUITE
from .helpers import full_row, run_cli, write_rows


@pytest.fixture
def results(tmp_path):
    return write_rows(tmp_path / "r.jsonl", [full_row("a", "resolved", 0.2)])


def test_force_writes_the_page_over_a_results_file(tmp_path, results, capsys):
    other = write_rows(tmp_path / "other.jsonl", [full_row("b", "resolved", 0.1)])
    code, _, err = run_cli(capsys, "report", results, "--html", other)
    assert code == 2 and "holds result rows" in err
    assert json.loads(Path(other).read_text())["instance_id"] == "b"  # untouched
    code, _, err = run_cli(capsys, "report", results, "--html", other, "--force")
    assert code == 0, err
    assert Path(other).read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    "name, magic", [("p.svg", b"<?xml"), ("p.pdf", b"%PDF"), ("p.PNG", b"\x89PNG\r\n\x1a\n")]
)
def test_the_plot_is_in_the_format_its_extension_names(tmp_path, results, capsys, name, magic):
    pytest.importorskip("matplotlib")
    code, _, err = run_cli(capsys, "report", results, "--plot", str(tmp_path / name))
    assert code == 0, err
    assert (tmp_path / name).read_bytes().startswith(magic)


def test_plot_and_page_go_into_a_folder_that_is_made(tmp_path, results, capsys):
    pytest.importorskip("matplotlib")
    plot, page = tmp_path / "new" / "p.svg", tmp_path / "other" / "deep" / "r.html"
    code, _, err = run_cli(capsys, "report", results, "--plot", str(plot), "--html", str(page))
    assert code == 0, err
    assert plot.read_bytes().startswith(b"<?xml") and page.read_text().startswith("<!DOCTYPE")


def test_export_refuses_to_replace_results_and_replaces_its_own_files(tmp_path, results, capsys):
    target = tmp_path / "r.cascade.predictions.jsonl"
    assert run_cli(capsys, "export", results)[0] == 0
    first = target.read_text()
    assert run_cli(capsys, "export", results)[0] == 0  # a predictions file is replaced
    assert target.read_text() == first
    write_rows(target, [full_row("z", "resolved", 0.1)])
    code, _, err = run_cli(capsys, "export", results)
    assert code == 2 and "holds result rows" in err
    assert json.loads(target.read_text())["instance_id"] == "z"
    assert run_cli(capsys, "export", results, "--force")[0] == 0
    assert target.read_text() == first


def test_a_name_from_input_never_leads_out_of_its_folder(tmp_path):
    assert path_inside(tmp_path, "a.json", "file") == tmp_path / "a.json"
    for name in ("../a.json", "x/../../a.json", "/etc/passwd", "", "."):
        with pytest.raises(HarnessError, match="leads out of"):
            path_inside(tmp_path, name, "file")


def test_a_trajectory_is_never_written_out_of_the_results_folder(tmp_path):
    store = ResultStore(tmp_path / "runs" / "r.jsonl")
    escaping = Trajectory(instance_id="../../ESCAPED", policy="cascade", seed=0)
    with pytest.raises(HarnessError, match="leads out of"):
        store.write_trajectory(escaping)
    store.close()
    assert not list(tmp_path.rglob("ESCAPED*"))


def test_a_row_naming_a_trajectory_out_of_its_folder_is_not_read(tmp_path, capsys):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"instance_id": "a", "policy": "cascade", "seed": 0}))
    row = full_row("a", "resolved", 0.2, trajectory="../secret.json")
    (tmp_path / "runs").mkdir()
    results = write_rows(tmp_path / "runs" / "r.jsonl", [row])
    trajectory, why = load_trajectory(tmp_path / "runs" / "r.jsonl", "../secret.json")
    assert trajectory is None and "leads out of" in why
    code, out, err = run_cli(capsys, "show", results, "a")
    assert code == 2 and "leads out of" in err and out == ""


def test_tasks_list_takes_the_source_as_an_argument_or_as_dataset(capsys):
    by_argument = run_cli(capsys, "tasks", "list", str(MINI_SUITE))
    by_option = run_cli(capsys, "tasks", "list", "--dataset", str(MINI_SUITE))
    assert by_argument[0] == by_option[0] == 0
    assert by_argument[1] == by_option[1] and "acme__calc-1" in by_option[1]


def test_notes_come_after_the_error_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    bad = "".join(json.dumps({"instance_id": f"x-{i}"}) + "\n" for i in range(10))
    (tmp_path / "d.jsonl").write_text(bad)
    code, _, err = run_cli(capsys, "--dataset", "d.jsonl")
    first, *notes = err.splitlines()
    assert code == 2 and first == "harness: error: no valid tasks in d.jsonl"
    assert len(notes) == 10 and all(n.startswith("warning: skipped d.jsonl: row") for n in notes)
