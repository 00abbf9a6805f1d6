"""A few pieces of Django's layout: a package whose test runner loads it before any test."""

from django.utils.version import get_version

VERSION = (0, 1, 0)
__version__ = get_version(VERSION)
