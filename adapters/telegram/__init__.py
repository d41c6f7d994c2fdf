"""Telegram: python-telegram-bot in the bot's own event loop, cards with RSVP buttons."""

from adapters.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
