"""Every Telegram test fails if python-telegram-bot reported an update it could not handle:
the adapter logs it and carries on, so a test looking only at the chat would not notice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_unhandled_updates(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    yield
    failures = [
        record.getMessage()
        for record in caplog.get_records("setup") + caplog.get_records("call")
        if record.name.startswith("adapters.telegram") and "handling an update failed" in record.msg
    ]
    assert not failures, failures
