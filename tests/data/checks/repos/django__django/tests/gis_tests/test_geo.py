import unittest

from django.utils.text import capfirst


class GeoNameTests(unittest.TestCase):
    def test_place_name(self):
        self.assertEqual(capfirst("paris"), "Paris")
