"""The one command language: how chat text becomes a command with typed arguments."""
