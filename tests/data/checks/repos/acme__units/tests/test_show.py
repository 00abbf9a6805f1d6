import unittest

from units.show import show


class ShowTests(unittest.TestCase):
    def test_show(self):
        self.assertEqual(show(2.5, "m"), "2.5 m")
