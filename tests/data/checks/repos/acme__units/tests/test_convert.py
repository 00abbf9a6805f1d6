import unittest

from units.convert import to_metres


class ConvertTests(unittest.TestCase):
    def test_kilometres(self):
        self.assertEqual(to_metres(2, "km"), 2000.0)

    def test_miles(self):
        # fails at the base commit: miles are not in the table yet
        self.assertAlmostEqual(to_metres(1, "mi"), 1609.344)
