import unittest

import runkit


class CalcTests(unittest.TestCase):
    def test_add(self):
        self.assertEqual(runkit.add(2, 3), 5)

    def test_mean(self):
        self.assertEqual(runkit.mean([1, 2, 3]), 2)
