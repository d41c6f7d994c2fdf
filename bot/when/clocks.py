"""Clock times as people write them (18:00, 18.00, 18h00, 7pm, 7:30 p.m., noon, midnight),
and a range of them (`18:00-20:00`, `7-9pm`, `noon to 2pm`) split into a start and an end
with every clock time written out in full."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UserError
from bot.when.refusals import cant_understand

_MERIDIEM = r"[ap]\.?m\.?(?![a-z])"
# A clock time as people write it: 18:00, 18.00, 18h00, 7pm, 7:30 p.m., noon, midnight.
# A bare number (`18`) is not one: it could as well be a day or a year.
CLOCK = re.compile(
    rf"(?<![\w:.])(?:"
    rf"(?P<h12>\d{{1,2}})(?:[:.h](?P<m12>\d{{2}}))?\s*(?P<meridiem>{_MERIDIEM})"
    rf"|(?P<h24>\d{{1,2}})[:.h](?P<m24>\d{{2}})(?::00)?(?![\w:]|\.\d)"
    rf"|(?P<word>noon|midnight)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Clock:
    """A clock time found in a text, and how it was written there."""

    hour: int
    minute: int
    written: str
    span: tuple[int, int]
    pm: bool | None  # written with am/pm (noon and midnight count as pm); None for 24-hour
    midnight: bool  # `midnight` or `12am`: the start or the end of a day?

    @property
    def hhmm(self) -> str:
        return f"{self.hour:02}:{self.minute:02}"

    @property
    def minutes(self) -> int:
        """Minutes into the day, with midnight as the day's end (it ends `10-midnight`)."""
        return 24 * 60 if self.midnight else self.hour * 60 + self.minute


def _clock(match: re.Match[str], whole: str, command: str) -> Clock:
    written = match.group(0)
    if match["word"]:
        midnight = match["word"].lower() == "midnight"
        return Clock(0 if midnight else 12, 0, written, match.span(), True, midnight)
    if match["meridiem"]:
        hour, minute = int(match["h12"]), int(match["m12"] or 0)
        pm = match["meridiem"].lower().startswith("p")
        if not 1 <= hour <= 12 or minute > 59:
            raise cant_understand(whole, command)
        midnight = hour == 12 and minute == 0 and not pm
        return Clock(hour % 12 + (12 if pm else 0), minute, written, match.span(), pm, midnight)
    hour, minute = int(match["h24"]), int(match["m24"])
    if hour > 23 or minute > 59:
        raise cant_understand(whole, command)
    return Clock(hour, minute, written, match.span(), None, False)


def find_clocks(text: str, whole: str, command: str) -> list[Clock]:
    """Every clock time in ``text``; one that cannot be (`13pm`) is refused quoting ``whole``."""
    return [_clock(match, whole, command) for match in CLOCK.finditer(text)]


def lone_clock(text: str, command: str, whole: str = "") -> Clock | None:
    """The clock time when ``text`` is nothing else (`20:00`, `9pm`, `midnight`)."""
    match = CLOCK.fullmatch(text.strip())
    return _clock(match, whole or text, command) if match else None


# --- Ranges --------------------------------------------------------------------------------

_CLOCKISH = rf"\d{{1,2}}(?:[:.h]\d{{2}})?\s*{_MERIDIEM}|\d{{1,2}}[:.h]\d{{2}}|noon|midnight"
# `... 18:00-20:00`, `... 7pm to 9pm`, `7-9pm`, `7pm-9`, `noon-2pm`, `18:00-midnight`. A dash
# is either tight or spaced on both sides: `18:00 -05:00` is an offset, not a range.
_RANGE = re.compile(
    rf"^(?P<head>.*?)(?<![\w:./+\-])(?P<first>{_CLOCKISH}|\d{{1,2}})"
    rf"(?:\s+(?:-|–|—|to|until|till)\s+|[-–—])(?P<last>{_CLOCKISH}|\d{{1,2}})$",
    re.IGNORECASE,
)


def split_range(text: str, command: str) -> tuple[str, str] | None:
    """``(start text, end text)`` with a bare hour on either side written out as HH:MM,
    or None when ``text`` is not a range."""
    match = _RANGE.match(text)
    if match is None:
        return None
    first, last = match["first"], match["last"]
    if first.isdigit() and last.isdigit():
        return None  # `12-05` may be a date as well as hours; refused later as unclear
    if first.isdigit():
        first = _bare_start(int(first), lone_clock(last, command, text), text, command)
    elif last.isdigit():
        last = _bare_end(lone_clock(first, command, text), int(last), text, command)
    return match["head"] + first, last


def _bare_start(hour: int, end: Clock | None, text: str, command: str) -> str:
    """`7-9pm` is 19:00-21:00: the end's am/pm applies to a bare start when that puts the
    start before the end; otherwise (`11-1pm`, `9-17:00`) the start is a 24-hour hour."""
    if end is None:  # cannot happen: the range pattern only lets clock times through
        raise cant_understand(text, command)
    readings = []
    if end.pm is not None and 1 <= hour <= 12:
        readings.append(hour % 12 + (12 if end.pm else 0))
    if hour <= 23:
        readings.append(hour)
    for reading in readings:
        if reading * 60 < end.minutes:
            return f"{reading:02}:00"
    raise UserError(
        f"Can't tell when '{text[:60]}' starts. Write both times in full, "
        "e.g. 7pm-9pm, 10pm-2am or 19:00-21:00.",
        command=command,
    )


def _bare_end(start: Clock | None, hour: int, text: str, command: str) -> str:
    """`7pm-9` ends at 21:00 and `11am-1` at 13:00: after an am/pm start a bare end is the
    first such hour after it (`11pm-1` ends at 1am). After a 24-hour start it is a 24-hour
    hour later the same day (`18:00-20`); `18:00-5` could be an offset or a typo."""
    if start is None:  # cannot happen: the range pattern only lets clock times through
        raise cant_understand(text, command)
    if start.pm is not None and 1 <= hour <= 12:
        later = [h for h in (hour % 12, hour % 12 + 12) if h * 60 > start.minutes]
        return f"{later[0] if later else hour % 12:02}:00"
    if hour <= 23 and hour * 60 > start.minutes:
        return f"{hour:02}:00"
    raise UserError(
        f"Can't tell when '{text[:60]}' ends. Write the end with minutes, "
        "e.g. 18:00-20:00, or 22:00-02:00 for an event past midnight.",
        command=command,
    )
