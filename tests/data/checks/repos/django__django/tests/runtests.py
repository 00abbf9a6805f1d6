#!/usr/bin/env python
"""The test runner, shaped like Django's own: module labels in, unittest's verbose lines out.
Like Django's, it loads the package first, and it aborts the whole run, running nothing, when a
gis_tests label is given and no GIS database backend is there (there never is here)."""

import argparse
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]

import django  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("labels", nargs="*")
    parser.add_argument("--verbosity", type=int, default=1)
    parser.add_argument("--settings")
    parser.add_argument("--parallel")
    args = parser.parse_args()
    print(f"Testing against Django installed in '{os.path.dirname(django.__file__)}'")
    if any(label.split(".")[0] == "gis_tests" for label in args.labels):
        print("Aborting: A GIS database backend is required to run gis_tests.")
        sys.exit(1)
    loader = unittest.TestLoader()
    if args.labels:
        suite = loader.loadTestsFromNames(args.labels)
    else:
        names = sorted(
            n for n in os.listdir(HERE) if os.path.isdir(os.path.join(HERE, n)) and n != "gis_tests"
        )
        suite = unittest.TestSuite(
            loader.discover(os.path.join(HERE, name), pattern="*test*.py", top_level_dir=HERE)
            for name in names
        )
    result = unittest.TextTestRunner(verbosity=args.verbosity).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
