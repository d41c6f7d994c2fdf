"""Calendars end to end, on SQLite and PostgreSQL: events made and answered through the chat
harness, the links the bot hands out fetched over HTTP from the real web server, and the
file itself sent as a document through the real Telegram adapter."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import icalendar
import pytest
from pydantic import SecretStr

from adapters.console.render import render_plain
from adapters.irc.render import reply_texts
from adapters.telegram import TelegramAdapter
from adapters.web import WebContext, running_web
from bot import feeds
from bot.app import running_bot
from bot.config import BotSection, TelegramSection, WebSection
from bot.domain import ChannelKind
from storage import Database
from tests.harness import Chat
from tests.telegram.fake_api import FakeBotApi

SECRET = "calendar-links-are-signed-with-this"
NEEDS_WEB = "Calendar links need [web] in the bot's config: ask whoever runs the bot."
_LINK = re.compile(r"http://127\.0\.0\.1:\d+/\S+\.ics")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def web_section(port: int) -> WebSection:
    return WebSection(
        listen=f"127.0.0.1:{port}",
        public_url=f"http://127.0.0.1:{port}",
        secret=SecretStr(SECRET),
    )


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def calendar(self) -> icalendar.Calendar:
        assert self.status == 200, self.status
        return icalendar.Calendar.from_ical(self.body)

    def event(self, uid: str) -> icalendar.Event:
        return next(e for e in self.calendar.events if e["UID"] == uid)

    @property
    def uids(self) -> set[str]:
        return {str(event["UID"]) for event in self.calendar.events}


@dataclass
class Site:
    chat: Chat
    web: WebSection
    http: aiohttp.ClientSession

    async def link(self, text: str, who: str = "alice", **where: object) -> str:
        """Say ``text`` and return the one link in the answer."""
        answer = await self.chat.say(text, who, **where)
        found = _LINK.findall(answer)
        assert len(found) == 1, answer
        return str(found[0])

    async def get(self, url: str) -> Fetched:
        async with self.http.get(url) as response:
            return Fetched(response.status, dict(response.headers), await response.read())


@pytest.fixture
async def site(database: Database) -> AsyncIterator[Site]:
    web = web_section(free_port())
    chat = Chat(database, timezone="Europe/Warsaw", web=web)
    context = WebContext(database, chat.core.settings, web, chat.clock)
    async with running_web(context), aiohttp.ClientSession() as http:
        yield Site(chat, web, http)


def uid(number: int | str) -> str:
    return f"event-{number}@127.0.0.1"


async def test_ics_gives_a_signed_link_to_the_event_and_the_same_calendar_as_a_file(
    site: Site,
) -> None:
    await site.chat.say("!newevent Coffee, cake; talk | tomorrow 18:00-20:00 | Café Nero")
    (answer,) = await site.chat.replies("!ics 1")
    url = site.web.link(feeds.event_path(site.web, 1))
    assert render_plain(answer) == f"#1 Coffee, cake; talk for your calendar: {url}"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/events/1-[0-9a-f]{20}\.ics", url)
    assert any(url in text for text in reply_texts(answer, use_bold=False))  # IRC shows it too
    served = await site.get(url)
    assert served.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert served.headers["Content-Disposition"] == 'attachment; filename="event-1.ics"'
    assert SECRET not in served.body.decode()
    event = served.event(uid(1))
    assert event["SUMMARY"] == "Coffee, cake; talk"
    assert b"DTSTART;TZID=Europe/Warsaw:20261122T180000" in served.body
    assert event["SEQUENCE"] == 0
    # Telegram sends the same calendar as a file.
    assert answer.attachment is not None
    assert answer.attachment.filename == "event-1.ics"
    assert answer.attachment.content == served.body


async def test_edits_and_a_cancellation_raise_the_sequence_under_the_same_uid(
    site: Site,
) -> None:
    await site.chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero")
    url = await site.link("!ics 1")
    site.chat.clock.advance(hours=1)
    await site.chat.say("!edit 1 where=Café Rosa")
    edited = (await site.get(url)).event(uid(1))
    assert (edited["SEQUENCE"], edited["LOCATION"]) == (1, "Café Rosa")
    assert edited.last_modified == site.chat.clock.now
    await site.chat.say("!cancel 1 the café is closed")
    cancelled = (await site.get(url)).event(uid(1))
    assert (cancelled["SEQUENCE"], cancelled["STATUS"]) == (2, "CANCELLED")
    description = cancelled["DESCRIPTION"]
    assert isinstance(description, icalendar.vText)
    assert description.startswith("Cancelled: the café is closed")


async def test_a_wrong_signature_number_or_token_is_not_found(site: Site) -> None:
    await site.chat.say("!newevent Coffee | tomorrow 18:00")
    await site.chat.say("!newevent Tea | tomorrow 19:00")
    good = await site.link("!ics 1")
    assert (await site.get(good)).status == 200
    signature = feeds.signature(site.web, "event", 1)
    wrong = [
        good.replace(signature, signature[:-1] + ("0" if signature[-1] != "0" else "1")),
        good.replace("/events/1-", "/events/2-"),  # another event with event 1's signature
        site.web.link(f"/channels/1-{signature}.ics"),  # signed for an event, not a channel
        site.web.link(feeds.event_path(site.web, 99)),  # signed, but there is no event 99
        site.web.link(feeds.person_path("x" * 32)),
        site.web.link("/events/1.ics"),
    ]
    for url in wrong:
        missing = await site.get(url)
        assert (missing.status, missing.body) == (404, b"404: Not Found"), url


async def test_the_channel_feed_has_its_events_series_and_cancellations(site: Site) -> None:
    chat = site.chat
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero")
    await chat.say("!newevent Walk | tomorrow 10:00 | Park | repeat=weekly")
    await chat.say("!cancel 2@2026-11-29 rain")
    await chat.say("!newevent Talk | 2026-12-10 18:00")
    await chat.say("!cancel 3 speaker ill")
    await chat.say("!newevent Elsewhere | 2026-12-05 18:00", channel="#other")
    await chat.say("!newevent Shared | 2026-12-06 18:00", channel="#other")
    await chat.say("!announce 5")
    url = await site.link("!ics")
    feed = await site.get(url)
    assert feed.headers["Cache-Control"] == "public, max-age=300"
    assert feed.calendar["X-WR-CALNAME"] == "#main · gatherings"
    assert feed.uids == {uid(1), uid(2), uid(3), uid(5)}
    walk = feed.event(uid(2))
    assert walk["RRULE"].to_ical() == b"FREQ=WEEKLY"
    assert b"EXDATE;TZID=Europe/Warsaw:20261129T100000" in feed.body
    assert feed.event(uid(3))["STATUS"] == "CANCELLED"
    assert feed.event(uid(1))["STATUS"] == "CONFIRMED"
    # A month on, the single event has gone by; the series goes on.
    chat.clock.advance(days=40)
    assert (await site.get(url)).uids == {uid(2), uid(3), uid(5)}
    chat.clock.advance(days=20)
    assert (await site.get(url)).uids == {uid(2)}


async def test_ics_in_a_private_chat_asks_for_a_number(site: Site) -> None:
    answer = await site.chat.say("!ics", "bob", channel="bob", kind=ChannelKind.DIRECT)
    assert answer == (
        "Which event? Give its number: !ics 12. The events you answered for, as a calendar: "
        "!myfeed."
    )


async def test_a_personal_feed_has_the_dates_you_answered_and_reset_replaces_its_link(
    site: Site,
) -> None:
    chat = site.chat
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero")
    await chat.say("!newevent Walk | tomorrow 10:00 | Park | repeat=weekly")
    await chat.say("!newevent Talk | 2026-12-10 18:00")
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 2@2026-11-29 maybe", "bob")
    await chat.say("!rsvp 3 no", "bob")
    await chat.say("!rsvp 3", "carol")
    in_group = await chat.say("!myfeed", "bob")
    assert in_group == "Your calendar link is yours alone: ask me in a private chat with !myfeed."
    private = {"channel": "bob", "kind": ChannelKind.DIRECT}
    url = await site.link("!myfeed", "bob", **private)
    feed = await site.get(url)
    assert feed.headers["Cache-Control"] == "private, no-store"
    assert feed.uids == {uid(1), uid("2-20261129")}
    walk = feed.event(uid("2-20261129"))
    assert b"DTSTART;TZID=Europe/Warsaw:20261129T100000" in feed.body
    assert "RRULE" not in walk
    # The date is called off: the entry says so.
    await chat.say("!cancel 2@2026-11-29 rain")
    assert (await site.get(url)).event(uid("2-20261129"))["STATUS"] == "CANCELLED"
    # Asking again gives the same link; a reset gives a new one and the old one stops.
    assert await site.link("!myfeed", "bob", **private) == url
    renewed = await site.link("!myfeed reset", "bob", **private)
    assert renewed != url
    assert (await site.get(url)).status == 404
    assert (await site.get(renewed)).uids == {uid(1), uid("2-20261129")}


async def test_without_web_links_are_explained_and_the_file_still_comes(
    database: Database,
) -> None:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00")
    (answer,) = await chat.replies("!ics 1")
    assert render_plain(answer) == NEEDS_WEB
    assert answer.attachment is not None
    (event,) = icalendar.Calendar.from_ical(answer.attachment.content).events
    assert event["UID"] == "event-1@gatherbot.invalid"
    assert await chat.say("!ics") == NEEDS_WEB
    assert await chat.say("!myfeed", "bob", channel="bob", kind=ChannelKind.DIRECT) == NEEDS_WEB


@pytest.mark.parametrize("with_web", [True, False], ids=["web", "no-web"])
async def test_ics_on_telegram_sends_the_event_as_a_document(
    database_url: str, with_web: bool
) -> None:
    group = -100123
    web = web_section(8080) if with_web else None
    async with FakeBotApi() as api:
        adapter = TelegramAdapter(
            TelegramSection(token=SecretStr(api.token), api_base_url=api.base_url),
            poll_timeout=1,
            retry_base_delay=0.05,
            request_timeout=2,
        )
        settings = BotSection(timezone="Europe/Warsaw")
        async with running_bot(settings, [adapter], database_url=database_url, web=web):
            chat, alice = api.group(group, "Warsaw Devs"), api.user(11, "Alice")
            api.send_text(chat, alice, "/newevent Coffee & cake | tomorrow 18:00 | Café Nero")
            await api.wait_for(lambda: api.sent(group))
            api.send_text(chat, alice, "/ics@GatherBot 1")
            (sent,) = await api.wait_for(lambda: api.sent(group)[1:])
    assert sent.document is not None
    assert (sent.document.filename, sent.document.mime_type) == ("event-1.ics", "text/calendar")
    (event,) = icalendar.Calendar.from_ical(sent.document.content).events
    assert event["SUMMARY"] == "Coffee & cake"
    assert event["LOCATION"] == "Café Nero"
    assert sent.parse_mode == "HTML"
    assert sent.caption is not None
    assert sent.caption.startswith("#1 Coffee &amp; cake for your calendar.")
    if web is not None:
        url = web.link(feeds.event_path(web, 1))
        assert f'Subscribe to it to keep up with changes: <a href="{url}">{url}</a>' in sent.caption
    else:
        assert "http" not in sent.caption


def test_a_link_is_signed_per_kind_and_number_and_never_shows_the_secret() -> None:
    web = web_section(8080)
    paths = {
        feeds.event_path(web, 1),
        feeds.event_path(web, 2),
        feeds.channel_path(web, 1),
        feeds.channel_path(web, 2),
    }
    assert len(paths) == 4
    assert all(SECRET not in path for path in paths)
    other = web.model_copy(update={"secret": SecretStr("another-secret-of-16+")})
    assert feeds.event_path(other, 1) not in paths
