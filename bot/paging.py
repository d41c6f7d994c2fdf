"""How a long list is shown a page at a time: its heading, the way to the next page, and
the answer to a page past the end. Shared by `events` and `myevents`, so both read alike."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UserError
from bot.replies import Line, Span, bold, cmd, line


@dataclass(frozen=True, slots=True)
class Paging:
    """Page ``number`` (from 1) of a list shown ``size`` items to a page by ``command``."""

    command: str
    number: int
    size: int

    @property
    def offset(self) -> int:
        """How many items the pages before this one hold."""
        return (self.number - 1) * self.size

    def pages(self, total: int) -> int:
        return max(1, -(-total // self.size))

    def past_the_end(self, total: int) -> bool:
        """True when a list of ``total`` items ends before this page. (An empty list is
        better answered by saying so and how to fill it.)"""
        return self.offset >= total

    def heading(self, title: str, total: int) -> Line:
        """ "Upcoming events (25), page 2 of 3:"; a list that fits on one page has no page."""
        pages = self.pages(total)
        where = f", page {self.number} of {pages}" if pages > 1 else ""
        return line(bold(f"{title} ({total}){where}:"))

    def next_page(self, total: int) -> list[Line]:
        """ "… 5 more: !events 3" when pages after this one hold more; else nothing."""
        after = total - self.offset - self.size
        if after <= 0:
            return []
        return [line(f"… {after} more: ", self._link(self.number + 1))]

    def no_such_page(self, total: int, what: str) -> UserError:
        """The answer to a page past the end of a list of ``total`` ``what`` (e.g. "upcoming
        events here"), pointing to its last page."""
        pages = self.pages(total)
        if pages == 1:
            return UserError(
                f"There is no page {self.number}: there is only one page of {what}, ",
                self._link(1),
                ".",
            )
        return UserError(
            f"There is no page {self.number}: there are {pages} pages of {what}, the last is ",
            self._link(pages),
            ".",
        )

    def _link(self, number: int) -> Span:
        """The command that shows page ``number``; the first needs no number."""
        return cmd(self.command if number == 1 else f"{self.command} {number}")
