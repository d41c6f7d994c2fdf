"""Use cases the commands (and later the scheduler and buttons) share."""
