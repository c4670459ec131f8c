"""HERA's torch-free core, which every other package imports and which imports none of them.

Errors, atomic files, every location rule (``paths``), JSONL, intervals, terminal progress;
the prompt formats (the one source of truth for prompts) and their detection, choice
scoring; the llama.cpp glue and the Ollama client; ``--model`` specs and model packages;
the PubMedQA data, split and test-set guard; the sentence encoder (``encoder``) and the
NIH library (``sources``). A chat-only install imports nothing else outside ``hera_tui``.
"""
