"""A series' rule said the way people say it: `every week on Monday and Wednesday`, `every
month on the first Friday, 10 times`. Cards, replies and pages show it beside the dates, so
`FREQ=MONTHLY;BYDAY=1FR` must not come out as a bare "repeating"."""

from __future__ import annotations

from datetime import datetime

from bot.when.dates import MONTHS, WEEKDAYS

_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
# RFC 5545's day codes, Monday first as Python counts weekdays.
_DAYS = dict(zip(("MO", "TU", "WE", "TH", "FR", "SA", "SU"), WEEKDAYS, strict=True))
_WORKDAYS = {"MO", "TU", "WE", "TH", "FR"}
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
# Parts read here; a rule with any other (BYSETPOS, BYWEEKNO...) is named in general terms.
_KNOWN = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "WKST"}
CUSTOM = "on a custom schedule"


def describe(parts: dict[str, str], until: datetime | None) -> str:
    """``parts``: the rule's parts but UNTIL (upper case, as RFC 5545 writes them)."""
    unit = _UNITS.get(parts.get("FREQ", ""))
    if unit is None or not set(parts) <= _KNOWN:
        return CUSTOM
    interval = int(parts.get("INTERVAL", "1"))
    label = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
    on = _on(parts)
    if on is None:
        return CUSTOM
    if on == "on weekdays" and interval == 1 and unit == "day":
        label, on = "every weekday", ""
    label += f" {on}" if on else ""
    if "COUNT" in parts:
        label += f", {parts['COUNT']} times"
    if until is not None:
        label += f" until {until:%Y-%m-%d}"
    return label


def _on(parts: dict[str, str]) -> str | None:
    """`on Monday and Friday`, `on the first Friday`, `on the 15th`, `in March`; "" when the
    rule names no days; None when it names them in a way not read here."""
    said = []
    day, month = parts.get("BYMONTHDAY", ""), parts.get("BYMONTH", "")
    if day.isdigit() and month.isdigit() and "BYDAY" not in parts and 1 <= int(month) <= 12:
        return f"on {int(day)} {MONTHS[int(month) - 1]}"  # a yearly date: `on 14 March`
    if "BYMONTH" in parts:
        months = _numbers(parts["BYMONTH"], range(1, 13))
        if months is None:
            return None
        said.append("in " + _and([MONTHS[month - 1] for month in months]))
    if "BYMONTHDAY" in parts:
        days = _numbers(parts["BYMONTHDAY"], [*range(1, 32), -1])
        if days is None:
            return None
        said.append("on the " + _and(["last day" if day == -1 else _nth(day) for day in days]))
    if "BYDAY" in parts:
        weekdays = [_weekday(value) for value in parts["BYDAY"].split(",")]
        named = [weekday for weekday in weekdays if weekday is not None]
        if len(named) < len(weekdays):
            return None
        if set(parts["BYDAY"].split(",")) == _WORKDAYS:
            said.append("on weekdays")
        elif all(ordinal for ordinal, _ in named) and len({day for _, day in named}) == 1:
            # `2TU,4TU`: the second and fourth Tuesday.
            said.append(f"on the {_and([ordinal for ordinal, _ in named])} {named[0][1]}")
        elif any(ordinal for ordinal, _ in named):
            said.append("on the " + _and([_ordinal_day(*day) for day in named]))
        else:
            said.append("on " + _and([name for _, name in named]))
    return " ".join(said)


def _weekday(value: str) -> tuple[str, str] | None:
    """`FR` -> ("", "Friday"); `1FR` -> ("first", "Friday"); None for what isn't read here."""
    code, number = value[-2:], value[:-2].lstrip("+")
    if code not in _DAYS:
        return None
    if not number:
        return "", _DAYS[code]
    ordinal = _ORDINALS.get(int(number)) if number.lstrip("-").isdigit() else None
    return None if ordinal is None else (ordinal, _DAYS[code])


def _ordinal_day(ordinal: str, day: str) -> str:
    return f"{ordinal} {day}" if ordinal else f"every {day}"


def _numbers(text: str, allowed: range | list[int]) -> list[int] | None:
    values = text.split(",")
    if not all(value.lstrip("-").isdigit() for value in values):
        return None
    numbers = [int(value) for value in values]
    return numbers if all(number in allowed for number in numbers) else None


def _nth(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
