"""all-MiniLM-L6-v2 sentence embeddings, torch-free: shared by the emergency check and the
NIH library's dense retrieval.

It lives in the torch-free part of ``hera_train`` because training reads it too: stage 2's
grounded examples carry the passages the retriever returns, and the retriever's dense half
is this encoder. ``python -m hera_train.encoder.fetch`` (run by ``make setup``) installs the
weights.
"""

from .minilm import (
    MAX_TOKENS,
    MODEL_NAME,
    EncoderMissingError,
    SentenceEncoder,
    encoder_dir,
    load_encoder,
    mean_pool,
)

__all__ = [
    "MAX_TOKENS",
    "MODEL_NAME",
    "EncoderMissingError",
    "SentenceEncoder",
    "encoder_dir",
    "load_encoder",
    "mean_pool",
]
