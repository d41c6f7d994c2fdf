"""What a command handler gets: the message, the clock reading, the database, and a note of
the events it changed. (Notices to other people are deliveries, written with the change.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.config import BotSection, WebSection
from bot.domain import EventView, IncomingMessage, PollView, Role
from bot.guided import Drafts
from bot.ports import Outbox
from storage import Database


@dataclass(slots=True)
class Context:
    message: IncomingMessage
    now: datetime
    database: Database
    settings: BotSection
    outbox: Outbox
    drafts: Drafts
    # `[web]` of the config, for links to calendars and pages; None when not configured.
    web: WebSection | None = None
    # Events whose counts or details changed: every network refreshes its cards of them.
    changed: dict[int, EventView] = field(default_factory=dict)
    # Polls whose votes or state changed: every network refreshes its cards of them.
    changed_polls: dict[int, PollView] = field(default_factory=dict)
    _roles: frozenset[Role] | None = None

    def touched(self, event: EventView) -> None:
        self.changed[event.id] = event

    def poll_touched(self, poll: PollView) -> None:
        self.changed_polls[poll.id] = poll

    @property
    def bot_admin(self) -> bool:
        """Listed in the config's [bot] admins (known without asking the network)."""
        return self.message.sender.key in self.settings.admins

    async def roles(self) -> frozenset[Role]:
        """The sender's roles here; asks the adapter only when a command needs them."""
        if self._roles is None:
            platform_roles = await self.outbox.roles(self.message.sender, self.message.channel)
            config_admin = {Role.ADMIN} if self.bot_admin else set()
            self._roles = frozenset(platform_roles) | config_admin
        return self._roles
