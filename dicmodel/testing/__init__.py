"""Test helpers that ship with dicmodel: replaceable parts for tests above the model layer.

- :class:`~dicmodel.testing.openai_server.FakeOpenAIServer`: a real OpenAI-compatible
  chat-completions server on loopback, answering from a script.

Light: only the standard library is imported.
"""

from __future__ import annotations

from .openai_server import (
    FakeOpenAIServer,
    chat_completion,
    model_reply,
    request_images,
    request_text,
    to_conversation,
)

__all__ = ["FakeOpenAIServer", "chat_completion", "request_text", "request_images", "to_conversation",
           "model_reply"]
