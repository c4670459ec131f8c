"""HERA's chat app: a Textual TUI over an embedded llama.cpp model or an Ollama server.

Importing this package is cheap and never imports torch (the person who only chats installs
no training stack); the app, the backends and llama.cpp are imported where they are used.
"""
