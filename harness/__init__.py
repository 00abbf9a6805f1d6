"""Measure which model-routing policy resolves the most coding tasks per dollar."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cascade-harness")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"


class HarnessError(Exception):
    """A problem the user can act on; the CLI prints it as one line, without a traceback."""


class InfrastructureError(HarnessError):
    """The engine, a container or an image failed: never the model's fault, never 'unresolved'."""
