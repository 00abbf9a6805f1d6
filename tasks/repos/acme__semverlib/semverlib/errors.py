"""Exceptions raised by semverlib."""


class SemverError(ValueError):
    """Base class for every error raised by this package."""


class InvalidVersion(SemverError):
    """A string is not a valid semantic version."""

    def __init__(self, text, reason=""):
        self.text = text
        self.reason = reason
        message = f"invalid version: {text!r}"
        if reason:
            message += f" ({reason})"
        super().__init__(message)


class InvalidRange(SemverError):
    """A string is not a valid version range."""

    def __init__(self, text, reason=""):
        self.text = text
        self.reason = reason
        message = f"invalid range: {text!r}"
        if reason:
            message += f" ({reason})"
        super().__init__(message)
