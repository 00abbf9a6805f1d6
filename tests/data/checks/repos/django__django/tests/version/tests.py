import unittest

from django.utils.version import get_version


class VersionTests(unittest.TestCase):
    def test_get_version(self):
        self.assertEqual(get_version((1, 2, 3)), "1.2.3")
