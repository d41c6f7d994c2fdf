"""Telegram HTML: user text is always escaped and long replies split at line boundaries."""

from __future__ import annotations

from adapters.telegram.buttons import parse_pressed
from adapters.telegram.pacing import PrivatePacer
from adapters.telegram.render import MAX_MESSAGE, to_html
from bot.domain import Choice
from bot.replies import Reply, Span, Style, bold, link, reply


def test_every_style_is_rendered_and_every_text_escaped() -> None:
    rendered = to_html(
        reply(
            (
                bold("<b>x</b>"),
                Span(" & ", Style.PLAIN),
                Span("/rsvp 1", Style.CODE),
                link("a<b", 'https://x.example/?q="1"&r=2'),
            )
        )
    )
    assert rendered == [
        "<b>&lt;b&gt;x&lt;/b&gt;</b> &amp; <code>/rsvp 1</code>"
        '<a href="https://x.example/?q=&quot;1&quot;&amp;r=2">a&lt;b</a>'
    ]


def test_long_replies_are_split_at_line_boundaries_within_the_limit() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(100)]
    messages = to_html(reply(*lines))
    assert len(messages) > 1
    assert all(len(m) <= MAX_MESSAGE for m in messages)
    assert "\n".join(messages).splitlines() == lines


def test_a_single_overlong_line_is_cut_and_still_escaped() -> None:
    messages = to_html(Reply(((Span("&" * 10_000),),)))
    assert all(len(m) <= MAX_MESSAGE for m in messages)
    assert "".join(m.replace("\n", "") for m in messages) == "&amp;" * 10_000


def test_only_well_formed_button_data_is_accepted() -> None:
    assert parse_pressed("rsvp:12:plus_one") is not None
    assert parse_pressed("rsvp:12:plus_one").choice is Choice.PLUS_ONE  # type: ignore[union-attr]
    for forged in (None, "", "rsvp:12:all", "rsvp:x:going", "rsvp:12:going:extra", "ev_12"):
        assert parse_pressed(forged) is None


def test_messages_to_one_private_chat_are_spaced_a_second_apart() -> None:
    pacer = PrivatePacer(interval=1.0)
    assert [pacer.reserve(7, now=100.0) for _ in range(3)] == [0.0, 1.0, 2.0]
    assert pacer.reserve(8, now=100.0) == 0.0  # another person is not held up
    assert pacer.reserve(7, now=105.0) == 0.0  # a quiet chat sends at once
