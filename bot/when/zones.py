"""Time zones as people write them: found by their IANA name (Europe/Warsaw), taken off the
end of a time, and refused when written as an abbreviation (CET) or an offset (+02:00), which
dateparser would drop without a word."""

from __future__ import annotations

import difflib
import functools
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import UserError


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def zone_or_none(name: str) -> ZoneInfo | None:
    """The zone called ``name`` (case-insensitive), or None when there is no such zone."""
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]{1,64}", name):
        return None
    exact = {n.lower(): n for n in _zone_names()}.get(name.lower())
    if exact is None:
        return None
    try:
        return ZoneInfo(exact)
    except (ZoneInfoNotFoundError, ValueError):
        return None


# Zone names that are abbreviations or fixed offsets: `EST` is UTC-5 all year (New York is
# UTC-4 in summer), `Etc/GMT+5` is UTC-5 (the sign is POSIX's, backwards), `EST5EDT` follows
# old US rules. People who write them mean a place; the place is suggested instead.
_PLACES_MEANT = {
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "HST": "Pacific/Honolulu",
    "CET": "Europe/Warsaw",
    "CEST": "Europe/Warsaw",
    "MET": "Europe/Berlin",
    "EET": "Europe/Athens",
    "WET": "Europe/Lisbon",
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
}
_OFFSET_ZONE = re.compile(r"(?:etc/)?gmt[+\-]\d+|[a-z]{3}\d[a-z]{3}", re.IGNORECASE)


def parse_zone(name: str, *, command: str | None = None) -> ZoneInfo:
    refuse_abbreviated_zone(name.strip(), command)
    zone = zone_or_none(name.strip())
    if zone is not None:
        return zone
    close = _suggestion(name)
    hint = f" Did you mean {close}?" if close else " Use an IANA name such as Europe/Warsaw."
    raise UserError(f"Unknown time zone '{name.strip()[:64]}'.{hint}", command=command)


def refuse_abbreviated_zone(name: str, command: str | None) -> None:
    """Refuse a zone written as an abbreviation (`EST`) or an offset (`Etc/GMT+5`), even
    where the tz database has one by that name: it ignores daylight saving time."""
    upper = name.upper()
    if upper in {"UTC", "GMT"}:
        return
    if upper in _PLACES_MEANT or upper in _zone_abbreviations() or _OFFSET_ZONE.fullmatch(name):
        place = _PLACES_MEANT.get(upper, "Europe/Warsaw or America/New_York")
        raise UserError(
            f"'{name[:64]}' is an abbreviation or a fixed offset, which ignores daylight "
            f"saving time: write the place instead, e.g. {place}.",
            command=command,
        )


def _suggestion(name: str) -> str | None:
    """`warsaw`, `new york`, `berlinn` → the zone named after that place; else a zone name
    spelt nearly so (`Europe/Warsw`)."""
    places = _places()
    near = difflib.get_close_matches(_place_key(name), list(places), n=1, cutoff=0.8)
    if near:
        return places[near[0]]
    close = difflib.get_close_matches(name.strip(), _zone_names(), n=1, cutoff=0.75)
    return close[0] if close else None


def _place_key(name: str) -> str:
    return re.sub(r"[\s_-]+", " ", name.strip().lower())


@functools.cache
def _places() -> dict[str, str]:
    """A zone's place alone, as people write it (`warsaw`, `new york`, `sao paulo`), to the
    zone named after it (the first, where two are)."""
    places: dict[str, str] = {}
    for zone in _zone_names():
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/")):
            places.setdefault(_place_key(zone.rsplit("/", 1)[1]), zone)
    return places


@functools.cache
def _zone_abbreviations() -> frozenset[str]:
    """CET, EST, PST, IST, ... in upper case: every abbreviation the tz database uses for
    any zone in winter or summer, now or recently. Taken from the database rather than a
    list of our own so that words like FRI, NEXT, AM or NOON are never mistaken for zones.
    Numeric ones (`+03`) are left to the offset check."""
    moments = [
        datetime(year, month, 15, 12, tzinfo=UTC) for year in (2000, 2026) for month in (1, 7)
    ]
    names = {"Z"}  # ISO 8601's "Zulu", as in 18:00Z
    for key in _zone_names():
        try:
            zone = ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        for moment in moments:
            name = moment.astimezone(zone).tzname() or ""
            if name and name[0] not in "+-":
                names.add(name.upper())
    return frozenset(names)


# A UTC offset anywhere: UTC+2, GMT-05:00, 18:00+02:00, 18:00:00Z, or a lone +02:00 / -5.
# Checked on the start and the end separately, after a range is split, so that the end of
# `18:00-20:00` is never taken for an offset.
_OFFSET = re.compile(
    r"\b(?:UTC|GMT)\s*[+\-−]\s*\d"
    r"|\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[+\-−]\d{1,2}(?::?\d{2})?(?![\d:])|Z\b)"
    r"|(?<!\S)[+\-−]\d{1,2}(?::?\d{2})?(?!\S)",
    re.IGNORECASE,
)
_ZONE_ADVICE = (
    "Write the time zone as a place name such as Europe/Warsaw (or tz=Europe/Warsaw): "
    "abbreviations like CET and offsets like +02:00 are ambiguous or ignore daylight saving."
)


def refuse_zone_abbreviations(text: str, command: str) -> None:
    """dateparser drops `CET`, `PST` or `+02:00` silently and reads the time in the channel's
    zone, so a zone written any way but as a place name is refused."""
    if _OFFSET.search(text):
        raise UserError(_ZONE_ADVICE, command=command)
    for word in re.findall(r"[A-Za-z]+", text):
        if word.upper() in {"UTC", "GMT"}:
            # Allowed only at the end (split off by split_zone), where we read it ourselves.
            raise UserError(
                f"Put the zone after the time, e.g. tomorrow 18:00 {word.upper()}.",
                command=command,
            )
        if word.upper() in _zone_abbreviations():
            raise UserError(_ZONE_ADVICE, command=command)


def split_zone(text: str, command: str) -> tuple[str, ZoneInfo | None]:
    """``(text without the zone, zone)`` when ``text`` ends in a zone name (`Europe/Warsaw`,
    `UTC`), else ``(text, None)``; a zone name that does not exist is refused."""
    head, _, last = text.rpartition(" ")
    if (last[:1].isalpha() and "/" in last) or last.upper() in {"UTC", "GMT"}:
        refuse_abbreviated_zone(last, command)
        zone = zone_or_none(last)
        if zone is None:
            parse_zone(last, command=command)  # raises with a suggestion
        return head.strip(), zone
    return text, None
