"""The benchmark: PubMedQA (standard 500-question test set) and generic lettered
multiple-choice, scored by the log-likelihood of each answer through llama.cpp, Ollama or
Hugging Face models.

Importing this package never imports torch; the Hugging Face backend imports it when used.
"""
