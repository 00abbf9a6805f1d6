"""Models: the protocol the agent talks to, and the kinds behind it (a live OpenAI-compatible
endpoint, recorded replies, the simulated family), built by one factory."""

from harness.models.base import Completion, Message, Model, ModelError

__all__ = ["Completion", "Message", "Model", "ModelError"]
