"""Grading: the script, the log, the verdict, and the I/O that runs them in a sandbox."""

from harness.grading.evaluate import evaluate, grade
from harness.grading.parsers import parse_pytest_log
from harness.grading.script import reset_test_files
from harness.grading.testrunner import TestRunner, runner_for
from harness.grading.verdict import decide

__all__ = [
    "TestRunner",
    "decide",
    "evaluate",
    "grade",
    "parse_pytest_log",
    "reset_test_files",
    "runner_for",
]
