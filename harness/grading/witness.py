"""A second results channel for pytest runs, which the patch cannot reach from the repository.

Code under test runs in pytest's own process, so it can rewrite pytest's reports in memory and
pytest then prints whatever it was given. Grading therefore has pytest load the harness's own
plugin (witness_plugin.py) by module name through PYTEST_PLUGINS, from a random folder outside
the repository: it loads before any conftest.py and before the code under test is imported
(unless the project is a pytest plugin loaded by its entry point), and records the test phases
in a file at a random path, with a chained HMAC under a random key.
Grading reads the record back and compares it with the parsed log: a test the log counts as
succeeded must have succeeded in the record too, or the row is not resolved and `suspicious`
says why. A test succeeds in the record only if its reports were delivered as pytest made them
and agree with what the test raised.

What this cannot see is written out in the README (Grading, Limits).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import posixpath
import secrets
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.grading.verdict import resolve_case, succeeded

PLUGIN_SOURCE = (Path(__file__).parent / "witness_plugin.py").read_text(encoding="utf-8")
SETTINGS_LINE = "SETTINGS = {}  # type: dict[str, str]\n"
PYTEST_NAMES = frozenset({"pytest", "py.test"})
SHOWN = 3  # test ids a suspicious note names


@dataclass(frozen=True)
class Witness:
    """Where one grading run puts the plugin and its record, and the record's key."""

    folder: str
    module: str
    records: str
    key: str

    @classmethod
    def fresh(cls) -> Witness:
        return cls(
            folder=f"/tmp/harness-{secrets.token_hex(8)}",
            module=f"harness_witness_{secrets.token_hex(8)}",
            records=f"/tmp/harness-{secrets.token_hex(8)}.records",
            key=secrets.token_hex(32),
        )

    @property
    def plugin_path(self) -> str:
        return f"{self.folder}/{self.module}.py"

    def plugin(self) -> str:
        """The plugin's source with this run's settings in it."""
        settings = {"records": self.records, "key": self.key, "folder": self.folder}
        assert SETTINGS_LINE in PLUGIN_SOURCE
        return PLUGIN_SOURCE.replace(SETTINGS_LINE, f"SETTINGS = {json.dumps(settings)}\n")

    def exports(self) -> list[str]:
        """Shell lines that make every pytest the test command starts load the plugin."""
        return [
            f'export PYTHONPATH="{self.folder}${{PYTHONPATH:+:$PYTHONPATH}}"',
            f'export PYTEST_PLUGINS="{self.module}${{PYTEST_PLUGINS:+,$PYTEST_PLUGINS}}"',
        ]


def runs_pytest(command: str) -> bool:
    """Whether a test command starts pytest itself (`pytest ...`, `python -m pytest ...`), so
    that the plugin must have left a record: a runner such as tox may keep the environment
    from it."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return any(posixpath.basename(word) in PYTEST_NAMES for word in words)


@dataclass
class Seen:
    """What the plugin recorded: test id -> status (PASSED, FAILED, ERROR, SKIPPED, XFAIL,
    XPASS), as pytest's short summary would have said it, and what did not add up."""

    statuses: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # per test: a report that was rewritten
    broken: str = ""  # why the record as a whole cannot be trusted

    def as_log(self) -> str:
        """The record as the summary lines of `pytest -rA`, for the task's own log parser to
        name the tests as it names them in the real log (a parser may cut or rewrite ids)."""
        return "".join(f"{status} {test}\n" for test, status in self.statuses.items())


def _explained(error: str, xfail_marked: bool, outcome: str, xfail: bool) -> bool:
    """Whether a phase's exception ("" none, "skip", "xfail", "fail") can give its report's
    outcome under pytest's own rules. Only outcomes that count as success are checked."""
    if outcome == "passed":
        return error == ""
    if outcome == "skipped" and xfail:
        return error == "xfail" or (error == "fail" and xfail_marked)
    if outcome == "skipped":
        return error == "skip"
    return True


def _phase_problem(record: dict[str, Any], strict: bool) -> str:
    """Why one phase's delivered report is not the one pytest made, or ""."""
    when, outcome, xfail = record["w"], record["o"], bool(record["x"])
    made = record.get("made")
    if made is None:
        return f"no report of its {when} was made by pytest" if strict else ""
    made_outcome, made_xfail, error, xfail_marked = made
    if (made_outcome, bool(made_xfail)) != (outcome, xfail):
        return f"its {when} report was changed from {made_outcome} to {outcome}"
    if not _explained(error, bool(xfail_marked), outcome, xfail):
        return f"its {when} raised ({error}) but was reported {outcome}"
    raised = record.get("raised")
    if when == "call" and strict and outcome == "passed" and raised != "":
        return "its call was reported passed, but the test " + (
            "raised" if raised else "was never seen to run"
        )
    return ""


def _status(phases: dict[str, dict[str, Any]]) -> str | None:
    """The status pytest's summary gives a test from its setup and call reports."""
    call, setup = phases.get("call"), phases.get("setup")
    if call is not None:
        outcome, xfail = call["o"], call["x"]
        if outcome == "passed":
            return "XPASS" if xfail else "PASSED"
        if outcome == "skipped":
            return "XFAIL" if xfail else "SKIPPED"
        return "FAILED"
    if setup is not None and setup["o"] == "failed":
        return "ERROR"
    if setup is not None and setup["o"] == "skipped":
        return "XFAIL" if setup["x"] else "SKIPPED"
    return None


def _verified(data: bytes, key: str) -> tuple[list[dict[str, Any]], str]:
    """The records whose HMAC chains hold, in order; why the rest do not, or ""."""
    chains: dict[str, bytes] = {}
    records: list[dict[str, Any]] = []
    for number, line in enumerate(data.split(b"\n")[:-1], 1):
        body, _, mac = line.rpartition(b" ")
        try:
            record = json.loads(body)
            session = record["s"]
        except (ValueError, KeyError, TypeError):
            return records, f"line {number} of the record is not one the plugin wrote"
        expected = hmac.new(key.encode(), chains.get(session, b"") + body, hashlib.sha256)
        if not hmac.compare_digest(expected.hexdigest().encode(), mac):
            return records, f"line {number} of the record was not written by the plugin"
        chains[session] = mac
        records.append(record)
    if not records:
        return records, "the plugin loaded but its record is empty"
    return records, ""


def read_records(data: bytes, key: str) -> Seen:
    """What the plugin saw, from its records file."""
    records, broken = _verified(data, key)
    strict = {r["s"]: not r.get("xdist") for r in records if r.get("k") == "session"}
    phases: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    names: dict[tuple[str, str], set[str]] = {}
    forged: set[tuple[str, str]] = set()
    seen = Seen(broken=broken)
    for record in records:
        if record.get("k") != "phase":
            continue
        test = (record["s"], record["i"])
        phases.setdefault(test, {})[record["w"]] = record
        names.setdefault(test, {record["i"]}).add(record.get("c") or record["i"])
        problem = _phase_problem(record, strict.get(record["s"], True))
        if problem:
            seen.problems.append(f"{record['i']}: {problem}")
            forged.add(test)
    for test, by_phase in phases.items():
        status = "FAILED" if test in forged else _status(by_phase)
        for name in names[test]:
            if status is not None:
                seen.statuses[name] = status
    return seen


@dataclass(frozen=True)
class Disagreement:
    """Tests the log counts as succeeded that the plugin's record does not, and why."""

    tests: list[str]
    why: str
    recorded: dict[str, str] = field(default_factory=dict)  # the record, as the log names tests

    def statuses(self, log_statuses: dict[str, str]) -> dict[str, str]:
        """The log's statuses with each contested test as the record has it (or missing)."""
        kept = dict(log_statuses)
        for test in self.tests:
            key = resolve_case(test, kept)
            if key is not None:
                del kept[key]
            recorded = resolve_case(test, self.recorded)
            if recorded is not None:
                kept[test] = self.recorded[recorded]
        return kept


def cross_check(
    tests: Iterable[tuple[str, bool]],
    log_statuses: dict[str, str],
    seen: Seen | None,
    expected: bool,
    fail_only: bool = False,
    parse: Callable[[str], dict[str, str]] | None = None,
) -> Disagreement | None:
    """Compare the log with the plugin's record for the task's tests (test id, whether it is a
    PASS_TO_PASS test). Only pytest ids (`file::name`) are compared: other runners are not
    pytest's. `seen` is None when the plugin left no record; `expected`: it had to. `parse` is
    the task's log parser, which names the recorded tests as the log names them."""
    trusted = [
        test
        for test, maintained in tests
        if "::" in test and succeeded(test, log_statuses, maintained, fail_only) is True
    ]
    if not trusted or (seen is None and not expected):
        return None
    if seen is None or seen.broken:
        why = seen.broken if seen else "the plugin it loads into pytest left no record"
        return _disagreement(trusted, f"the harness's own record of the pytest run: {why}")
    recorded = parse(seen.as_log()) if parse else seen.statuses
    maintained_tests = {test for test, maintained in tests if maintained}
    contested = [
        test
        for test in trusted
        if succeeded(test, recorded, test in maintained_tests, fail_only) is not True
    ]
    if not contested:
        return None
    why = "the harness's own pytest plugin saw them fail or never saw them run"
    if seen.problems:
        why += " (" + "; ".join(seen.problems[:SHOWN]) + ")"
    return _disagreement(contested, why, recorded)


def _disagreement(
    tests: list[str], why: str, recorded: dict[str, str] | None = None
) -> Disagreement:
    more = f" and {len(tests) - SHOWN} more" if len(tests) > SHOWN else ""
    named = ", ".join(tests[:SHOWN]) + more
    text = f"the test log reports {len(tests)} of the task's tests passing ({named}); {why}"
    return Disagreement(tests, text, recorded or {})
