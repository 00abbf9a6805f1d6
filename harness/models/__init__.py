"""Models: the protocol the agent talks to, and the kinds behind it (a live OpenAI-compatible
endpoint, recorded replies, the simulated family), built by one factory."""

from harness.models.base import (
    CallError,
    Completion,
    Message,
    Model,
    ModelError,
    ModelUnavailable,
)

__all__ = ["CallError", "Completion", "Message", "Model", "ModelError", "ModelUnavailable"]
