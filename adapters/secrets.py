"""Keep secrets (the Telegram token, IRC passwords) out of every log line.

The token is part of every Bot API URL, and httpx logs each request URL at INFO; the irc
library logs every raw line at DEBUG, SASL and IDENTIFY included; library errors may quote
either. A filter on the root handlers blanks a secret wherever it appears.
"""

from __future__ import annotations

import logging
import re

_REDACTED = "<secret>"


class _HideSecret(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        # Any case: error texts get capitalised or lowered on their way (python-telegram-bot
        # capitalises a Bot API error's description), and a token in other case still gives
        # most of it away.
        self._pattern = re.compile(re.escape(secret), re.IGNORECASE)

    def _hide(self, text: str) -> str | None:
        """``text`` with the secret blanked; None when it is not there."""
        hidden, found = self._pattern.subn(_REDACTED, text)
        return hidden if found else None

    def filter(self, record: logging.LogRecord) -> bool:
        hidden = self._hide(record.getMessage())
        if hidden is not None:
            record.msg, record.args = hidden, None
        # The whole traceback, causes included; handed over as text only, so that no
        # formatter (the JSON one formats exc_info afresh) can print the secret again.
        text = record.exc_text
        if text is None and record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
        hidden = self._hide(text) if text else None
        if hidden is not None:
            record.exc_text, record.exc_info = hidden, None
        return True


def hide_in_logs(secret: str) -> None:
    # Request lines are noise at INFO, and the noise carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, _HideSecret) and f.secret == secret for f in handler.filters):
            handler.addFilter(_HideSecret(secret))
