"""Chat backends behind one interface (:class:`Backend`): embedded llama.cpp and Ollama."""

from .base import (
    Backend,
    BackendError,
    ContextOverflowError,
    GenerationParams,
    ReplyStats,
    StopSignal,
)

__all__ = [
    "Backend",
    "BackendError",
    "ContextOverflowError",
    "GenerationParams",
    "ReplyStats",
    "StopSignal",
]
