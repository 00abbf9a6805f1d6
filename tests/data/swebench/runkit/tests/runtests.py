#!/usr/bin/env python
"""Runs runkit's tests the way Django's tests/runtests.py runs Django's: a settings module
named on the command line, test labels, and unittest's verbose report."""

import argparse
import importlib
import sys
import unittest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("labels", nargs="*")
    parser.add_argument("--settings", default="test_sqlite")
    parser.add_argument("--verbosity", type=int, default=1)
    parser.add_argument("--parallel", type=int, default=1)
    options = parser.parse_args()
    settings = importlib.import_module(options.settings)
    labels = options.labels or settings.TEST_LABELS
    suite = unittest.defaultTestLoader.loadTestsFromNames(labels)
    result = unittest.TextTestRunner(verbosity=options.verbosity).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
