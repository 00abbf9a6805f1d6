"""The harness's own record of a pytest run (grading/witness.py): real pytest runs on the host,
loading the plugin through the same shell lines grading uses, against honest test suites and
against conftest.py files that rewrite pytest's reports in the ways code under test could."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.grading.witness import (
    PLUGIN_SOURCE,
    Seen,
    Witness,
    cross_check,
    read_records,
    runs_pytest,
)
from harness.testsuite.parsers import registry_parser
from harness.testsuite.suite import parse_pytest_log

DATA = Path(__file__).parent / "data" / "witness"  # honest tests, and conftest.py files
FAILING = "def test_ok():\n    assert True\n\n\ndef test_fails():\n    assert 1 == 2\n"


def run_pytest(tmp_path: Path, files: dict[str, str]) -> tuple[str, Witness]:
    """pytest on a project of `files`, the plugin loaded as grading loads it."""
    project = tmp_path / "project"
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    witness = Witness(
        folder=str(tmp_path / "plugin"),
        module="harness_witness_test",
        records=str(tmp_path / "records"),
        key="k" * 64,
    )
    Path(witness.folder).mkdir()
    Path(witness.plugin_path).write_text(witness.plugin())
    command = "; ".join(
        [*witness.exports(), f"exec {sys.executable} -m pytest -rA -p no:cacheprovider"]
    )
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": "/somewhere"}
    env.pop("PYTEST_PLUGINS", None)
    done = subprocess.run(
        ["bash", "-c", command], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    return done.stdout + done.stderr, witness


def seen_of(witness: Witness) -> Seen:
    return read_records(Path(witness.records).read_bytes(), witness.key)


def test_an_honest_run_is_recorded_as_pytests_summary_reports_it(tmp_path):
    log, witness = run_pytest(tmp_path, {"test_honest.py": (DATA / "test_honest.py").read_text()})
    seen = seen_of(witness)
    assert (seen.broken, seen.problems) == ("", [])
    statuses = {test: status for test, status in parse_pytest_log(log).items() if "::" in test}
    assert len(statuses) == 11, log  # two skips are shown by line, not by test
    skipped = {"test_honest.py::test_skipped", "test_honest.py::Case::test_skip"}
    assert seen.statuses == {**statuses, **dict.fromkeys(skipped, "SKIPPED")}
    tests = [(test, False) for test in statuses]
    assert cross_check(tests, statuses, seen, expected=True, parse=parse_pytest_log) is None


def test_the_plugin_leaves_the_environment_as_it_found_it(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "test_inner.py").write_text("def test_inner():\n    pass\n")
    check = f"""
import os
import subprocess
import sys


def test_environment():
    assert os.environ["PYTHONPATH"] == "/somewhere"
    assert "PYTEST_PLUGINS" not in os.environ
    assert {str(tmp_path / "plugin")!r} not in sys.path


def test_a_pytest_started_by_a_test_does_not_load_it():
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", {str(inner)!r}])
    assert done.returncode == 0
"""
    log, witness = run_pytest(tmp_path, {"test_env.py": check})
    seen = seen_of(witness)
    assert seen.statuses == {
        "test_env.py::test_environment": "PASSED",
        "test_env.py::test_a_pytest_started_by_a_test_does_not_load_it": "PASSED",
    }, log
    assert Path(witness.records).read_text().count('"k": "session"') == 1


@pytest.mark.parametrize(
    "conftest, problem",
    [
        ("made_passed.py", "its call raised (fail) but was reported passed"),
        ("exception_cleared.py", "its call was reported passed, but the test raised"),
        ("call_swallowed.py", "its call was reported passed, but the test raised"),
        ("report_class.py", "its call raised (fail) but was reported passed"),
        ("delivered_passed.py", "its call report was changed from failed to passed"),
        ("made_xfail.py", "its call raised (fail) but was reported skipped"),
        ("summary_only.py", None),  # the reports are true; only what pytest prints is not
        ("plugin_removed.py", "empty"),  # removed before the session: it recorded nothing
    ],
)
def test_reports_rewritten_in_memory_are_caught(tmp_path, conftest, problem):
    files = {"conftest.py": (DATA / conftest).read_text(), "test_x.py": FAILING}
    log, witness = run_pytest(tmp_path, files)
    statuses = parse_pytest_log(log)
    assert statuses["test_x.py::test_fails"] in ("PASSED", "XFAIL"), log  # the forgery works
    assert "FAILED" not in statuses.values()
    seen = seen_of(witness)
    assert seen.statuses.get("test_x.py::test_fails") in (None, "FAILED")
    if problem == "empty":
        assert seen.broken == "the plugin loaded but its record is empty"
    elif problem:
        assert seen.problems == [f"test_x.py::test_fails: {problem}"]
    tests = [("test_x.py::test_ok", True), ("test_x.py::test_fails", False)]
    disagreement = cross_check(tests, statuses, seen, expected=True)
    assert disagreement is not None and "test_x.py::test_fails" in disagreement.tests
    assert disagreement.why.startswith("the test log reports ")
    assert disagreement.statuses(statuses).get("test_x.py::test_fails") in (None, "FAILED")


def test_a_record_written_by_anything_else_is_not_trusted(tmp_path):
    _, witness = run_pytest(tmp_path, {"test_x.py": FAILING})
    data = Path(witness.records).read_bytes()
    assert read_records(data, witness.key).broken == ""
    lines = data.splitlines(keepends=True)
    edited = b"".join(lines).replace(b'"o": "failed"', b'"o": "passed"')
    assert "was not written by the plugin" in read_records(edited, witness.key).broken
    assert "was not written" in read_records(b"".join(lines[1:]), witness.key).broken
    assert "not one the plugin wrote" in read_records(data + b"PASSED x\n", witness.key).broken
    assert read_records(b"", witness.key).broken == "the plugin loaded but its record is empty"
    assert "was not written" in read_records(data, "another key").broken
    tests = [("test_x.py::test_ok", True)]
    statuses = {"test_x.py::test_ok": "PASSED"}
    broken = read_records(b"", witness.key)
    assert cross_check(tests, statuses, broken, expected=True) is not None


def test_a_missing_record_counts_only_where_pytest_was_run_directly():
    tests = [("t.py::test_a", False), ("test_b (m.C.test_b)", False)]
    statuses = {"t.py::test_a": "PASSED", "test_b (m.C.test_b)": "PASSED"}
    missing = cross_check(tests, statuses, None, expected=True)
    assert missing is not None and missing.tests == ["t.py::test_a"]  # other runners' ids aside
    assert "left no record" in missing.why
    assert cross_check(tests, statuses, None, expected=False) is None
    assert runs_pytest("pytest -rA tests/x.py") and runs_pytest("python -m pytest -x")
    assert runs_pytest("/opt/env/bin/py.test")
    assert not runs_pytest("tox --current-env -epy39 -v --")
    assert not runs_pytest("./tests/runtests.py --settings=test_sqlite")


def test_the_record_follows_the_verdicts_rules():
    seen = Seen(statuses={"t.py::test_a[1-x]": "PASSED", "t.py::test_b": "SKIPPED"})
    log = {"t.py::test_a[1-x]": "PASSED", "t.py::test_b": "SKIPPED", "t.py::test_c": "FAILED"}
    tests = [("t.py::test_a[1", False), ("t.py::test_b", True), ("t.py::test_c", True)]
    assert cross_check(tests, log, seen, expected=True) is None  # a cut id, a skipped P2P
    contested = cross_check([("t.py::test_b", False)], {"t.py::test_b": "XFAIL"}, seen, True)
    assert contested is not None and contested.tests == ["t.py::test_b"]


def test_the_plugin_is_python_3_5_syntax_and_takes_its_settings():
    ast.parse(PLUGIN_SOURCE, feature_version=(3, 5))
    witness = Witness.fresh()
    assert f'"records": "{witness.records}"' in witness.plugin()
    assert witness.plugin() != PLUGIN_SOURCE


@pytest.mark.parametrize(
    "parser, recorded, logged",
    [
        # a path-like parameter is cut to its last part
        ("parse_log_pytest_options", "t.py::test_f[/tmp/data/a.txt]", "t.py::test_f[/a.txt]"),
        ("parse_log_matplotlib", "t.py::test_f[MouseButton.LEFT]", "t.py::test_f[1]"),
        ("parse_log_pytest", "t.py::test_f[a b]", "t.py::test_f[a"),  # cut at a space
        ("parse_log_pytest_v2", "t.py::test_f[a b]", "t.py::test_f[a b]"),
    ],
)
def test_the_record_names_tests_as_the_tasks_parser_does(parser, recorded, logged):
    parse = registry_parser(parser)
    seen = Seen(statuses={recorded: "PASSED"})
    log = parse(f"PASSED {recorded}\n")
    assert log == {logged: "PASSED"}
    tests = [(logged, False)]
    assert cross_check(tests, log, seen, expected=True, parse=parse) is None
    failed = Seen(statuses={recorded: "FAILED"})
    assert cross_check(tests, log, failed, expected=True, parse=parse) is not None
