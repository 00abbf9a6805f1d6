"""Which tests a diff writes or changes: its lines mapped onto the functions and classes of the
file before and after."""

import difflib
import gc
import threading
import time

from harness.agent.changed_tests import RewrittenTests, definitions, rewritten_tests
from harness.testsuite.suite import django_file_of, django_name_of, pytest_file_of, pytest_name_of

from .helpers import ROOT

BEFORE = """import pytest

from pkg import parse


def test_empty():
    assert parse("") == []


@pytest.mark.parametrize("text", ["a", "b"])
def test_letters(text):
    assert parse(text) == [text]


class TestNumbers:
    base = 10

    def test_one(self):
        assert parse("1") == [1]

    def test_two(self):
        assert parse("2") == [2]


def test_last():
    assert parse(" ") == []
"""


def diff(before: str, after: str, path: str = "tests/test_p.py") -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(True), after.splitlines(True), f"a/{path}", f"b/{path}"
        )
    )


def rewritten(after: str) -> RewrittenTests:
    return rewritten_tests(diff(BEFORE, after), {"tests/test_p.py": (BEFORE, after)})


def test_a_changed_body_is_that_tests_alone():
    after = BEFORE.replace('assert parse("2") == [2]', 'assert parse("2") == [2.0]')
    found = rewritten(after)
    assert found.names["tests/test_p.py"] == {"TestNumbers.test_two"}
    assert found.covers("tests/test_p.py", "TestNumbers.test_two")
    assert not found.covers("tests/test_p.py", "TestNumbers.test_one")
    assert not found.covers("tests/test_p.py", "test_empty")


def test_an_import_the_agent_adds_changes_no_test():
    after = BEFORE.replace("from pkg import parse", "from pkg import parse, render")
    assert rewritten(after).names["tests/test_p.py"] == frozenset()


def test_a_new_test_and_a_new_parameter_are_the_agents():
    after = BEFORE.replace('["a", "b"]', '["a", "b", "c"]') + (
        "\n\ndef test_new():\n    assert parse('x') == ['x']\n"
    )
    found = rewritten(after)
    assert found.names["tests/test_p.py"] == {"test_letters", "test_new"}
    assert found.covers("tests/test_p.py", "test_letters")  # test_letters[c] as any other


def test_a_class_changed_outside_its_methods_covers_every_test_in_it():
    found = rewritten(BEFORE.replace("base = 10", "base = 16"))
    assert found.names["tests/test_p.py"] == {"TestNumbers"}
    assert found.covers("tests/test_p.py", "TestNumbers.test_one")
    assert not found.covers("tests/test_p.py", "test_last")


def test_removed_lines_count_where_they_were():
    after = BEFORE.replace('    assert parse(" ") == []\n', "    pass\n")
    assert rewritten(after).names["tests/test_p.py"] == {"test_last"}


def test_new_files_and_files_that_no_longer_parse_are_all_the_agents():
    new = "def test_x():\n    assert True\n"
    found = rewritten_tests(diff("", new, "tests/test_new.py"), {"tests/test_new.py": (None, new)})
    assert found.names["tests/test_new.py"] is None
    assert found.covers("tests/test_new.py", "anything") and found.covers("tests/test_new.py", "")
    broken = BEFORE.replace("def test_last():", "def test_last(:")
    assert rewritten(broken).names["tests/test_p.py"] is None


def test_a_file_no_one_changed_covers_nothing():
    assert not RewrittenTests().covers("tests/test_p.py", "test_empty")


def test_test_ids_name_their_file_and_their_test():
    assert pytest_file_of("tests/test_p.py::TestNumbers::test_one[1-2]") == "tests/test_p.py"
    assert pytest_name_of("tests/test_p.py::TestNumbers::test_one[1-2]") == "TestNumbers.test_one"
    assert pytest_name_of("tests/test_p.py") == ""  # a file that did not collect
    for test_id in ("test_x (utils_tests.test_text.T)", "test_x (utils_tests.test_text.T.test_x)"):
        assert django_file_of(test_id) == "tests/utils_tests/test_text.py"
        assert django_name_of(test_id) == "T.test_x"
    # a docstring's first line, or a module that failed to load, names no file
    assert django_file_of("Wraps long words.") == ""
    assert django_file_of("utils_tests.test_text (unittest.loader._FailedTest)") == ""


def test_tests_are_found_from_several_threads_at_once():
    """Tasks run in worker threads. In CPython 3.11 two threads parsing at once can fail with
    "AST constructor recursion depth mismatch" when one gives up the GIL mid-parse, as a
    garbage-collector callback does here."""
    source = (ROOT / "harness" / "agent" / "edit_check.py").read_text() * 2
    errors: list[BaseException] = []

    def parse_often():
        for _ in range(60):
            try:
                definitions(source)
            except SystemError as exc:
                errors.append(exc)

    threshold = gc.get_threshold()
    gc.callbacks.append(yield_the_gil)
    gc.set_threshold(10, 5, 5)
    try:
        workers = [threading.Thread(target=parse_often) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        gc.callbacks.remove(yield_the_gil)
        gc.set_threshold(*threshold)
    assert errors == []


def yield_the_gil(phase, info):
    time.sleep(0)
