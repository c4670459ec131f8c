"""all-MiniLM-L6-v2 sentence embeddings, torch-free: shared by the emergency check and the
NIH library's dense retrieval.

It lives in the torch-free core because the chat, the build and training read it: stage 2's
grounded examples carry the passages the retriever returns, and the retriever's dense half
is this encoder. ``python -m hera_core.encoder.fetch`` (run by ``make setup``) installs the
weights into :func:`hera_core.paths.encoder_dir`.
"""

from .minilm import (
    MAX_TOKENS,
    MODEL_NAME,
    EncoderMissingError,
    SentenceEncoder,
    load_encoder,
    mean_pool,
)

__all__ = [
    "MAX_TOKENS",
    "MODEL_NAME",
    "EncoderMissingError",
    "SentenceEncoder",
    "load_encoder",
    "mean_pool",
]
