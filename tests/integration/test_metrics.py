"""What `/metrics` counts, through the chat harness on SQLite and PostgreSQL: commands by
outcome, deliveries by outcome, how late reminders went out, what is still pending."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import REGISTRY, exposition
from storage import Database
from tests.harness import Chat


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_commands_are_counted_by_network_command_and_outcome(database: Database) -> None:
    chat = Chat(database)
    ok = {"network": "test:net", "command": "newevent", "outcome": "ok"}
    refused = {"network": "test:net", "command": "rsvp", "outcome": "refused"}
    before_ok, before_refused = (
        value("gatherbot_commands_total", **ok),
        value("gatherbot_commands_total", **refused),
    )
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    await chat.say("!rsvp 99", "bob")
    assert value("gatherbot_commands_total", **ok) == before_ok + 1
    assert value("gatherbot_commands_total", **refused) == before_refused + 1


async def test_reminders_sent_count_as_deliveries_with_their_lateness(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | remind=1h", "olga")
    sent = {"network": "test:net", "outcome": "sent"}
    before_sent = value("gatherbot_deliveries_total", **sent)
    before_late = value("gatherbot_reminder_lateness_seconds_count")
    before_late_sum = value("gatherbot_reminder_lateness_seconds_sum")
    # The 1-hour reminder is due Sun 17:00; the clock gets there 2 minutes late.
    await chat.posts_at(chat.clock.now.replace(day=22, hour=17, minute=2))
    assert value("gatherbot_deliveries_total", **sent) == before_sent + 1
    assert value("gatherbot_reminder_lateness_seconds_count") == before_late + 1
    assert value("gatherbot_reminder_lateness_seconds_sum") - before_late_sum == 120


async def test_the_exposition_counts_pending_deliveries_per_network(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | remind=1d,1h", "olga")
    assert (await chat.say("!announce 1 other:net2/#other", "olga")).startswith("#1")
    families = {
        family.name: family
        for family in text_string_to_metric_families((await exposition(database)).decode())
    }
    pending = {
        sample.labels["network"]: sample.value
        for sample in families["gatherbot_deliveries_pending"].samples
    }
    # Two reminders and the start post in each channel.
    assert pending == {"test:net": 3, "other:net2": 3}
    assert "process_resident_memory_bytes" in families
