"""Which page of a long list a person asks for (`events 2`, `myevents page 3`), and what
they are told when it is not a page number. Pure: whether the list is that long is the
integration tests' business (tests/integration/test_paging.py)."""

from __future__ import annotations

import pytest

from bot.commands import parse_command
from bot.errors import UserError
from bot.language.paging import PageArgs
from bot.replies import Reply, ReplyKind, with_prefix


def page_of(text: str) -> PageArgs:
    parsed = parse_command(text, "GatherBot")
    assert parsed is not None, f"{text!r} was not taken as a command"
    assert isinstance(parsed.args, PageArgs)
    return parsed.args


def refusal(text: str, prefix: str = "!") -> str:
    """The refusal as the person reads it, with their network's prefix."""
    with pytest.raises(UserError) as caught:
        parse_command(text, "GatherBot")
    return with_prefix(Reply((caught.value.line,), ReplyKind.ERROR), prefix).plain_text


@pytest.mark.parametrize(
    ("text", "page"),
    [
        pytest.param("!events", 1, id="nothing-is-the-first-page"),
        pytest.param("!events 1", 1, id="the-first-page-by-number"),
        pytest.param("!events 2", 2, id="a-number"),
        pytest.param("!events page 2", 2, id="the-word-page"),
        pytest.param("!events PAGE 3", 3, id="the-word-page-in-capitals"),
        pytest.param("!events   page\n4  ", 4, id="any-spacing"),
        pytest.param("!events 007", 7, id="leading-zeros"),
        pytest.param("!list 12", 12, id="the-alias"),
        pytest.param("/events@GatherBot 2", 2, id="telegram-addressed"),
        pytest.param("gatherbot: events 2", 2, id="irc-addressed"),
        pytest.param("!myevents 3", 3, id="myevents"),
        pytest.param("!mine page 2", 2, id="myevents-alias"),
        pytest.param("!events 999999999", 999_999_999, id="the-longest-number-taken"),
    ],
)
def test_a_page_is_asked_for_by_its_number(text: str, page: int) -> None:
    assert page_of(text) == PageArgs(page)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "!events banana",
            "'banana' is not a page number: e.g. !events 2 for the second page.",
            id="a-word",
        ),
        pytest.param(
            "!events 2 3",
            "'2 3' is not a page number: e.g. !events 2 for the second page.",
            id="two-numbers",
        ),
        pytest.param(
            "!events 2.5",
            "'2.5' is not a page number: e.g. !events 2 for the second page.",
            id="a-fraction",
        ),
        pytest.param(
            "!events ２",
            "'２' is not a page number: e.g. !events 2 for the second page.",
            id="a-full-width-digit",
        ),
        pytest.param(
            "!events page two",
            "'two' is not a page number: e.g. !events 2 for the second page.",
            id="page-and-a-word",
        ),
        pytest.param(
            "!events 0",
            "There is no page 0: the first is !events, the second !events 2.",
            id="zero",
        ),
        pytest.param(
            "!events 000",
            "There is no page 000: the first is !events, the second !events 2.",
            id="zeros",
        ),
        pytest.param(
            "!events -1",
            "There is no page -1: the first is !events, the second !events 2.",
            id="negative",
        ),
        pytest.param(
            "!events page",
            "Which page? Give its number, e.g. !events 2.",
            id="the-word-page-alone",
        ),
        pytest.param(
            "!events 1234567890",
            "There is no page 1234567890: no list is that long.",
            id="too-many-digits",
        ),
        pytest.param(
            "!myevents " + "9" * 40,
            "There is no page 99999999999999999999…: no list is that long.",
            id="a-number-too-long-to-repeat",
        ),
        pytest.param(
            "!mine soon",
            "'soon' is not a page number: e.g. !myevents 2 for the second page.",
            id="myevents-names-its-own-command",
        ),
    ],
)
def test_what_is_not_a_page_number_is_refused_with_an_example(text: str, message: str) -> None:
    assert refusal(text) == message


def test_the_example_in_a_refusal_has_the_networks_prefix() -> None:
    assert refusal("/events x", "/") == (
        "'x' is not a page number: e.g. /events 2 for the second page."
    )
