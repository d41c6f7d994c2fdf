"""Network adapters: each turns its network's updates into IncomingMessage and renders the
core's neutral replies for that network."""
