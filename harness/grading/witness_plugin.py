"""The harness's own record of a pytest run, apart from pytest's output (see witness.py).

Grading copies this file under a random name into a random folder outside the repository, with
SETTINGS filled in, and has pytest load it through PYTEST_PLUGINS. It loads before any
conftest.py and (unless the project is a pytest plugin that pytest loads by its entry point)
before the code under test is imported, opens its records file, and then writes
a record as pytest delivers the report of each test's call (and of each setup or teardown that
did not pass cleanly): the report's outcome, and what pytest saw before the report could be
rewritten, namely the outcome of the report when it was made, the exception the phase raised,
and, for the call, the exception the test raised. Each record carries a chained HMAC under a
key only grading and this plugin know.

Standard library and pytest only, and Python 3.5 syntax: it runs in whatever environment a task
image tests in.
"""

import hashlib
import hmac
import json
import os
import sys
import uuid
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator

# Filled in by grading: {"records": path, "key": hex, "folder": the folder of this file}
SETTINGS = {}  # type: dict[str, str]


def _forget_environment() -> None:
    """Leave the environment as it was before grading added this plugin, so that the code under
    test sees what it would see without it and no process it starts loads it again."""
    folder = SETTINGS.get("folder")
    for variable, separator, ours in (
        ("PYTEST_PLUGINS", ",", __name__),
        ("PYTHONPATH", os.pathsep, folder),
    ):
        values = os.environ.get(variable, "").split(separator)
        if ours in values:
            values.remove(ours)
        if any(values):
            os.environ[variable] = separator.join(values)
        else:
            os.environ.pop(variable, None)
    sys.path[:] = [p for p in sys.path if p != folder]


class _Records:
    """An append-only file of JSON records, each followed by the HMAC of the records so far."""

    def __init__(self, path: str, key: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._key = key.encode("ascii")
        self._mac = b""
        self._session = uuid.uuid4().hex

    def write(self, record: "dict[str, Any]") -> None:
        record["s"] = self._session
        line = json.dumps(record, sort_keys=True).encode("utf-8")
        self._mac = hmac.new(self._key, self._mac + line, hashlib.sha256).hexdigest().encode()
        os.write(self._fd, line + b" " + self._mac + b"\n")


def _kind(error: "BaseException | None") -> str:
    """What an exception means to pytest: "" none, "skip", "xfail", or "fail"."""
    if error is None:
        return ""
    xfail = getattr(pytest.xfail, "Exception", None)
    if xfail is not None and isinstance(error, xfail):
        return "xfail"
    unittest = sys.modules.get("unittest")
    skip_test = getattr(unittest, "SkipTest", None)
    if isinstance(error, pytest.skip.Exception) or (skip_test and isinstance(error, skip_test)):
        return "skip"
    return "fail"


_records = None  # type: _Records | None
if SETTINGS.get("records"):
    _forget_environment()
    _records = _Records(SETTINGS["records"], SETTINGS["key"])
_config = None  # type: Any
# (test id, phase) -> the report as made; test id -> what its call raised
_made = {}  # type: dict[tuple[str, str], list[Any]]
_raised = {}  # type: dict[str, str]


def pytest_sessionstart(session: Any) -> None:
    global _config
    _config = session.config
    if _records is not None:
        xdist = bool(session.config.pluginmanager.hasplugin("dsession"))
        _records.write({"k": "session", "xdist": xdist})


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_call(item: Any) -> "Generator[None, Any, None]":
    """Innermost: what the test itself raised, before any other hook sees it."""
    outcome = yield
    error = outcome.excinfo[1] if outcome.excinfo else None
    _raised[item.nodeid] = _kind(error)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: Any, call: Any) -> "Generator[None, Any, None]":
    """Outermost: the report as pytest made it, and the exception of the phase."""
    outcome = yield
    if outcome.excinfo:
        return
    report = outcome.get_result()
    error = call.excinfo.value if call.excinfo else None
    closest = getattr(item, "get_closest_marker", None)  # pytest 3.6 and later
    xfail_marked = closest is None or closest("xfail") is not None
    _made[(item.nodeid, call.when)] = [
        report.outcome,
        hasattr(report, "wasxfail"),
        _kind(error),
        xfail_marked,
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: Any) -> None:
    """First: the report as pytest delivers it, before any other plugin reads it. A setup or
    teardown that passed as made, raising nothing, says nothing a test's call does not."""
    made = _made.pop((report.nodeid, report.when), None)
    xfail = hasattr(report, "wasxfail")
    clean = made is not None and made[:3] == ["passed", False, ""]
    passed = report.outcome == "passed" and not xfail and clean
    if _records is None or (report.when != "call" and passed):
        return
    record = {
        "k": "phase",
        "i": report.nodeid,
        "w": report.when,
        "o": report.outcome,
        "x": xfail,
        "made": made,
    }
    if report.when == "call":
        record["raised"] = _raised.pop(report.nodeid, None)
    relative = getattr(_config, "cwd_relative_nodeid", str)(report.nodeid)
    if relative and relative != report.nodeid:
        record["c"] = relative
    _records.write(record)
