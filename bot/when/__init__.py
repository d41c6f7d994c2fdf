"""Turn what people type for a time (`tomorrow 7pm`, `2026-12-05 18:00-20:00 Europe/Warsaw`)
into an unambiguous start and end, and show times back without ambiguity.

The rule: never store a time that differs from what the person wrote; read it right or refuse.
dateparser reads the natural-language part, but it silently skips what it doesn't understand
(`tomorrow 7-9pm` once became tomorrow at the current clock time), so around it we:

* split ranges ourselves and hand dateparser every clock time written out as HH:MM (clocks);
* rewrite numeric dates to ISO ourselves (dotted ones are day.month, slashed ones must not be
  ambiguous) and check them against the calendar (dates);
* refuse zone abbreviations and UTC offsets, which dateparser drops without a word (zones);
* check afterwards that the clock time, and every date part written, came out as written
  (wall_clock, the safety net).

reading puts these together into resolve and parse_end; relative reads `in 2 hours`;
formatting shows times back.
"""

from bot.when.formatting import format_instant, format_relative, format_span, zone_label
from bot.when.reading import When, parse_end, resolve, time_only, to_utc
from bot.when.zones import parse_zone, zone_or_none

__all__ = [
    "When",
    "format_instant",
    "format_relative",
    "format_span",
    "parse_end",
    "parse_zone",
    "resolve",
    "time_only",
    "to_utc",
    "zone_label",
    "zone_or_none",
]
