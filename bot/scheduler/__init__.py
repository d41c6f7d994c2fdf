"""Reminders, "starting now" posts and notices: planned as deliveries in the database, sent
exactly once by the dispatcher."""

from bot.scheduler.dispatcher import Dispatcher

__all__ = ["Dispatcher"]
