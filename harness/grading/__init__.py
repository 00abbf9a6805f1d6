"""Grading: the script, the log, the verdict, and the I/O that runs them in a sandbox. How a
task's tests are run and read is testsuite.py's (`grading_suite`), shared with the edit check."""

from harness.grading.evaluate import evaluate, grade
from harness.grading.script import reset_test_files
from harness.grading.verdict import decide

__all__ = ["decide", "evaluate", "grade", "reset_test_files"]
