import unittest

import pytest


@pytest.fixture
def broken():
    raise RuntimeError("fixture")


def test_passes():
    assert True


def test_fails():
    assert 1 == 2


@pytest.mark.parametrize("x", [1, 2])
def test_param(x):
    assert x == 1


@pytest.mark.xfail
def test_expected_failure():
    assert False


@pytest.mark.xfail
def test_unexpected_pass():
    pass


@pytest.mark.skip(reason="no")
def test_skipped():
    pass


def test_setup_error(broken):
    pass


def test_imperative_xfail():
    pytest.xfail("later")


class Case(unittest.TestCase):
    def test_ok(self):
        self.assertTrue(True)

    def test_bad(self):
        self.assertEqual(1, 2)

    @unittest.expectedFailure
    def test_known(self):
        self.assertEqual(1, 2)

    def test_skip(self):
        self.skipTest("no")
