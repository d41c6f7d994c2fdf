"""The registry of commands: the single source for parsing, dispatch, `help` and the
command menus adapters publish (Telegram's setMyCommands)."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot import (
    announce,
    channel_settings,
    feeds,
    handlers,
    identity,
    my_events,
    notify,
    polls,
    reopen,
)
from bot.context import Context
from bot.errors import UserError
from bot.language import arguments as a
from bot.language.invocation import Invocation, split_invocation
from bot.language.paging import parse_page
from bot.language.text import clean_input
from bot.replies import Line, Reply, bold, cmd, line, reply

MAX_INPUT = 2000


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    usage: str  # arguments, after the name
    summary: str  # one line, shown in the command list and menus
    examples: tuple[str, ...]  # `{date}` in one (or in details) is a date ahead: see dated
    parse: Callable[[str], Any]
    handler: Callable[[Context, Any], Awaitable[list[Reply]]]
    aliases: tuple[str, ...] = ()
    access: str = "anyone"
    details: str = ""

    @property
    def usage_line(self) -> str:
        return f"{self.name} {self.usage}".strip()


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    spec: CommandSpec
    args: Any
    invocation: Invocation


async def _help(ctx: Context, args: a.HelpArgs) -> list[Reply]:
    if args.topic is None:
        lines: list[Line] = [line(bold("gatherbot: one event, many networks, one list."))]
        lines += [line(cmd(spec.usage_line), f" — {spec.summary}") for spec in COMMANDS]
        lines.append(line("More on one command: ", cmd("help rsvp")))
        return [reply(*lines)]
    spec = find(args.topic)
    if spec is None:
        raise UserError(
            f"There is no command '{args.topic[:30]}'.", *_suggestion(args.topic), command="help"
        )
    return [reply(*help_lines(spec, ctx.now.date()))]


def dated(text: str, today: date) -> str:
    """A help text with its `{date}` two weeks after ``today``: a date written into an example
    would pass one day, and from then on the bot would refuse its own example."""
    return text.replace("{date}", f"{today + timedelta(weeks=2):%Y-%m-%d}")


def help_lines(spec: CommandSpec, today: date) -> list[Line]:
    lines = [line(cmd(spec.usage_line), f" — {spec.summary}")]
    if spec.details:
        lines.append(line(dated(spec.details, today)))
    for example in spec.examples:
        lines.append(line("Example: ", cmd(dated(example, today))))
    if spec.aliases:
        lines.append(line("Also: ", *_joined([cmd(alias) for alias in spec.aliases])))
    if spec.access != "anyone":
        lines.append(line(f"Who: {spec.access}."))
    return lines


def _joined(spans: list[Any]) -> list[Any]:
    out: list[Any] = []
    for index, span in enumerate(spans):
        out += [", ", span] if index else [span]
    return out


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "newevent",
        "TITLE | WHEN [| WHERE] [| key=value ...]",
        "create an event",
        (
            "newevent Developers Gathering | next friday 18:00-20:00 | Café Nero | limit=20",
            "newevent Online meetup | {date} 19:00 Europe/Warsaw | https://meet.example/dev",
            "newevent Coffee | tomorrow 7pm | Café Nero | remind=1d,2h repeat=weekly",
        ),
        a.parse_newevent,
        handlers.newevent,
        access="anyone with a verified identity (they become the organizer)",
        details=(
            "WHEN: {date} 18:00, a range 18:00-20:00, next friday 18:00, tomorrow 7pm, "
            "in 2 hours, or a series: every tuesday 19:00, every other friday 18:00, every "
            "first friday 19:00 (also 2nd, 3rd, 4th, last); in this channel's zone unless one "
            "is written after it or as tz=. "
            "Options: limit=N, ends=20:00, remind=1d,2h, url=..., tz=Europe/Warsaw, "
            "repeat=weekly|monthly|every 2 weeks|FREQ=..., description=... "
            "Or send newevent alone to be asked for each detail in turn."
        ),
    ),
    CommandSpec(
        "events",
        "[PAGE]",
        "upcoming events in this channel (in private: in your channels), soonest first",
        ("events", "events 2"),
        parse_page("events"),
        handlers.events,
        aliases=("list",),
        details=(
            "In a private chat: those of every channel we share on your network, each once, "
            f"saying where. {handlers.EVENTS_PER_PAGE} to a page; events 2 (or events page 2) "
            "shows the second. A repeating event is listed once, at its next date."
        ),
    ),
    CommandSpec(
        "myevents",
        "[PAGE]",
        "the upcoming events you said yes or maybe to, or wait for a seat at",
        ("myevents", "myevents 2"),
        parse_page("myevents"),
        my_events.myevents,
        aliases=("mine",),
        details=(
            "In a private chat: every channel's. In a group: those announced there. Your "
            f"waitlist position is shown. {my_events.PER_PAGE} to a page; myevents 2 (or "
            "myevents page 2) shows the second."
        ),
    ),
    CommandSpec(
        "event",
        "ID[@DATE]",
        "details and counts of one event",
        ("event 12", "event 12@{date}"),
        a.parse_event_only("event"),
        handlers.event,
        aliases=("info",),
    ),
    CommandSpec(
        "rsvp",
        "ID[@DATE] [yes|maybe|no] [+N] [note]",
        "answer for an event (default: yes)",
        (
            "rsvp 12",
            "rsvp 12 +1 bringing a friend",
            "rsvp 12 maybe",
            "rsvp 12 no",
            "rsvp 12@{date}",
        ),
        a.parse_rsvp,
        handlers.rsvp,
        details=(
            "+N brings N guests, who take seats too. When the event is full you join the "
            "waitlist and move up automatically when a seat frees. For a repeating event "
            "the answer is for its next date; @DATE picks another (see event ID)."
        ),
    ),
    CommandSpec(
        "unrsvp",
        "ID[@DATE]",
        "you're not going after all (same as rsvp ID no)",
        ("unrsvp 12",),
        a.parse_unrsvp,
        handlers.unrsvp,
    ),
    CommandSpec(
        "who",
        "ID[@DATE]",
        "who is going, the waitlist in order, and maybes",
        ("who 12", "who 12@{date}"),
        a.parse_event_only("who"),
        handlers.who,
    ),
    CommandSpec(
        "remindme",
        "ID [off]",
        "get a private reminder before an event",
        ("remindme 12", "remindme 12 off"),
        a.parse_remindme,
        handlers.remindme,
        details="Reminders come at the event's reminder times (remind=), else the default.",
    ),
    CommandSpec(
        "edit",
        "ID key=value ...",
        "change an event",
        ("edit 12 limit=30", "edit 12 when={date} 19:00-21:00 where=Café Nero, upstairs"),
        a.parse_edit,
        handlers.edit,
        access="the organizer or an admin",
        details=(
            "Keys: title, when, ends, where, url, description, limit (or limit=none), "
            "tz, remind, repeat. Raising the limit moves people up from the waitlist; "
            "when=every first friday 19:00 moves a series to a new rule."
        ),
    ),
    CommandSpec(
        "cancel",
        "ID[@DATE|@all] [reason]",
        "cancel an event and tell everyone who answered",
        ("cancel 12 the venue is closed", "cancel 12@{date} holiday", "cancel 12@all"),
        a.parse_cancel,
        handlers.cancel,
        access="the organizer or an admin",
        details=(
            "For a repeating event, @DATE calls off one date (the series goes on) and @all "
            "every date."
        ),
    ),
    CommandSpec(
        "reopen",
        "ID[@DATE]",
        "undo cancel: the event is back on, with everyone's answers as they were",
        ("reopen 12", "reopen 12@{date}"),
        reopen.parse_reopen,
        reopen.reopen,
        aliases=("uncancel",),
        access="the organizer or an admin",
        details=(
            "Answers and the waitlist were kept; everyone who had answered, except with no, "
            "is told it is back on, and reminders come again. For a repeating event, "
            "reopen ID undoes cancel ID@all and reopen ID@DATE brings back one called-off "
            "date. Not once it has begun."
        ),
    ),
    CommandSpec(
        "notify",
        "ID[@DATE] MESSAGE",
        "message everyone coming to an event, privately",
        ("notify 12 We're in room 2B this time, upstairs.", "notify 12@{date} Bring a laptop!"),
        notify.parse_notify,
        notify.notify,
        access="the organizer or an admin",
        details=(
            "Everyone who said yes or maybe, or is on the waitlist, gets it once, in a private "
            "chat. For a repeating event: everyone coming to any date ahead, or with @DATE to "
            f"that date. At most {notify.MAX_MESSAGE} characters."
        ),
    ),
    CommandSpec(
        "announce",
        "ID [telegram:CHAT_ID | irc:NETWORK/#channel ...]",
        "post an event here too (or in the channels named); one list for all",
        ("announce 12", "announce 12 irc:libera/#dev | telegram:-1001234567890"),
        announce.parse_announce,
        announce.announce,
        access=(
            "the organizer, a bot admin, or an admin of this channel; "
            "for channels named from elsewhere, the organizer or a bot admin"
        ),
        details=(
            "The channel gets the event's card, its reminders and its start post; RSVPs "
            "from every channel count against the one limit. Channels named after the "
            "number must be on a network the bot runs."
        ),
    ),
    CommandSpec(
        "unlink",
        "ID [telegram:CHAT_ID | irc:NETWORK/#channel ...]",
        "stop announcing an event here (or in the channels named)",
        ("unlink 12", "unlink 12 irc:libera/#dev"),
        announce.parse_unlink,
        announce.unlink,
        access="as for announce",
        details="The channel an event was created in keeps it: to call it off, use cancel.",
    ),
    CommandSpec(
        "poll",
        "TITLE | WHEN | WHEN ... [| key=value ...]",
        "find a date: offer 2 to 10 times to vote on (poll ID shows a poll's tally)",
        (
            "poll Developers Gathering | fri 18:00 | sat 10:00-12:00 | {date} 19:00",
            "poll Coffee | tomorrow 7pm | monday 7pm | where=Café Nero limit=20",
            "poll 3",
        ),
        polls.parse_poll,
        polls.poll,
        access="anyone with a verified identity to start one; anyone to show one",
        details=(
            "Each WHEN is read as newevent reads it, in this channel's zone (or tz=). "
            "Details after the times (where=, url=, limit=, remind=, description=, tz=) go "
            "to the event the poll turns into. The event is announced in every group "
            "channel the poll was in: where it was started, shown, voted on or picked."
        ),
    ),
    CommandSpec(
        "vote",
        "ID N [N ...] | ID none",
        "vote for every time of a poll that suits you (replaces your earlier votes)",
        ("vote 3 1 3", "vote 3 2", "vote 3 none"),
        polls.parse_vote,
        polls.vote,
        details="Votes count per person, from any network. none (or -) takes them back.",
    ),
    CommandSpec(
        "pick",
        "ID N|none",
        "turn a poll's time N into an event and tell everyone who voted; none closes the poll",
        ("pick 3 2", "pick 3 none"),
        polls.parse_pick,
        polls.pick,
        access="the poll's creator, a bot admin, or an admin of the channel it began in",
        details=(
            "The event is created with the poll's title and details, with the creator as "
            "organizer, and announced in every channel the poll was in. Voters are told "
            "privately, and whether it is a time they voted for. pick ID none closes the poll "
            "without an event (when no time works): its cards say so and take no more votes."
        ),
    ),
    CommandSpec(
        "ics",
        "[ID]",
        "an event for your calendar app; without ID, this channel's calendar link",
        ("ics 12", "ics"),
        feeds.parse_ics,
        feeds.ics,
        details=(
            "On Telegram ics ID sends an .ics file, elsewhere a link to it; a repeating event "
            "comes with all its dates. Subscribing to a link keeps your calendar up to date "
            "with changes and cancellations. Your own answers as a calendar: myfeed."
        ),
    ),
    CommandSpec(
        "myfeed",
        "[reset]",
        "a calendar link of the events you answered for (private chat)",
        ("myfeed", "myfeed reset"),
        feeds.parse_myfeed,
        feeds.myfeed,
        access="you, in a private chat with me",
        details=(
            "The link shows the events you answered yes, maybe or waitlisted for; anyone who "
            "has it sees them, so myfeed reset makes a new one and the old one stops working."
        ),
    ),
    CommandSpec(
        "tz",
        "[ZONE]",
        "show or set this channel's time zone",
        ("tz Europe/Warsaw", "tz"),
        a.parse_zone_args,
        handlers.tz,
        access="anyone to show; an admin of the channel to set",
    ),
    CommandSpec(
        "settings",
        "[remind=OFFSETS] [digest=DAYS HH:MM|off|default]",
        "show or change this channel's reminder times and weekly digest",
        ("settings", "settings remind=1d,2h", "settings digest=mon 09:00", "settings digest=off"),
        channel_settings.parse_settings,
        channel_settings.settings,
        access="anyone to show; an admin of the channel to change",
        details=(
            "remind= is when events announced here are reminded (an event's own remind= wins); "
            "digest= posts the coming week's events here at that time, in the channel's zone. "
            "default goes back to the bot's config."
        ),
    ),
    CommandSpec(
        "link",
        "[CODE]",
        "link your accounts on two networks, so you count once",
        ("link", "link 7KQ2-M9XD"),
        identity.parse_link,
        identity.link,
        access="you, in a private chat with me, logged in to your network's services",
        details=(
            "link alone gives a code valid 10 minutes, once (and lists your linked accounts); "
            "send link CODE privately from your account on the other network. Then your "
            "RSVPs, reminders and votes are one person's: answers from the second account "
            "move over, except where both answered the same date (the first account's stays)."
        ),
    ),
    CommandSpec(
        "unlink_me",
        "",
        "undo link: this account is on its own again",
        ("unlink_me",),
        a.parse_no_args,
        identity.unlink_me,
        aliases=("unlink-me",),
        access="you, in a private chat with me",
        details=(
            "From the account that asked for the code it unlinks all the others. Answers "
            "stay with that first account."
        ),
    ),
    CommandSpec(
        "dm_here",
        "",
        "send my private reminders and notices to this linked account",
        ("dm_here",),
        a.parse_no_args,
        identity.dm_here,
        aliases=("dm-here",),
        access="you, in a private chat with me",
        details="By default they go to the account that asked for the link code.",
    ),
    CommandSpec(
        "help",
        "[COMMAND]",
        "this list, or how one command works",
        ("help", "help rsvp"),
        a.parse_help,
        _help,
    ),
)

_BY_NAME: dict[str, CommandSpec] = {
    name: spec for spec in COMMANDS for name in (spec.name, *spec.aliases)
}


def find(name: str) -> CommandSpec | None:
    return _BY_NAME.get(name.lower())


def close_command(name: str) -> str | None:
    match = difflib.get_close_matches(name.lower(), list(_BY_NAME), n=1, cutoff=0.7)
    return match[0] if match else None


def _suggestion(name: str) -> list[Any]:
    close = close_command(name)
    if close:
        return [" Did you mean ", cmd(close), "? All commands: ", cmd("help")]
    return [" All commands: ", cmd("help")]


class UnknownCommand(UserError):
    def __init__(self, invocation: Invocation) -> None:
        super().__init__(f"Unknown command '{invocation.name}'.", *_suggestion(invocation.name))
        self.invocation = invocation
        self.suggestion = close_command(invocation.name)


def parse_command(text: str, bot_name: str = "") -> ParsedCommand | None:
    """The command in ``text`` with typed arguments; None for ordinary chat.

    Raises UnknownCommand for a command-like line with an unknown name, and UserError (with
    the command's name for its usage) for bad arguments or overlong input.
    """
    text = clean_input(text)
    invocation = split_invocation(text, bot_name)
    if invocation is None:
        return None
    spec = find(invocation.name)
    if spec is None:
        raise UnknownCommand(invocation)
    if len(text) > MAX_INPUT:
        raise UserError(
            f"That is too long ({len(text)} characters; at most {MAX_INPUT}).", command=spec.name
        )
    return ParsedCommand(spec, spec.parse(invocation.rest), invocation)
