"""The chat app's widgets: messages, the prompt input, banners and notices."""
