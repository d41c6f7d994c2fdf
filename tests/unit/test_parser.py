"""The command language: every command, every way of addressing the bot, every refusal.

Pure: no database, no clock. Times stay text here (see test_when for how they resolve).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from bot.announce import LinkArgs, Target
from bot.channel_settings import SettingsArgs
from bot.commands import COMMANDS, MAX_INPUT, UnknownCommand, dated, parse_command
from bot.domain import RsvpStatus
from bot.errors import UserError
from bot.feeds import IcsArgs, MyFeedArgs
from bot.identity import LinkCodeArgs
from bot.language.arguments import (
    CancelArgs,
    EditArgs,
    EventFields,
    EventIdArgs,
    HelpArgs,
    NewEventArgs,
    NoArgs,
    RemindArgs,
    RsvpArgs,
    ZoneArgs,
)
from bot.language.invocation import Invocation, split_invocation
from bot.language.paging import PageArgs
from bot.notify import NotifyArgs
from bot.polls.language import NewPollArgs, PickArgs, ShowPollArgs, VoteArgs

BOT = "GatherBot"


def parsed(text: str) -> tuple[str, Any]:
    """(command name, typed arguments) for ``text``, which must be a command."""
    result = parse_command(text, BOT)
    assert result is not None, f"{text!r} was not taken as a command"
    return result.spec.name, result.args


def refusal(text: str) -> UserError:
    with pytest.raises(UserError) as caught:
        parse_command(text, BOT)
    return caught.value


# --- Every command, with its typed arguments -----------------------------------------------

GOING, MAYBE, NOT_GOING = RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.NOT_GOING

COMMAND_CASES = [
    # newevent
    pytest.param(
        "!newevent Coffee | tomorrow 18:00",
        "newevent",
        NewEventArgs("Coffee", "tomorrow 18:00", EventFields()),
        id="newevent-title-and-time",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2 remind=1d,2h",
        "newevent",
        NewEventArgs(
            "Coffee",
            "tomorrow 18:00",
            EventFields(
                where="Café Nero",
                capacity=2,
                capacity_given=True,
                reminders=(timedelta(days=1), timedelta(hours=2)),
            ),
        ),
        id="newevent-place-limit-reminders",
    ),
    pytest.param(
        "/newevent Online meetup | 2026-12-05 19:00 Europe/Warsaw | https://meet.example/dev",
        "newevent",
        NewEventArgs(
            "Online meetup",
            "2026-12-05 19:00 Europe/Warsaw",
            EventFields(url="https://meet.example/dev"),
        ),
        id="newevent-url-as-third-part-is-the-url",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | limit=5",
        "newevent",
        NewEventArgs("Coffee", "tomorrow 18:00", EventFields(capacity=5, capacity_given=True)),
        id="newevent-options-as-third-part-are-not-a-place",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | Pub | limit=5 | remind=none",
        "newevent",
        NewEventArgs(
            "Coffee",
            "tomorrow 18:00",
            EventFields(where="Pub", capacity=5, capacity_given=True, reminders=()),
        ),
        id="newevent-options-over-several-parts",
    ),
    pytest.param(
        "!newevent   Coffee   and   cake  |  tomorrow 7pm-9pm  ",
        "newevent",
        NewEventArgs("Coffee and cake", "tomorrow 7pm-9pm", EventFields()),
        id="newevent-title-spaces-collapse",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | Pub | ends=20:00 tz=europe/warsaw repeat=biweekly",
        "newevent",
        NewEventArgs(
            "Coffee",
            "tomorrow 18:00",
            EventFields(where="Pub", ends="20:00", tz="Europe/Warsaw", repeat="every 2 weeks"),
        ),
        id="newevent-ends-tz-repeat",
    ),
    # A time that says how it repeats: the first date, and repeat= from the words.
    pytest.param(
        "!newevent Coffee | every Tuesday 19:00 | Pub",
        "newevent",
        NewEventArgs("Coffee", "Tuesday 19:00", EventFields(where="Pub", repeat="weekly")),
        id="newevent-every-weekday",
    ),
    pytest.param(
        "!newevent Coffee | every other fri 18:00-20:00",
        "newevent",
        NewEventArgs("Coffee", "fri 18:00-20:00", EventFields(repeat="every 2 weeks")),
        id="newevent-every-other-weekday",
    ),
    pytest.param(
        "!newevent Standup | every day 09:00",
        "newevent",
        NewEventArgs("Standup", "09:00", EventFields(repeat="daily")),
        id="newevent-every-day",
    ),
    pytest.param(
        "!newevent Talks | every 3 weeks wednesdays 18:00",
        "newevent",
        NewEventArgs("Talks", "wednesday 18:00", EventFields(repeat="every 3 weeks")),
        id="newevent-every-3-weeks",
    ),
    pytest.param(
        "!edit 3 when=every thursday 19:00",
        "edit",
        EditArgs(3, EventFields(when="thursday 19:00", repeat="weekly")),
        id="edit-every-weekday",
    ),
    # The monthly gatherings named by a weekday: the rule chooses the first date, so the WHEN
    # left is the time alone (see test_series_start).
    *(
        pytest.param(
            f"!newevent Meetup | {when}",
            "newevent",
            NewEventArgs("Meetup", time, EventFields(repeat=f"RRULE:FREQ=MONTHLY;BYDAY={byday}")),
            id=f"newevent-{when}",
        )
        for when, time, byday in [
            ("every first friday 19:00", "19:00", "1FR"),
            ("every 1st fri 19:00", "19:00", "1FR"),
            ("every second tuesday 18:30", "18:30", "2TU"),
            ("every 2nd Tues 18:30", "18:30", "2TU"),
            ("every 3rd wed 18:00", "18:00", "3WE"),
            ("every third wednesday 18:00", "18:00", "3WE"),
            ("every fourth thursday 19:00", "19:00", "4TH"),
            ("every 4th thurs 19:00", "19:00", "4TH"),
            ("every last thursday 18:00", "18:00", "-1TH"),
            ("every last thursdays 18:00", "18:00", "-1TH"),
            ("every first sunday 11:00", "11:00", "1SU"),
            ("every first friday of the month 19:00", "19:00", "1FR"),
            ("every first friday of every month 19:00", "19:00", "1FR"),
            ("EVERY First FRIDAY Of The Month 7pm", "7pm", "1FR"),
            ("every first friday 18:00-20:00", "18:00-20:00", "1FR"),
            ("every last thursday 18:00 Europe/Berlin", "18:00 Europe/Berlin", "-1TH"),
        ]
    ),
    pytest.param(
        "!edit 3 when=every last thursday of the month 18:00-20:00",
        "edit",
        EditArgs(3, EventFields(when="18:00-20:00", repeat="RRULE:FREQ=MONTHLY;BYDAY=-1TH")),
        id="edit-every-last-thursday",
    ),
    pytest.param(
        '!newevent Coffee | tomorrow 18:00 | Pub | description="Bring cups, max=2 each" limit=9',
        "newevent",
        NewEventArgs(
            "Coffee",
            "tomorrow 18:00",
            EventFields(
                where="Pub",
                description="Bring cups, max=2 each",
                capacity=9,
                capacity_given=True,
            ),
        ),
        id="newevent-quoted-value-may-contain-key=",
    ),
    pytest.param(
        "!newevent Coffee\n| tomorrow 18:00\n| Pub",
        "newevent",
        NewEventArgs("Coffee", "tomorrow 18:00", EventFields(where="Pub")),
        id="newevent-over-several-lines",
    ),
    # events / list
    pytest.param("!events", "events", PageArgs(), id="events"),
    pytest.param("/events", "events", PageArgs(), id="events-slash"),
    pytest.param("!list 2", "events", PageArgs(2), id="list-alias"),
    pytest.param("/LIST", "events", PageArgs(), id="list-alias-upper-case"),
    # event / info
    pytest.param("!event 12", "event", EventIdArgs(12), id="event"),
    pytest.param("/event #12", "event", EventIdArgs(12), id="event-hash-id"),
    pytest.param("!info 12", "event", EventIdArgs(12), id="info-alias"),
    # rsvp
    pytest.param("!rsvp 3", "rsvp", RsvpArgs(3, GOING, None, None), id="rsvp-default-yes"),
    pytest.param("/rsvp 3", "rsvp", RsvpArgs(3, GOING, None, None), id="rsvp-slash"),
    pytest.param("!rsvp #3", "rsvp", RsvpArgs(3, GOING, None, None), id="rsvp-hash-id"),
    pytest.param("!rsvp 3 yes", "rsvp", RsvpArgs(3, GOING, None, None), id="rsvp-yes"),
    pytest.param("!rsvp 3 maybe", "rsvp", RsvpArgs(3, MAYBE, None, None), id="rsvp-maybe"),
    pytest.param("!rsvp 3 ?", "rsvp", RsvpArgs(3, MAYBE, None, None), id="rsvp-question-mark"),
    pytest.param("!rsvp 3 no", "rsvp", RsvpArgs(3, NOT_GOING, None, None), id="rsvp-no"),
    pytest.param("!rsvp 3 NOPE", "rsvp", RsvpArgs(3, NOT_GOING, None, None), id="rsvp-nope"),
    pytest.param("!rsvp 3 +1", "rsvp", RsvpArgs(3, GOING, 1, None), id="rsvp-plus-one"),
    pytest.param("!rsvp 3 +0", "rsvp", RsvpArgs(3, GOING, 0, None), id="rsvp-plus-zero"),
    pytest.param("!rsvp 3 +10", "rsvp", RsvpArgs(3, GOING, 10, None), id="rsvp-max-guests"),
    pytest.param(
        "!rsvp 3 maybe +2 running late",
        "rsvp",
        RsvpArgs(event_id=3, status=MAYBE, guests=2, note="running late"),
        id="rsvp-status-guests-note",
    ),
    pytest.param(
        "!rsvp 3 +2 maybe running late",
        "rsvp",
        RsvpArgs(3, MAYBE, 2, "running late"),
        id="rsvp-guests-before-status",
    ),
    pytest.param(
        "!rsvp 3 maybe  +2   running late",
        "rsvp",
        RsvpArgs(3, MAYBE, 2, "running late"),
        id="rsvp-extra-spaces",
    ),
    pytest.param("!rsvp 3\nmaybe +2", "rsvp", RsvpArgs(3, MAYBE, 2, None), id="rsvp-on-two-lines"),
    pytest.param(
        "!rsvp 3 bringing cake",
        "rsvp",
        RsvpArgs(3, GOING, None, "bringing cake"),
        id="rsvp-note-only",
    ),
    pytest.param(
        "!rsvp 3 " + "x" * 140, "rsvp", RsvpArgs(3, GOING, None, "x" * 140), id="rsvp-note-at-max"
    ),
    # A date after a space is still the date, not a note answering for the next date.
    pytest.param(
        "!rsvp 3@2026-12-12 no", "rsvp", RsvpArgs(3, NOT_GOING, None, None, "2026-12-12"), id="at"
    ),
    pytest.param(
        "!rsvp 3 @2026-12-12", "rsvp", RsvpArgs(3, GOING, None, None, "2026-12-12"), id="space-at"
    ),
    pytest.param(
        "!rsvp #3 @ 2026-12-12 maybe",
        "rsvp",
        RsvpArgs(3, MAYBE, None, None, "2026-12-12"),
        id="spaces-around-at",
    ),
    pytest.param(
        "!rsvp 3 2026-12-12 no",
        "rsvp",
        RsvpArgs(3, NOT_GOING, None, None, "2026-12-12"),
        id="date-without-at",
    ),
    pytest.param(
        "!rsvp 3 2026-12-12T18:00 is fine",
        "rsvp",
        RsvpArgs(3, GOING, None, "2026-12-12T18:00 is fine"),
        id="date-and-time-is-a-note",
    ),
    pytest.param("!cancel 3 @all", "cancel", CancelArgs(3, "", "all"), id="cancel-space-at-all"),
    # remindme
    pytest.param("!remindme 3", "remindme", RemindArgs(3, True), id="remindme"),
    pytest.param("/remindme@GatherBot #3 off", "remindme", RemindArgs(3, False), id="remindme-off"),
    # unrsvp
    pytest.param("!unrsvp 3", "unrsvp", RsvpArgs(3, NOT_GOING, None, None), id="unrsvp"),
    pytest.param(
        "/unrsvp #3 sorry, ill",
        "unrsvp",
        RsvpArgs(3, NOT_GOING, None, "sorry, ill"),
        id="unrsvp-with-note",
    ),
    # who
    pytest.param("!who 3", "who", EventIdArgs(3), id="who"),
    pytest.param("/who #3", "who", EventIdArgs(3), id="who-slash-hash"),
    # edit
    pytest.param(
        "!edit 3 limit=30",
        "edit",
        EditArgs(3, EventFields(capacity=30, capacity_given=True)),
        id="edit-limit",
    ),
    pytest.param(
        "!edit 3 where=Café Nero, upstairs limit=5",
        "edit",
        EditArgs(3, EventFields(where="Café Nero, upstairs", capacity=5, capacity_given=True)),
        id="edit-value-with-spaces",
    ),
    pytest.param(
        "!edit 3 when=2026-12-05 19:00-21:00 where=Café Nero, upstairs",
        "edit",
        EditArgs(3, EventFields(when="2026-12-05 19:00-21:00", where="Café Nero, upstairs")),
        id="edit-when-and-where",
    ),
    pytest.param(
        "!edit 3 where=\"Café Nero\" title='Coffee & cake'",
        "edit",
        EditArgs(3, EventFields(where="Café Nero", title="Coffee & cake")),
        id="edit-quoted-values",
    ),
    pytest.param(
        "!edit 3 venue=Pub capacity=4",
        "edit",
        EditArgs(3, EventFields(where="Pub", capacity=4, capacity_given=True)),
        id="edit-aliases-venue-capacity",
    ),
    pytest.param(
        "!edit 3 place=Pub max=4 name=Quiz night desc=Teams of four",
        "edit",
        EditArgs(
            3,
            EventFields(
                where="Pub",
                capacity=4,
                capacity_given=True,
                title="Quiz night",
                description="Teams of four",
            ),
        ),
        id="edit-aliases-place-max-name-desc",
    ),
    pytest.param(
        "!edit 3 start=friday 19:00 end=22:00 timezone=UTC reminders=3h link=https://x.example",
        "edit",
        EditArgs(
            3,
            EventFields(
                when="friday 19:00",
                ends="22:00",
                tz="UTC",
                reminders=(timedelta(hours=3),),
                url="https://x.example",
            ),
        ),
        id="edit-aliases-start-end-timezone-reminders-link",
    ),
    pytest.param(
        "!edit 3 LIMIT=7",
        "edit",
        EditArgs(3, EventFields(capacity=7, capacity_given=True)),
        id="edit-key-upper-case",
    ),
    pytest.param(
        "!edit 3 limit=none",
        "edit",
        EditArgs(3, EventFields(capacity=None, capacity_given=True)),
        id="edit-remove-limit",
    ),
    pytest.param(
        "!edit 3 url=none", "edit", EditArgs(3, EventFields(url="")), id="edit-remove-url"
    ),
    pytest.param(
        "!edit 3 repeat=FREQ=WEEKLY;BYDAY=FR",
        "edit",
        EditArgs(3, EventFields(repeat="RRULE:FREQ=WEEKLY;BYDAY=FR")),
        id="edit-repeat-rrule",
    ),
    pytest.param(
        "!edit 3 repeat=none", "edit", EditArgs(3, EventFields(repeat="")), id="edit-stop-repeat"
    ),
    # cancel
    pytest.param("!cancel 3", "cancel", CancelArgs(3, ""), id="cancel-without-reason"),
    pytest.param(
        "/cancel 3 the venue is closed",
        "cancel",
        CancelArgs(3, "the venue is closed"),
        id="cancel-with-reason",
    ),
    # reopen
    pytest.param("!reopen 3", "reopen", EventIdArgs(3), id="reopen"),
    pytest.param(
        "/reopen@GatherBot 3@2026-12-12", "reopen", EventIdArgs(3, "2026-12-12"), id="reopen-date"
    ),
    # The whole series, as it was cancelled (`cancel 3@all`).
    pytest.param("!uncancel 3@all", "reopen", EventIdArgs(3), id="uncancel-all"),
    # tz
    pytest.param("!tz", "tz", ZoneArgs(None), id="tz-show"),
    pytest.param("!tz Europe/Warsaw", "tz", ZoneArgs("Europe/Warsaw"), id="tz-set"),
    pytest.param("/tz europe/warsaw", "tz", ZoneArgs("Europe/Warsaw"), id="tz-case-insensitive"),
    pytest.param("!tz UTC", "tz", ZoneArgs("UTC"), id="tz-utc"),
    # settings
    pytest.param("!settings", "settings", SettingsArgs(), id="settings-show"),
    pytest.param(
        "!settings remind=2h, 30m digest=Monday 9:00",
        "settings",
        SettingsArgs("2h,30m", "mon 09:00"),
        id="settings-both",
    ),
    pytest.param(
        "/settings digest=off remind=default",
        "settings",
        SettingsArgs("default", ""),
        id="settings-off-and-default",
    ),
    # announce, unlink
    pytest.param("!announce 3", "announce", LinkArgs(3), id="announce-here"),
    pytest.param(
        "/announce #3 irc:libera/#Dev[1] | telegram:-100123 telegram:tg2/42",
        "announce",
        LinkArgs(
            3,
            (
                Target("irc", "libera", "#dev{1}", "irc:libera/#Dev[1]"),
                Target("telegram", "", "-100123", "telegram:-100123"),
                Target("telegram", "tg2", "42", "telegram:tg2/42"),
            ),
        ),
        id="announce-named-channels",
    ),
    pytest.param("!unlink 3", "unlink", LinkArgs(3), id="unlink-here"),
    pytest.param(
        "!unlink 3 irc:libera/#dev",
        "unlink",
        LinkArgs(3, (Target("irc", "libera", "#dev", "irc:libera/#dev"),)),
        id="unlink-named-channel",
    ),
    # ics, myfeed
    pytest.param("!ics 12", "ics", IcsArgs(12), id="ics-event"),
    pytest.param("/ics", "ics", IcsArgs(None), id="ics-channel"),
    pytest.param("!myfeed", "myfeed", MyFeedArgs(reset=False), id="myfeed"),
    pytest.param("!myfeed Reset", "myfeed", MyFeedArgs(reset=True), id="myfeed-reset"),
    # link, unlink_me, dm_here (a code is checked by the command: a wrong one is counted)
    pytest.param("!link", "link", LinkCodeArgs(None), id="link"),
    pytest.param("/link 7kq2 m9xd", "link", LinkCodeArgs("7kq2 m9xd"), id="link-code"),
    pytest.param("!unlink_me", "unlink_me", NoArgs(), id="unlink-me"),
    pytest.param("!unlink-me", "unlink_me", NoArgs(), id="unlink-me-dash"),
    pytest.param("/dm_here", "dm_here", NoArgs(), id="dm-here"),
    pytest.param("!dm-here", "dm_here", NoArgs(), id="dm-here-dash"),
    # myevents, notify
    pytest.param("!myevents", "myevents", PageArgs(), id="myevents"),
    pytest.param("/mine page 3", "myevents", PageArgs(3), id="myevents-mine"),
    pytest.param(
        "!notify 12 We're in room 2B, upstairs.",
        "notify",
        NotifyArgs(12, None, "We're in room 2B, upstairs."),
        id="notify",
    ),
    pytest.param(
        "/notify 12@2026-12-12 Bring a laptop!\n\n  Power strips are there.  ",
        "notify",
        NotifyArgs(12, "2026-12-12", "Bring a laptop!\nPower strips are there."),
        id="notify-one-date-two-lines",
    ),
    # poll, vote, pick
    pytest.param(
        "!poll Coffee | fri 18:00 | sat 10:00-12:00 | where=Café Nero limit=20",
        "poll",
        NewPollArgs(
            "Coffee",
            ("fri 18:00", "sat 10:00-12:00"),
            EventFields(where="Café Nero", capacity=20, capacity_given=True),
            "where=Café Nero limit=20",
        ),
        id="poll-times-and-details",
    ),
    pytest.param("/poll 3", "poll", ShowPollArgs(3), id="poll-show"),
    pytest.param("!vote 3 1 3", "vote", VoteArgs(3, frozenset({1, 3})), id="vote"),
    pytest.param("!vote 3 1,3", "vote", VoteArgs(3, frozenset({1, 3})), id="vote-commas"),
    pytest.param("!vote 3 none", "vote", VoteArgs(3, frozenset()), id="vote-none"),
    pytest.param("!vote 3 -", "vote", VoteArgs(3, frozenset()), id="vote-dash"),
    pytest.param("/pick 3 2", "pick", PickArgs(3, 2), id="pick"),
    # help
    pytest.param("!help", "help", HelpArgs(None), id="help"),
    pytest.param("/help rsvp", "help", HelpArgs("rsvp"), id="help-topic"),
    pytest.param("!help !RSVP", "help", HelpArgs("rsvp"), id="help-topic-with-prefix"),
]


@pytest.mark.parametrize(("text", "command", "args"), COMMAND_CASES)
def test_a_command_parses_into_its_typed_arguments(text: str, command: str, args: Any) -> None:
    assert parsed(text) == (command, args)


def test_every_command_and_alias_has_a_parse_case() -> None:
    typed: set[str] = set()
    for case in COMMAND_CASES:
        invocation = split_invocation(str(case.values[0]), BOT)
        assert invocation is not None
        typed.add(invocation.name)
    names = {name for spec in COMMANDS for name in (spec.name, *spec.aliases)}
    assert names - typed == set()


@pytest.mark.parametrize(
    ("spec_name", "example"),
    [(spec.name, example) for spec in COMMANDS for example in spec.examples],
)
@pytest.mark.parametrize("prefix", ["!", "/"])
def test_every_example_in_help_parses_as_its_command(
    spec_name: str, example: str, prefix: str
) -> None:
    assert parsed(prefix + dated(example, date(2026, 11, 21)))[0] == spec_name


# --- Addressing: prefixes, @bot, "gatherbot:" -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "invocation"),
    [
        pytest.param("!rsvp 3 maybe", Invocation("rsvp", "3 maybe"), id="bang-prefix"),
        pytest.param("/rsvp 3 maybe", Invocation("rsvp", "3 maybe"), id="slash-prefix"),
        pytest.param("/RSVP 3", Invocation("rsvp", "3"), id="name-lower-cased"),
        pytest.param("   !rsvp    3   ", Invocation("rsvp", "3"), id="surrounding-spaces"),
        pytest.param("!list", Invocation("list", ""), id="alias-kept-as-typed"),
        pytest.param(
            "/rsvp@GatherBot 3 +1", Invocation("rsvp", "3 +1", named_bot=True), id="at-bot"
        ),
        pytest.param(
            "/rsvp@gatherbot 3", Invocation("rsvp", "3", named_bot=True), id="at-bot-any-case"
        ),
        pytest.param("GatherBot: rsvp 3", Invocation("rsvp", "3", named_bot=True), id="name-colon"),
        pytest.param("gatherbot, rsvp 3", Invocation("rsvp", "3", named_bot=True), id="name-comma"),
        pytest.param(
            "GATHERBOT:rsvp 3", Invocation("rsvp", "3", named_bot=True), id="name-no-space"
        ),
        pytest.param(
            "gatherbot: !rsvp 3", Invocation("rsvp", "3", named_bot=True), id="name-and-prefix"
        ),
        pytest.param(
            "!newevent\nCoffee | tomorrow 18:00",
            Invocation("newevent", "Coffee | tomorrow 18:00"),
            id="arguments-on-next-line",
        ),
    ],
)
def test_a_command_is_recognised_in_every_form(text: str, invocation: Invocation) -> None:
    assert split_invocation(text, BOT) == invocation


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("/rsvp@GatherBot 3 +1", id="slash-at-bot"),
        pytest.param("!rsvp 3 +1", id="bang"),
        pytest.param("GatherBot: rsvp 3 +1", id="name-colon"),
        pytest.param("gatherbot, rsvp 3 +1", id="name-comma-lower-case"),
    ],
)
def test_every_addressed_form_gives_the_same_rsvp(text: str) -> None:
    assert parsed(text) == ("rsvp", RsvpArgs(event_id=3, status=GOING, guests=1, note=None))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("hello there", id="plain-chat"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("rsvp 3", id="command-word-without-prefix"),
        pytest.param("!", id="bare-bang"),
        pytest.param("/", id="bare-slash"),
        pytest.param("!!!", id="bangs"),
        pytest.param("! wow, nice", id="bang-then-space"),
        pytest.param("!123", id="number-after-prefix"),
        pytest.param("/home/alice/notes.txt is missing", id="a-path"),
        pytest.param("https://example.com/rsvp", id="a-url"),
        pytest.param("/rsvp@OtherBot 3", id="another-bots-command"),
        pytest.param("/rsvp@otherbot", id="another-bots-command-no-args"),
        pytest.param("GatherBot rsvp 3", id="name-without-colon"),
        pytest.param("gatherbot is great", id="bot-mentioned-in-chat"),
        pytest.param("GatherBotX: rsvp 3", id="a-longer-name"),
    ],
)
def test_a_line_that_is_not_a_command_for_this_bot_is_ignored(text: str) -> None:
    assert split_invocation(text, BOT) is None
    assert parse_command(text, BOT) is None


@pytest.mark.parametrize(
    ("text", "invocation"),
    [
        pytest.param("!rsvp 3", Invocation("rsvp", "3"), id="prefix-still-works"),
        pytest.param("gatherbot: rsvp 3", None, id="no-name-to-address"),
        pytest.param("/rsvp@GatherBot 3", None, id="no-name-to-match"),
    ],
)
def test_without_a_bot_name_only_prefixed_commands_count(
    text: str, invocation: Invocation | None
) -> None:
    assert split_invocation(text) == invocation


# --- Unknown commands ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "suggestion"),
    [
        pytest.param("!rsvpp 3", "rsvpp", "rsvp", id="rsvpp"),
        pytest.param("/evnets", "evnets", "events", id="evnets"),
        pytest.param("!hlep", "hlep", "help", id="hlep"),
        pytest.param("!newevnt Coffee | tomorrow 18:00", "newevnt", "newevent", id="newevnt"),
        pytest.param("!unrvsp 3", "unrvsp", "unrsvp", id="unrvsp"),
        pytest.param("/rsvpp@GatherBot 3", "rsvpp", "rsvp", id="typo-at-bot"),
        pytest.param("gatherbot: whoo 3", "whoo", "who", id="typo-addressed"),
    ],
)
def test_a_mistyped_command_is_unknown_and_suggests_the_right_one(
    text: str, name: str, suggestion: str
) -> None:
    with pytest.raises(UnknownCommand) as caught:
        parse_command(text, BOT)
    error = caught.value
    assert str(error) == (
        f"Unknown command '{name}'. Did you mean {suggestion}? All commands: help"
    )
    assert error.suggestion == suggestion
    assert error.invocation.name == name
    assert isinstance(error, UserError)


@pytest.mark.parametrize("text", ["!weather", "gatherbot: make coffee", "/start"])
def test_an_unknown_command_without_a_close_match_points_to_help(text: str) -> None:
    with pytest.raises(UnknownCommand) as caught:
        parse_command(text, BOT)
    assert "Did you mean" not in str(caught.value)
    assert str(caught.value).endswith("All commands: help")
    assert caught.value.suggestion is None


# --- Refusals: each names the problem and the command --------------------------------------

ERROR_CASES = [
    # event ids
    pytest.param("!rsvp", "rsvp", "Which event? Give its number.", id="rsvp-missing-id"),
    pytest.param("!rsvp abc", "rsvp", "'abc' is not an event number.", id="rsvp-word-as-id"),
    pytest.param("!rsvp -3", "rsvp", "'-3' is not an event number.", id="rsvp-negative-id"),
    pytest.param("!rsvp #", "rsvp", "Which event?", id="rsvp-bare-hash"),
    pytest.param(
        "!rsvp 1234567890",
        "rsvp",
        "There is no event #1234567890: event numbers are shorter.",
        id="rsvp-huge-id",
    ),
    pytest.param("!event", "event", "Which event?", id="event-missing-id"),
    pytest.param("!info x", "event", "'x' is not an event number.", id="info-bad-id"),
    pytest.param("!who", "who", "Which event?", id="who-missing-id"),
    pytest.param(
        "!who 3 please", "who", "Unexpected 'please' after the event number.", id="who-extra"
    ),
    pytest.param("!unrsvp", "unrsvp", "Which event?", id="unrsvp-missing-id"),
    pytest.param("!cancel", "cancel", "Which event?", id="cancel-missing-id"),
    pytest.param("!cancel x y", "cancel", "'x' is not an event number.", id="cancel-bad-id"),
    pytest.param(
        "!reopen 3 please",
        "reopen",
        "Unexpected 'please' after the event number.",
        id="reopen-extra",
    ),
    pytest.param("!edit", "edit", "Which event?", id="edit-missing-id"),
    pytest.param("!edit x limit=2", "edit", "'x' is not an event number.", id="edit-bad-id"),
    # rsvp
    pytest.param("!rsvp 3 +11", "rsvp", "At most +10 guests per person.", id="guests-over-max"),
    pytest.param(
        "!rsvp 3 maybe +1000", "rsvp", "At most +10 guests per person.", id="guests-far-over"
    ),
    pytest.param(
        "!rsvp 3 " + "x" * 141,
        "rsvp",
        "The note is too long (141 characters, at most 140).",
        id="rsvp-note-too-long",
    ),
    pytest.param(
        "!unrsvp 3 " + "x" * 141,
        "unrsvp",
        "The note is too long (at most 140 characters).",
        id="unrsvp-note-too-long",
    ),
    pytest.param(
        "!cancel 3 " + "x" * 301,
        "cancel",
        "The reason is too long (at most 300 characters).",
        id="cancel-reason-too-long",
    ),
    pytest.param(
        "!notify 3", "notify", "What should I tell them? Write it after", id="notify-no-text"
    ),
    pytest.param("!notify 3 \u200b", "notify", "What should I tell them?", id="notify-blank-text"),
    pytest.param("!notify", "notify", "Which event?", id="notify-missing-id"),
    pytest.param(
        "!notify 3 " + "x" * 501,
        "notify",
        "The message is too long (501 characters, at most 500).",
        id="notify-too-long",
    ),
    pytest.param(
        "!notify 3 " + "a\n" * 7,
        "notify",
        "The message has 7 lines; at most 6.",
        id="notify-too-many-lines",
    ),
    pytest.param(
        "!rsvp 3 yes no",
        "rsvp",
        "Give one answer, not two ('yes no'); a note goes after it: rsvp 12 yes running late",
        id="rsvp-two-answers",
    ),
    # limit
    pytest.param("!edit 3 limit=0", "edit", "limit must be at least 1 (got 0).", id="limit-zero"),
    pytest.param(
        "!edit 3 limit=-5", "edit", "limit must be at least 1 (got -5).", id="limit-negative"
    ),
    pytest.param(
        "!edit 3 limit=abc", "edit", "limit must be a whole number, not 'abc'.", id="limit-word"
    ),
    pytest.param(
        "!edit 3 limit=2.5", "edit", "limit must be a whole number, not '2.5'.", id="limit-decimal"
    ),
    pytest.param(
        "!edit 3 limit=100001", "edit", "limit can be at most 100000.", id="limit-above-max"
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | limit=0",
        "newevent",
        "limit must be at least 1 (got 0).",
        id="newevent-limit-zero",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | limit=none",
        "newevent",
        "Leave out limit= for an event without a limit.",
        id="newevent-limit-none",
    ),
    # options
    pytest.param(
        "!edit 3 colour=red",
        "edit",
        "Unknown option 'colour'. Known options: title, when, ends, where, url, description, "
        "tz, limit, remind, repeat.",
        id="unknown-option",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | Pub | colour=red",
        "newevent",
        "Unknown option 'colour'.",
        id="newevent-unknown-option",
    ),
    pytest.param(
        "!edit 3 limit=2 limit=3", "edit", "The option limit= is given twice.", id="option-twice"
    ),
    pytest.param(
        "!edit 3 limit=2 capacity=3",
        "edit",
        "The option limit= is given twice.",
        id="option-twice-via-alias",
    ),
    pytest.param(
        "!edit 3 bogus",
        "edit",
        "Don't know what to do with 'bogus'. Options look like limit=20 or remind=1d,2h.",
        id="edit-stray-text",
    ),
    pytest.param(
        "!edit 3 soon limit=2",
        "edit",
        "Don't know what to do with 'soon'.",
        id="edit-stray-text-before-option",
    ),
    pytest.param(
        "!edit 3",
        "edit",
        "Say what to change, e.g. limit=30 or when=friday 19:00.",
        id="edit-no-changes",
    ),
    pytest.param(
        "!edit 3 when=", "edit", "when= needs a time, e.g. when=20:00.", id="edit-empty-when"
    ),
    pytest.param(
        "!edit 3 ends=", "edit", "ends= needs a time, e.g. ends=20:00.", id="edit-empty-ends"
    ),
    # newevent structure
    pytest.param(
        "!newevent Coffee",
        "newevent",
        "Give at least a title and a time, separated by |.",
        id="newevent-no-time",
    ),
    pytest.param(
        "!newevent | tomorrow 18:00",
        "newevent",
        "The title is missing: give it before the first |.",
        id="newevent-no-title",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | title=Tea",
        "newevent",
        "Give the title as its own part, not as title=.",
        id="newevent-title-option",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | Pub | when=friday 18:00",
        "newevent",
        "Give the when as its own part, not as when=.",
        id="newevent-when-option",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | Pub | where=Bar",
        "newevent",
        "Give the place once: as the third part or as where=.",
        id="newevent-place-twice",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | Pub | venue=Bar",
        "newevent",
        "Give the place once",
        id="newevent-place-twice-via-alias",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | Pub | upstairs",
        "newevent",
        "Don't know what to do with 'upstairs'.",
        id="newevent-fourth-part-not-options",
    ),
    pytest.param(
        "!newevent " + "x" * 101 + " | tomorrow 18:00",
        "newevent",
        "The title is too long (101 characters, at most 100).",
        id="newevent-title-too-long",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | " + "x" * 201,
        "newevent",
        "The place is too long (201 characters, at most 200).",
        id="newevent-place-too-long",
    ),
    pytest.param(
        "!edit 3 description=" + "x" * 1001,
        "edit",
        "The description is too long (1001 characters, at most 1000).",
        id="edit-description-too-long",
    ),
    pytest.param("!edit 3 title=", "edit", "The title is empty.", id="edit-empty-title"),
    # url
    pytest.param(
        "!edit 3 url=ftp://files.example",
        "edit",
        "'ftp://files.example' is not a web address (http:// or https://).",
        id="url-ftp",
    ),
    pytest.param(
        "!edit 3 url=meet.example/dev",
        "edit",
        "'meet.example/dev' is not a web address",
        id="url-without-scheme",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | url=https://a.example b",
        "newevent",
        "'https://a.example b' is not a web address",
        id="url-with-space",
    ),
    # remind
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | remind=5x",
        "newevent",
        "Can't read the reminder '5x': use amounts like 1d, 2h or 30m",
        id="newevent-bad-remind",
    ),
    pytest.param("!edit 3 remind=5x", "edit", "Can't read the reminder '5x'", id="edit-bad-remind"),
    pytest.param(
        "!edit 3 remind=61d",
        "edit",
        "Reminder '61d' is too far ahead: at most 60d before the start.",
        id="edit-remind-too-far",
    ),
    pytest.param(
        "!edit 3 remind=1h,2h,3h,4h,5h,6h,7h",
        "edit",
        "At most 6 reminders per event.",
        id="edit-too-many-reminders",
    ),
    # repeat
    pytest.param(
        "!newevent Coffee | every tuesday 19:00 | repeat=monthly",
        "newevent",
        "Say how it repeats once: 'every tuesday 19:00' or repeat=monthly.",
        id="newevent-repeat-twice",
    ),
    pytest.param(
        "!newevent Coffee | every tuesday",
        "newevent",
        "'every tuesday' has no time of day. Add one, e.g. 'every tuesday 18:00'.",
        id="newevent-every-without-time",
    ),
    pytest.param(
        "!newevent Coffee | every second and fourth tuesday 19:00",
        "newevent",
        "Can't read 'every second and fourth tuesday 19:00'. Say e.g. every tuesday 19:00 or "
        "every first friday 19:00; for another rule, give the time and the rule as repeat=, "
        "e.g. 19:00 repeat=FREQ=MONTHLY;BYDAY=2TU,4TU.",
        id="newevent-every-unknown",
    ),
    pytest.param(
        "!newevent Coffee | every first monkey 19:00",
        "newevent",
        "Can't read 'every first monkey 19:00'.",
        id="newevent-every-first-not-a-weekday",
    ),
    pytest.param(
        "!newevent Coffee | every other first friday 19:00",
        "newevent",
        "Can't read 'every other first friday 19:00'.",
        id="newevent-every-other-first-friday",
    ),
    pytest.param(
        "!newevent Coffee | every first friday of the month",
        "newevent",
        "'every first friday of the month' has no time of day. Add one, e.g. "
        "'every first friday of the month 18:00'.",
        id="newevent-every-first-friday-without-time",
    ),
    pytest.param(
        "!edit 3 when=every last friday 19:00 repeat=weekly",
        "edit",
        "Say how it repeats once: 'every last friday 19:00' or repeat=weekly.",
        id="edit-monthly-weekday-and-repeat",
    ),
    pytest.param(
        "!newevent Coffee | every monkey 19:00",
        "newevent",
        "Can't read 'every monkey 19:00'.",
        id="newevent-every-not-a-weekday",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | repeat=sometimes",
        "newevent",
        "Can't read repeat='sometimes'. Use weekly, monthly, daily, every 2 weeks",
        id="newevent-bad-repeat",
    ),
    pytest.param(
        "!edit 3 repeat=sometimes", "edit", "Can't read repeat='sometimes'", id="edit-bad-repeat"
    ),
    pytest.param(
        "!edit 3 repeat=FREQ=WEEKLY;BYDAY=XX",
        "edit",
        "Can't read repeat='FREQ=WEEKLY;BYDAY=XX' (invalid 'BYDAY': XX)",
        id="edit-bad-rrule",
    ),
    # zones
    pytest.param(
        "!tz Europe/Warsow",
        "tz",
        "Unknown time zone 'Europe/Warsow'. Did you mean Europe/Warsaw?",
        id="tz-typo",
    ),
    pytest.param(
        "!tz Mars/Olympus",
        "tz",
        "Unknown time zone 'Mars/Olympus'. Use an IANA name such as Europe/Warsaw.",
        id="tz-unknown",
    ),
    pytest.param(
        "!tz ../../etc/passwd", "tz", "Unknown time zone '../../etc/passwd'.", id="tz-a-path"
    ),
    pytest.param(
        "!tz warsaw", "tz", "Unknown time zone 'warsaw'. Did you mean Europe/Warsaw?", id="tz-city"
    ),
    pytest.param(
        "!tz new york",
        "tz",
        "Unknown time zone 'new york'. Did you mean America/New_York?",
        id="tz-city-in-words",
    ),
    pytest.param(
        "!tz berlinn",
        "tz",
        "Unknown time zone 'berlinn'. Did you mean Europe/Berlin?",
        id="tz-city-typo",
    ),
    pytest.param(
        "!edit 3 tz=Europe/Warsow",
        "edit",
        "Unknown time zone 'Europe/Warsow'. Did you mean Europe/Warsaw?",
        id="edit-tz-typo",
    ),
    pytest.param(
        "!newevent Coffee | tomorrow 18:00 | tz=America/New_Yrok",
        "newevent",
        "Did you mean America/New_York?",
        id="newevent-tz-typo",
    ),
    # overlong
    pytest.param(
        "!rsvp 3 " + "x" * (MAX_INPUT + 1 - len("!rsvp 3 ")),
        "rsvp",
        "That is too long (2001 characters; at most 2000).",
        id="overlong-input",
    ),
    pytest.param(
        "!events" + " " * (MAX_INPUT + 1 - len("!events")),
        "events",
        "That is too long (2001 characters; at most 2000).",
        id="overlong-padding",
    ),
]


@pytest.mark.parametrize(("text", "command", "message"), ERROR_CASES)
def test_bad_arguments_are_refused_naming_the_problem_and_the_command(
    text: str, command: str, message: str
) -> None:
    error = refusal(text)
    assert not isinstance(error, UnknownCommand)
    assert message in str(error)
    assert error.command == command


@pytest.mark.parametrize("command", ["!newevent Coffee | ", "!edit 3 when="])
def test_the_refusal_after_every_shows_the_forms_without_a_date_that_would_go_stale(
    command: str,
) -> None:
    error = str(refusal(f"{command}every full moon 19:00"))
    assert "every first friday 19:00" in error
    assert "repeat=FREQ=" in error
    assert re.search(r"\d{4}-\d{2}-\d{2}", error) is None


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("/rsvp@GatherBot 3 +11", id="at-bot"),
        pytest.param("GatherBot: rsvp 3 +11", id="name-colon"),
    ],
)
def test_addressed_commands_are_refused_the_same_way(text: str) -> None:
    error = refusal(text)
    assert str(error) == "At most +10 guests per person."
    assert error.command == "rsvp"


def test_input_of_exactly_the_maximum_length_is_accepted() -> None:
    text = "!help " + "x" * (MAX_INPUT - len("!help "))
    assert len(text) == MAX_INPUT
    assert parsed(text) == ("help", HelpArgs("x" * (MAX_INPUT - len("!help "))))


def test_another_bots_command_is_ignored_even_when_overlong() -> None:
    assert parse_command("/rsvp@OtherBot " + "x" * 3000, BOT) is None


@pytest.mark.parametrize("word", ["-1", "+1.5", "+abc", "+"])
def test_a_malformed_guest_count_is_refused_rather_than_kept_as_a_note(word: str) -> None:
    error = refusal(f"!rsvp 3 {word} late")
    assert "is not a number of guests" in str(error)
    assert error.command == "rsvp"


def test_a_description_may_contain_an_equals_sign() -> None:
    _, args = parsed("!newevent Coffee | tomorrow 18:00 | description=wifi pass=abc123 limit=4")
    assert args.fields.description == "wifi pass=abc123"
    assert args.fields.capacity == 4


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Coffee\x1b[31m", "Coffee[31m"),  # terminal escapes lose their ESC
        ("Cof\u202efee", "Coffee"),  # a right-to-left override would disguise the title
        ("Caf\udcc3 bar", "Caf? bar"),  # an undecodable byte from a terminal
    ],
)
def test_control_and_bidi_characters_never_reach_a_title(typed: str, stored: str) -> None:
    _, args = parsed(f"!newevent {typed} | tomorrow 18:00")
    assert args.title == stored


def test_a_title_of_only_invisible_characters_is_empty() -> None:
    assert "The title is empty." in str(refusal("!newevent \u200d\u00ad | tomorrow 18:00"))


@pytest.mark.parametrize(
    "typed", ["!rsvp 3\u200b maybe", "!rsvp \ufeff3 maybe", "!rsvp 3\u2060 maybe"]
)
def test_invisible_characters_copied_with_a_number_are_ignored(typed: str) -> None:
    assert parsed(typed) == ("rsvp", RsvpArgs(3, MAYBE, None, None))


def test_joiners_that_emoji_need_are_kept() -> None:
    family = "\U0001f469\u200d\U0001f467"
    assert parsed(f"!newevent Kids {family} | tomorrow 18:00")[1].title == f"Kids {family}"
