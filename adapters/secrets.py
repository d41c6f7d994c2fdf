"""Keep secrets (the Telegram token, IRC passwords) out of every log line.

The token is part of every Bot API URL, and httpx logs each request URL at INFO; the irc
library logs every raw line at DEBUG, SASL and IDENTIFY included; library errors may quote
either. A filter on the root handlers blanks a secret wherever it appears.
"""

from __future__ import annotations

import logging

_REDACTED = "<secret>"


class _HideSecret(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, _REDACTED), None
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            if self.secret in str(exc):
                record.exc_text = (
                    logging.Formatter()
                    .formatException(record.exc_info)
                    .replace(self.secret, _REDACTED)
                )
        return True


def hide_in_logs(secret: str) -> None:
    # Request lines are noise at INFO, and the noise carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, _HideSecret) and f.secret == secret for f in handler.filters):
            handler.addFilter(_HideSecret(secret))
