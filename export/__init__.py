"""Export a HERA fine-tune for llama.cpp and Ollama.

merge (LoRA onto full-precision weights) -> GGUF (our own writer on the ``gguf`` library,
streamed one tensor at a time) -> K-quants (llama.cpp's quantizer) -> Modelfile -> Ollama,
with parity gates that prove the exported model behaves like the HF one before it is
declared done. Torch and transformers are imported only where merging or comparing needs
them.
"""
