import unittest

from django.utils.text import capfirst, wrap


class TextTests(unittest.TestCase):
    def test_capfirst(self):
        self.assertEqual(capfirst("hello world"), "Hello world")

    def test_wrap(self):
        self.assertEqual(wrap("one two three", 7), "one two\nthree")
