"""Creating, listing, editing and cancelling events, through the chat harness on SQLite and
PostgreSQL. The harness's clock reads Sat 2026-11-21 12:00 UTC (13:00 in Warsaw)."""

from __future__ import annotations

import pytest

from bot.domain import ChannelKind
from storage import Database
from tests.harness import Chat

GATHERING = "!newevent Developers Gathering | 2026-12-04 18:00-20:00 | Café Nero | limit=20"
WARSAW_CARD = "#1 Developers Gathering · Fri 2026-12-04 18:00-20:00 CET (Europe/Warsaw) · Café Nero"


@pytest.fixture
def chat(database: Database) -> Chat:
    return Chat(database)


async def in_warsaw(chat: Chat, channel: str = "#main") -> None:
    chat.make_channel_admin("admin", channel)
    answer = await chat.say("!tz Europe/Warsaw", "admin", channel=channel)
    assert answer.startswith("Time zone for this channel is now Europe/Warsaw")


async def snapshot(chat: Chat, *, events: tuple[int, ...] = (1,)) -> list[str]:
    """Everything a person could look up about the channel and its events."""
    seen = [await chat.say("!events"), await chat.say("!tz")]
    for event_id in events:
        seen += [await chat.say(f"!event {event_id}"), await chat.say(f"!who {event_id}")]
    return seen


# Creating


async def test_a_new_event_is_echoed_in_the_channels_time_zone(chat: Chat) -> None:
    await in_warsaw(chat)
    assert await chat.say(GATHERING, "olga") == (
        f"Created {WARSAW_CARD} · 0/20 going\nRSVP: !rsvp 1  ·  details: !event 1"
    )


async def test_only_a_channel_admin_may_set_the_channels_time_zone(chat: Chat) -> None:
    assert await chat.say("!tz Europe/Warsaw", "bob") == (
        "Only an admin of this channel can change its time zone."
    )
    assert (await chat.say("!tz")).startswith("Time zone here: UTC, the bot's default.")
    assert (await chat.say(GATHERING, "olga")).startswith(
        "Created #1 Developers Gathering · Fri 2026-12-04 18:00-20:00 UTC · Café Nero"
    )


async def test_the_channels_time_zone_is_shown_and_used_only_there(chat: Chat) -> None:
    await in_warsaw(chat)
    assert (await chat.say("!tz")).startswith(
        "Time zone here: CET (Europe/Warsaw), set for this channel. "
        "Now it is Sat 2026-11-21 13:00 CET (Europe/Warsaw)."
    )
    elsewhere = await chat.say("!newevent Lunch | 2026-12-04 12:00", "olga", channel="#other")
    assert elsewhere.startswith("Created #1 Lunch · Fri 2026-12-04 12:00 UTC · 0 going")


async def test_a_tz_option_overrides_the_channels_zone(chat: Chat) -> None:
    await in_warsaw(chat)
    answer = await chat.say(
        "!newevent Standup | 2026-12-04 09:00 | tz=America/New_York limit=5", "olga"
    )
    assert answer.startswith(
        "Created #1 Standup · Fri 2026-12-04 09:00 EST (America/New_York) · 0/5 going"
    )


async def test_a_config_admin_may_set_a_channels_time_zone(database: Database) -> None:
    chat = Chat(database, admins=("test:net:id-carol",))
    assert (await chat.say("!tz Europe/Warsaw", "carol")).startswith(
        "Time zone for this channel is now Europe/Warsaw"
    )


async def test_unverified_users_may_rsvp_but_not_create_events(chat: Chat) -> None:
    refused = await chat.say(GATHERING, "mallory", verified=False)
    assert refused == (
        "Only people logged in to their network's services can organise events: anyone "
        "could use your nick. Log in (e.g. /msg NickServ IDENTIFY name password) and try again."
    )
    assert (await chat.say("!events")).startswith("No upcoming events here.")

    await chat.say(GATHERING, "olga")
    assert (await chat.say("!rsvp 1", "mallory", verified=False)).startswith(
        "mallory: you're going to #1 Developers Gathering."
    )
    assert "Going (1): mallory [unverified]" in await chat.say("!who 1")


async def test_a_failed_newevent_creates_nothing_and_the_next_event_is_number_one(
    chat: Chat,
) -> None:
    for bad in [
        "!newevent Coffee | yesterday 18:00",
        "!newevent Coffee | someday",
        "!newevent Coffee | 2026-12-04 18:00 | limit=0",
        "!newevent Coffee | 2026-12-04 18:00 | tz=Mars/Olympus",
    ]:
        answer = await chat.say(bad, "olga")
        assert answer.startswith("Created") is False
        assert "Usage: !newevent" in answer
    assert (await chat.say("!events")).startswith("No upcoming events here.")
    assert (await chat.say("!newevent Coffee | tomorrow 18:00", "olga")).startswith(
        "Created #1 Coffee"
    )


# Reading


async def test_events_lists_only_this_channels_upcoming_events_soonest_first(
    chat: Chat,
) -> None:
    await chat.say("!newevent Late | 2026-12-10 18:00", "olga")
    await chat.say("!newevent Elsewhere | 2026-11-25 18:00", "olga", channel="#other")
    await chat.say("!newevent Soon | 2026-11-24 18:00 | Pub", "olga")
    await chat.say("!newevent Called off | 2026-11-23 18:00", "olga")
    await chat.say("!newevent Over soon | in 2 hours", "olga")
    await chat.say("!newevent Next | 2026-11-22 18:00-20:00", "olga")
    await chat.say("!cancel 4", "olga")
    chat.clock.advance(hours=4, minutes=1)  # "Over soon" has no end: it was over at 2 h

    assert (await chat.say("!events")).splitlines() == [
        "Upcoming events (3):",
        "#6 Next · Sun 2026-11-22 18:00-20:00 UTC · 0 going",
        "#3 Soon · Tue 2026-11-24 18:00 UTC · Pub · 0 going",
        "#1 Late · Thu 2026-12-10 18:00 UTC · 0 going",
    ]
    assert (await chat.say("!events", channel="#other")).splitlines() == [
        "Upcoming events (1):",
        "#2 Elsewhere · Wed 2026-11-25 18:00 UTC · 0 going",
    ]


async def test_an_event_under_way_is_still_listed_until_it_ends(chat: Chat) -> None:
    await chat.say("!newevent Hackathon | 2026-11-21 14:00-22:00", "olga")
    chat.clock.advance(hours=4)
    assert "#1 Hackathon" in await chat.say("!events")
    chat.clock.advance(hours=6)
    assert (await chat.say("!events")).startswith("No upcoming events here.")


async def test_an_event_without_an_end_takes_latecomers_for_two_hours(chat: Chat) -> None:
    """A meetup at 18:00 is not over at 18:01: it counts as two hours long."""
    await chat.say("!newevent Coffee | 2026-11-21 14:00", "olga")
    chat.clock.advance(hours=3, minutes=59)  # 15:59, an hour and 59 minutes in
    assert "#1 Coffee" in await chat.say("!events")
    assert (await chat.say("!rsvp 1", "bob")).startswith("bob: you're going to #1 Coffee")
    assert "#1 Coffee" in await chat.say("!myevents", "bob", channel="bob", kind=ChannelKind.DIRECT)
    chat.clock.advance(minutes=1)
    assert (await chat.say("!events")).startswith("No upcoming events here.")
    assert (await chat.say("!rsvp 1", "carol")).startswith("#1 Coffee is already over.")


async def test_event_shows_the_details(chat: Chat) -> None:
    await in_warsaw(chat)
    await chat.say(GATHERING + " remind=2h description=Bring a laptop.", "olga")
    await chat.say("!rsvp 1 +1", "bob")
    await chat.say("!rsvp 1 maybe", "carol")
    assert (await chat.say("!event 1")).splitlines() == [
        "#1 Developers Gathering",
        "When: Fri 2026-12-04 18:00-20:00 CET (Europe/Warsaw) (in 13 days)",
        "Where: Café Nero",
        "Organizer: olga",
        "Announced in: #main (test:net)",
        "Attendance: 2/20 going · 1 maybe (limit 20)",
        "Reminders: 2h before",
        "Bring a laptop.",
        "RSVP: !rsvp 1 [yes|maybe|no] [+N] [note] · who's coming: !who 1",
    ]


async def test_event_shows_the_reminders_the_channel_really_gets(chat: Chat) -> None:
    """The event's own remind=, else the channel's `settings remind=`, else the default;
    asked in a private chat, those of the channel it was created in."""
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")

    async def reminders(channel: str = "#main") -> str:
        kind = ChannelKind.DIRECT if channel == "bob" else ChannelKind.GROUP
        shown = (await chat.say("!event 1", "bob", channel=channel, kind=kind)).splitlines()
        return next(row for row in shown if row.startswith("Reminders: "))

    assert await reminders() == "Reminders: 1d,1h before (the default)"
    chat.make_channel_admin("olga")
    await chat.say("!settings remind=3h", "olga")
    assert await reminders() == "Reminders: 3h before (the channel's setting)"
    assert await reminders("bob") == "Reminders: 3h before (the channel's setting)"
    await chat.say("!announce 1", "olga", channel="#other")
    assert await reminders("#other") == "Reminders: 1d,1h before (the default)"
    await chat.say("!settings remind=none", "olga")
    assert await reminders() == "Reminders: none (the channel's setting)"
    await chat.say("!edit 1 remind=30m", "olga")
    assert await reminders() == await reminders("#other") == "Reminders: 30m before"


async def test_event_for_an_unknown_number_says_so(chat: Chat) -> None:
    assert (await chat.say("!event 5")).startswith("There is no event #5.")


# Editing


async def test_the_organizer_may_edit_their_event(chat: Chat) -> None:
    await chat.say(GATHERING, "olga")
    answer = await chat.say("!edit 1 title=Dev Night where=The Pub", "olga")
    assert answer.splitlines() == [
        "Updated #1 Dev Night: title → Dev Night; where → The Pub.",
        "#1 Dev Night · Fri 2026-12-04 18:00-20:00 UTC · The Pub · 0/20 going",
        "RSVP: !rsvp 1  ·  details: !event 1",
    ]
    assert "Where: The Pub" in await chat.say("!event 1")


async def test_a_stranger_may_not_edit_and_nothing_changes(chat: Chat) -> None:
    await chat.say(GATHERING, "olga")
    await chat.say("!rsvp 1", "bob")
    before = await snapshot(chat)

    answer = await chat.say("!edit 1 where=My Place limit=1", "mallory")

    assert answer.startswith("Only the organizer (olga) or an admin can edit #1.")
    assert await snapshot(chat) == before
    assert chat.network.sent == []


async def test_a_channel_admin_of_the_events_channel_may_edit_it(chat: Chat) -> None:
    await chat.say(GATHERING, "olga")
    chat.make_channel_admin("carol")
    answer = await chat.say("!edit 1 limit=30", "carol")
    assert answer.startswith("Updated #1 Developers Gathering: limit 20 → 30.")


async def test_a_channel_admin_of_another_channel_may_not_edit(chat: Chat) -> None:
    await chat.say(GATHERING, "olga")
    chat.make_channel_admin("carol", "#other")
    for channel in ["#other", "#main"]:
        answer = await chat.say("!edit 1 limit=30", "carol", channel=channel)
        assert answer.startswith("Only the organizer (olga) or an admin can edit #1.")
    assert "(limit 20)" in await chat.say("!event 1")


async def test_a_config_admin_may_edit_any_event_from_anywhere(database: Database) -> None:
    chat = Chat(database, admins=("test:net:id-carol",))
    await chat.say(GATHERING, "olga")
    answer = await chat.say("!edit 1 limit=30", "carol", channel="#other")
    assert answer.startswith("Updated #1 Developers Gathering: limit 20 → 30.")


async def test_a_new_start_keeps_the_events_length(chat: Chat) -> None:
    await in_warsaw(chat)
    await chat.say(GATHERING, "olga")
    answer = await chat.say("!edit 1 when=2026-12-05 19:00", "olga")
    assert answer.startswith(
        "Updated #1 Developers Gathering: when → Sat 2026-12-05 19:00-21:00 CET (Europe/Warsaw).\n"
    )


async def test_a_new_zone_alone_keeps_the_wall_clock_time(chat: Chat) -> None:
    await in_warsaw(chat)
    await chat.say(GATHERING, "olga")
    answer = await chat.say("!edit 1 tz=Europe/London", "olga")
    assert answer.splitlines()[:2] == [
        "Updated #1 Developers Gathering: when → Fri 2026-12-04 18:00-20:00 GMT (Europe/London).",
        "#1 Developers Gathering · Fri 2026-12-04 18:00-20:00 GMT (Europe/London) · Café Nero "
        "· 0/20 going",
    ]


async def test_none_a_dash_or_nothing_clears_a_place_description_or_address(chat: Chat) -> None:
    await chat.say(GATHERING + " url=https://dev.example description=Bring a laptop", "olga")
    assert (await chat.say("!edit 1 where=none description=-", "olga")).splitlines()[0] == (
        "Updated #1 Developers Gathering: where → (none); description removed."
    )
    assert (await chat.say("!edit 1 url=", "olga")).splitlines()[:2] == [
        "Updated #1 Developers Gathering: url → (none).",
        "#1 Developers Gathering · Fri 2026-12-04 18:00-20:00 UTC · 0/20 going",
    ]


async def test_a_new_time_alone_keeps_the_day(chat: Chat) -> None:
    """`when=20:00` on an event four weeks ahead moves it two hours, not to tonight."""
    await in_warsaw(chat)
    await chat.say(GATHERING, "olga")
    assert (await chat.say("!edit 1 when=19:00", "olga")).splitlines()[0] == (
        "Updated #1 Developers Gathering: when → Fri 2026-12-04 19:00-21:00 CET (Europe/Warsaw)."
    )
    assert (await chat.say("!edit 1 when=6pm-9pm", "olga")).splitlines()[0] == (
        "Updated #1 Developers Gathering: when → Fri 2026-12-04 18:00-21:00 CET (Europe/Warsaw)."
    )


async def test_a_new_time_alone_keeps_a_series_on_its_weekday_from_its_next_date(
    chat: Chat,
) -> None:
    await chat.say("!newevent Coffee | wednesday 18:00 | Café | repeat=weekly", "olga")
    await chat.say("!rsvp 1@2026-12-02", "bob")
    assert (await chat.say("!edit 1 when=19:30", "olga")).splitlines()[:2] == [
        "Updated #1 Coffee: when → Wed 2026-11-25 19:30 UTC.",
        "#1 Coffee · Wed 2026-11-25 19:30 UTC · every week · Café · 0 going",
    ]
    assert (await chat.say("!who 1@2026-12-02")).splitlines()[1:] == ["Going (1): bob"]
    # A daily series whose time today has passed at the new hour starts tomorrow.
    await chat.say("!newevent Standup | today 13:00 | repeat=daily", "olga")
    assert (await chat.say("!edit 2 when=09:00", "olga")).splitlines()[0] == (
        "Updated #2 Standup: when → Sun 2026-11-22 09:00 UTC."
    )


async def test_attendees_are_told_when_the_time_or_place_changes(chat: Chat) -> None:
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=1", "olga")
    await chat.say("!rsvp 1", "olga")
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1 maybe", "carol")
    await chat.say("!rsvp 1 no", "dave")

    await chat.say("!edit 1 when=tomorrow 19:00 where=The Pub", "olga")

    told = (
        "#1 Coffee has changed: when → Sun 2026-11-22 19:00 UTC; where → The Pub\n"
        "#1 Coffee · Sun 2026-11-22 19:00 UTC · The Pub · 1/1 going · 1 waitlisted · 1 maybe"
    )
    assert chat.network.sent_to("id-bob") == [told]
    assert chat.network.sent_to("id-carol") == [told]
    assert chat.network.sent_to("id-dave") == []
    assert chat.network.sent_to("id-olga") == []


async def test_attendees_are_not_told_of_a_new_limit_or_title(chat: Chat) -> None:
    await chat.say(GATHERING, "olga")
    await chat.say("!rsvp 1", "bob")
    await chat.say("!edit 1 limit=30 title=Dev Night", "olga")
    # Repeating the place as it is changes nothing either.
    await chat.say("!edit 1 limit=40 where=Café Nero", "olga")
    assert chat.network.sent_to("id-bob") == []


async def test_an_edit_that_changes_nothing_is_refused(chat: Chat) -> None:
    await chat.say(GATHERING, "olga")
    before = await snapshot(chat)
    answer = await chat.say("!edit 1 limit=20 where=Café Nero", "olga")
    assert answer.startswith("Nothing changed: those are already the event's values.")
    assert await snapshot(chat) == before


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ("!edit 1 when=yesterday 18:00", "That time is in the past"),
        ("!edit 1 limit=0", "limit must be at least 1"),
        ("!edit 1 colour=blue", "Unknown option 'colour'."),
        ("!edit 1 url=not a link", "'not a link' is not a web address"),
        (
            "!edit 1 when=2026-12-05 19:00 ends=2026-12-05 18:00",
            "The end (Sat 2026-12-05 18:00 UTC)",
        ),
        ("!edit 2 limit=30", "There is no event #2."),
        ("!cancel 2", "There is no event #2."),
    ],
)
async def test_a_bad_edit_is_refused_and_changes_nothing(
    chat: Chat, command: str, error: str
) -> None:
    await chat.say(GATHERING, "olga")
    await chat.say("!rsvp 1", "bob")
    before = await snapshot(chat)

    answer = await chat.say(command, "olga")

    assert answer.startswith(error)
    assert await snapshot(chat) == before
    assert chat.network.sent == []


async def test_a_cancelled_or_finished_event_cannot_be_edited(chat: Chat) -> None:
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    await chat.say("!newevent Tea | in 1 hour", "olga")
    await chat.say("!cancel 1", "olga")
    chat.clock.advance(hours=3, minutes=1)  # Tea has no end: it counts as 2 hours long
    assert await chat.say("!edit 1 limit=3", "olga") == (
        "#1 Coffee is already cancelled. To change it, reopen it first: !reopen 1"
    )
    assert (await chat.say("!edit 2 limit=3", "olga")).startswith("#2 Tea is already over.")


# Cancelling


async def test_cancelling_tells_everyone_who_answered_except_the_canceller_and_the_no(
    chat: Chat,
) -> None:
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=1", "olga")
    await chat.say("!rsvp 1", "olga")
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1 maybe", "carol")
    await chat.say("!rsvp 1 no", "dave")

    answer = await chat.say("!cancel 1 rain", "olga")

    assert answer == (
        "Cancelled #1 Coffee (Sun 2026-11-22 18:00 UTC). Reason: rain\n"
        "Told 2 attendees. Undo: !reopen 1"
    )
    told = ["#1 Coffee (Sun 2026-11-22 18:00 UTC) is cancelled. Reason: rain"]
    assert chat.network.sent_to("id-bob") == told  # waitlisted
    assert chat.network.sent_to("id-carol") == told  # maybe
    assert chat.network.sent_to("id-dave") == []
    assert chat.network.sent_to("id-olga") == []
    assert (await chat.say("!events")).startswith("No upcoming events here.")
    assert (await chat.say("!event 1")).splitlines()[:2] == ["#1 Coffee", "Cancelled: rain"]


async def test_a_channel_admin_who_cancels_tells_the_going_organizer(chat: Chat) -> None:
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    await chat.say("!rsvp 1", "olga")
    chat.make_channel_admin("carol")

    answer = await chat.say("!cancel 1", "carol")

    assert answer == (
        "Cancelled #1 Coffee (Sun 2026-11-22 18:00 UTC).\nTold 1 attendee. Undo: !reopen 1"
    )
    assert chat.network.sent_to("id-olga") == ["#1 Coffee (Sun 2026-11-22 18:00 UTC) is cancelled."]


async def test_cancelling_an_event_nobody_answered_says_so(chat: Chat) -> None:
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    assert await chat.say("!cancel 1", "olga") == (
        "Cancelled #1 Coffee (Sun 2026-11-22 18:00 UTC).\n"
        "Nobody else had answered yet. Undo: !reopen 1"
    )


async def test_a_stranger_may_not_cancel_and_nothing_changes(chat: Chat) -> None:
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    await chat.say("!rsvp 1", "bob")
    before = await snapshot(chat)

    answer = await chat.say("!cancel 1 ha", "mallory")

    assert answer.startswith("Only the organizer (olga) or an admin can cancel #1.")
    assert await snapshot(chat) == before
    assert chat.network.sent == []


async def test_an_event_cannot_be_cancelled_twice(chat: Chat) -> None:
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    await chat.say("!rsvp 1", "bob")
    await chat.say("!cancel 1", "olga")
    assert await chat.say("!cancel 1", "olga") == (
        "#1 Coffee is already cancelled. Undo: !reopen 1"
    )
    assert len(chat.network.sent_to("id-bob")) == 1


# Chat that is not for the bot


async def test_an_unknown_command_in_a_group_is_ignored(chat: Chat) -> None:
    assert await chat.say("!weather Warsaw") == ""


async def test_an_unknown_command_addressed_to_the_bot_gets_an_answer(chat: Chat) -> None:
    assert await chat.say("!weather Warsaw", addressed=True) == (
        "Unknown command 'weather'. All commands: !help"
    )


async def test_a_typo_of_a_real_command_gets_a_suggestion(chat: Chat) -> None:
    assert (
        await chat.say("!rsvpp 1")
        == "Unknown command 'rsvpp'. Did you mean !rsvp? All commands: !help"
    )


async def test_ordinary_chat_gets_no_reply(chat: Chat) -> None:
    assert await chat.say("see you all at the gathering!") == ""
    assert await chat.say("rsvp 1") == ""


async def test_ordinary_chat_addressed_to_the_bot_points_to_help(chat: Chat) -> None:
    assert await chat.say("hello there", addressed=True) == "I answer commands: try !help."


async def test_a_long_list_shows_the_ten_soonest_with_their_counts_and_how_many_more(
    chat: Chat,
) -> None:
    for day in range(12, 0, -1):  # created latest first: the list still goes by date
        await chat.say(f"!newevent Talk {day} | 2026-12-{day:02d} 18:00", "olga")
    await chat.say("!rsvp 12", "bob")  # Talk 1, the soonest
    lines = (await chat.say("!events")).splitlines()
    assert lines[0] == "Upcoming events (12), page 1 of 2:"
    assert lines[1].startswith("#12 Talk 1 · Tue 2026-12-01 18:00 UTC · 1 going")
    assert [line.split(" · ")[0] for line in lines[1:11]] == [
        f"#{13 - day} Talk {day}" for day in range(1, 11)
    ]
    assert lines[11:] == ["… 2 more: !events 2"]
