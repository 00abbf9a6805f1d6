import unittest

from django.contrib.gis.measure import kilometres


class MeasureTests(unittest.TestCase):
    def test_kilometres(self):
        self.assertEqual(kilometres(1500), 1.5)
