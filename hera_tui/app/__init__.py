"""The Textual application: the chat screen, modal screens, and the screen registry."""
