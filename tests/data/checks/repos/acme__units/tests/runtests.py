"""The repository's own test runner: unittest, verbose, over test files or module labels."""

import sys
import unittest

sys.path.insert(0, ".")


def label(argument):
    return argument.removesuffix(".py").replace("/", ".")


def main():
    loader = unittest.TestLoader()
    names = [label(a) for a in sys.argv[1:]]
    suite = loader.loadTestsFromNames(names) if names else loader.discover("tests", top_level_dir=".")
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
