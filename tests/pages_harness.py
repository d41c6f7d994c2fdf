"""A community on Telegram and IRC, its public page served over real HTTP, and the page's
text as a person reads it. Shared by tests/integration/test_pages.py and the browser test.

The chat side is the chat harness's real core, reached from a Telegram group and an IRC
channel named as a `[[web.pages]]` entry names them (the harness's own channels are on a
test network no page can list).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from html.parser import HTMLParser

from pydantic import SecretStr

from adapters.console.render import render_plain
from adapters.web import WebContext, running_web
from bot.config import BotSection, WebPage, WebSection
from bot.domain import ChannelKind, ChannelRef, IncomingMessage, UserRef
from storage import Database
from tests.harness import Chat, Clock, FakeNetwork
from tests.irc.servers import free_port

TELEGRAM_GROUP = ChannelRef(
    "telegram", "telegram", "-1001234567890", ChannelKind.GROUP, "Warsaw Devs"
)
# The IRC adapter names a channel by its folded name and keeps its spelling as the title.
IRC_CHANNEL = ChannelRef("irc", "libera", "#dev", ChannelKind.GROUP, "#Dev")
ELSEWHERE = ChannelRef("telegram", "telegram", "-1009999", ChannelKind.GROUP, "Another Group")

WARSAW = WebPage(
    slug="warsaw",
    title="Developers Gathering Warsaw",
    channels=("telegram:-1001234567890", "irc:libera/#Dev"),
)


class Community:
    """`await community.say("/rsvp 1", "bob")` in the Telegram group (or ``where``)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.chat = Chat(database)
        self.clock: Clock = self.chat.clock
        for platform, network in (("telegram", "telegram"), ("irc", "libera")):
            self.chat.core.outbox.register(FakeNetwork(platform, network))

    async def say(self, text: str, who: str, where: ChannelRef = TELEGRAM_GROUP) -> str:
        sender = UserRef(where.platform, where.network, f"id-{who}", who)
        message = IncomingMessage(sender, where, text, self.clock.now, bot_name="GatherBot")
        return "\n".join(render_plain(reply) for reply in await self.chat.core.handle(message))

    @asynccontextmanager
    async def page_server(self, pages: Sequence[WebPage] = (WARSAW,)) -> AsyncIterator[str]:
        """The bot's web server on a free local port (by this community's clock); yields its
        address."""
        port = free_port()
        section = WebSection(
            listen=f"127.0.0.1:{port}",
            public_url=f"http://127.0.0.1:{port}",
            secret=SecretStr("a-test-secret-of-some-length"),
            pages=tuple(pages),
        )
        context = WebContext(self.database, BotSection(), section, self.clock)
        async with running_web(context):
            yield section.public_url


# Elements that start a new line on screen (and the tab's title, which comes first).
_BLOCKS = frozenset(
    [
        "article",
        "br",
        "dd",
        "div",
        "dt",
        "h1",
        "h2",
        "h3",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "title",
        "ul",
    ]
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.hidden += 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.hidden -= 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            # Line breaks in the source are spaces on screen, as in a browser.
            self.parts.append(data.replace("\n", " "))


def visible_text(html: str) -> str:
    """The page's text, a line per heading, paragraph, list item or term, spaces collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
