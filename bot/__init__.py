"""gatherbot core: events, RSVPs and the one command language. No network library here."""
