"""The public page over real HTTP, on SQLite and PostgreSQL: what a person reads there about
gatherings created and answered in a Telegram group and an IRC channel. The clock reads
Sat 2026-11-21 12:00 UTC."""

from __future__ import annotations

import re

import httpx
import pytest

from bot.config import WebPage
from storage import Database
from tests.pages_harness import ELSEWHERE, IRC_CHANNEL, WARSAW, Community, visible_text

COFFEE = (
    "/newevent Developers Gathering | 2026-12-05 18:00-20:00 Europe/Warsaw | Café Nero | limit=20"
)


@pytest.fixture
async def community(database: Database) -> Community:
    community = Community(database)
    created = await community.say(COFFEE, "olga")
    assert created.startswith("Created #1 Developers Gathering"), created
    return community


async def get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(follow_redirects=False) as client:
        return await client.get(url)


def event_block(text: str, title: str) -> str:
    """The lines of one gathering on the community page, from its heading to the next."""
    lines = text.splitlines()
    start = lines.index(title)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("How to RSVP")),
        len(lines),
    )
    return "\n".join(lines[start : end + 3])


async def test_the_page_lists_a_gathering_in_its_own_zone_with_counts_and_how_to_rsvp(
    community: Community,
) -> None:
    await community.say("/announce 1 irc:libera/#Dev", "olga")
    await community.say("/rsvp 1 +1", "bob")
    await community.say("!rsvp 1 maybe", "carol", IRC_CHANNEL)
    async with community.page_server() as site:
        response = await get(f"{site}/c/warsaw")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    text = visible_text(response.text)
    assert text.startswith(
        "Developers Gathering Warsaw\n"  # the tab's title
        "Developers Gathering Warsaw\n"
        "Upcoming gatherings, announced in Warsaw Devs (Telegram), #dev on libera (IRC). "
        "Times are in each gathering’s own time zone.\n"
        "Subscribe in your calendar app: Warsaw Devs, #dev on libera.\n"
    )
    assert event_block(text, "Developers Gathering") == (
        "Developers Gathering\n"
        "When\n"
        "Sat 2026-12-05 18:00-20:00 CET (Europe/Warsaw) (in 14 days)\n"
        "Where\n"
        "Café Nero\n"
        "Going\n"
        "2/20 going · 1 maybe · 18 seats left\n"
        "Add to your calendar (.ics)\n"
        "How to RSVP\n"
        "In Warsaw Devs (Telegram): press Going on the event’s card, or send /rsvp 1\n"
        "In #dev on libera (IRC): !rsvp 1"
    )
    assert '<time datetime="2026-12-05T18:00+01:00">' in response.text
    assert re.search(r'<h2 id="event-1"><a href="/c/warsaw/events/1">', response.text)


async def test_an_rsvp_shows_on_the_next_load(community: Community) -> None:
    async with community.page_server() as site:
        before = visible_text((await get(f"{site}/c/warsaw")).text)
        await community.say("/rsvp 1", "bob")
        after = visible_text((await get(f"{site}/c/warsaw")).text)
    assert "0/20 going · 20 seats left" in before.splitlines()
    assert "1/20 going · 19 seats left" in after.splitlines()


async def test_a_full_gathering_says_new_answers_join_the_waitlist(
    community: Community,
) -> None:
    await community.say("/edit 1 limit=1", "olga")
    await community.say("/rsvp 1", "bob")
    await community.say("/rsvp 1", "carol")
    async with community.page_server() as site:
        text = visible_text((await get(f"{site}/c/warsaw")).text)
    assert "1/1 going · 1 waitlisted · full: new RSVPs join the waitlist" in text.splitlines()


async def test_every_piece_of_user_text_shows_as_text(database: Database) -> None:
    community = Community(database)
    await community.say(
        "/newevent <script>alert(1)</script> | 2026-12-05 18:00 | <b>Bar</b> & Grill"
        ' | description=Bring "snacks" <i>please</i>',
        "olga",
    )
    async with community.page_server() as site:
        listed = (await get(f"{site}/c/warsaw")).text
        shown = (await get(f"{site}/c/warsaw/events/1")).text
    for html in (listed, shown):
        assert "<script" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;b&gt;Bar&lt;/b&gt; &amp; Grill" in html
        assert "<script>alert(1)</script>" in visible_text(html).splitlines()
    assert "Bring &#34;snacks&#34; &lt;i&gt;please&lt;/i&gt;" in shown


async def test_a_web_address_as_the_place_is_a_link_and_nothing_else_is(
    database: Database,
) -> None:
    community = Community(database)
    await community.say("/newevent Online | 2026-12-05 18:00 | https://meet.example/dev", "olga")
    await community.say("/newevent Sneaky | 2026-12-06 18:00 | javascript:alert(1)", "olga")
    async with community.page_server() as site:
        html = (await get(f"{site}/c/warsaw")).text
    assert '<a href="https://meet.example/dev">https://meet.example/dev</a>' in html
    assert 'href="javascript' not in html
    assert "javascript:alert(1)" in visible_text(html).splitlines()


async def test_the_event_page_shows_the_gathering_and_how_to_answer(
    community: Community,
) -> None:
    await community.say("/edit 1 description=Talks, then pizza.\nBring a laptop.", "olga")
    await community.say("/rsvp 1", "bob")
    async with community.page_server() as site:
        response = await get(f"{site}/c/warsaw/events/1")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    text = visible_text(response.text)
    assert text == (
        "Developers Gathering · Developers Gathering Warsaw\n"
        "← Developers Gathering Warsaw\n"
        "Developers Gathering\n"
        "When\n"
        "Sat 2026-12-05 18:00-20:00 CET (Europe/Warsaw) (in 14 days)\n"
        "Where\n"
        "Café Nero\n"
        "Going\n"
        "1/20 going · 19 seats left\n"
        "Add to your calendar (.ics)\n"
        "About\n"
        "Talks, then pizza.\n"
        "Bring a laptop.\n"
        "How to RSVP\n"
        "In Warsaw Devs (Telegram): press Going on the event’s card, or send /rsvp 1"
    )
    assert response.text.count("<h1") == 1
    assert '<a href="/c/warsaw">' in response.text


async def test_only_gatherings_announced_in_the_pages_channels_are_shown(
    community: Community,
) -> None:
    await community.say("/newevent Elsewhere | 2026-12-06 18:00 | Pub", "olga", ELSEWHERE)
    other = WebPage(slug="other", title="Other", channels=("telegram:-1009999",))
    async with community.page_server([WARSAW, other]) as site:
        warsaw = visible_text((await get(f"{site}/c/warsaw")).text).splitlines()
        elsewhere = visible_text((await get(f"{site}/c/other")).text).splitlines()
        not_here = await get(f"{site}/c/warsaw/events/2")
        nor_there = await get(f"{site}/c/other/events/1")
        announced = await community.say("/announce 2 telegram:-1001234567890", "olga")
        now_here = await get(f"{site}/c/warsaw/events/2")
    assert "Developers Gathering" in warsaw
    assert "Elsewhere" not in warsaw
    assert "Elsewhere" in elsewhere
    assert "Developers Gathering" not in elsewhere
    for response in (not_here, nor_there):
        assert response.status_code == 404
        assert "There is no such gathering on this page." in visible_text(response.text)
    assert announced.endswith("telegram:-1001234567890: announced, card posted.")
    assert now_here.status_code == 200


async def test_unknown_pages_and_events_are_not_found(community: Community) -> None:
    async with community.page_server() as site:
        responses = {
            path: await get(site + path)
            for path in (
                "/c/nowhere",
                "/c/nowhere/events/1",
                "/c/warsaw/events/99",
                "/c/warsaw/events/99999999999999999999",
            )
        }
    for path, response in responses.items():
        assert response.status_code == 404, path
    assert visible_text(responses["/c/nowhere"].text).splitlines()[1:] == [
        "Not found",
        "There is no such page here.",
    ]


async def test_a_cancelled_gathering_is_marked_without_how_to_answer(
    community: Community,
) -> None:
    await community.say("/newevent Called off | 2026-12-01 18:00 | Pub", "olga")
    await community.say("/cancel 2 the pub is closed", "olga")
    async with community.page_server() as site:
        listed = visible_text((await get(f"{site}/c/warsaw")).text)
        shown = visible_text((await get(f"{site}/c/warsaw/events/2")).text)
    assert event_block(listed, "Called off").splitlines()[:4] == [
        "Called off",
        "Cancelled: the pub is closed",
        "When",
        "Tue 2026-12-01 18:00 UTC",
    ]
    assert "Cancelled: the pub is closed" in shown.splitlines()
    for text in (listed, shown):
        assert "/rsvp 2" not in text


async def test_a_gathering_leaves_the_list_once_it_is_over_and_its_page_says_so(
    community: Community,
) -> None:
    community.clock.advance(days=14, hours=7)  # Sat 2026-12-05 19:00 UTC, 20:00 in Warsaw
    async with community.page_server() as site:
        listed = visible_text((await get(f"{site}/c/warsaw")).text)
        shown = visible_text((await get(f"{site}/c/warsaw/events/1")).text)
    assert "No gatherings are coming up yet. Check back soon." in listed.splitlines()
    assert shown.splitlines()[3:7] == [
        "This gathering is over.",
        "When",
        "Sat 2026-12-05 18:00-20:00 CET (Europe/Warsaw)",
        "Where",
    ]
    assert "How to RSVP" not in shown


async def test_a_repeating_gathering_shows_its_next_date_and_how_often(
    database: Database,
) -> None:
    community = Community(database)
    await community.say(
        "/newevent Coffee | 2026-11-28 09:00 Europe/Warsaw | Café | repeat=weekly", "olga"
    )
    await community.say("/cancel 1@2026-11-28 holiday", "olga")
    await community.say("/rsvp 1", "bob")
    async with community.page_server() as site:
        response = await get(f"{site}/c/warsaw")
        shown = visible_text((await get(f"{site}/c/warsaw/events/1")).text)
    assert event_block(visible_text(response.text), "Coffee").splitlines()[:7] == [
        "Coffee",
        "When",
        "Sat 2026-12-05 09:00 CET (Europe/Warsaw) (in 13 days)",
        "Repeats every week; this is the next date",
        "Where",
        "Café",
        "Going",
    ]
    assert '<time datetime="2026-12-05T09:00+01:00">' in response.text
    assert "1 going" in shown.splitlines()
    assert (
        "Next dates\n"
        "Sat 2026-11-28 (called off)\n"
        "Sat 2026-12-05\n"
        "Sat 2026-12-12\n"
        "Sat 2026-12-19\n"
        "Sat 2026-12-26\n"
    ) in shown
    assert shown.endswith(
        "That answers for the next date; for a later one, add it: /rsvp 1@2026-12-12."
    )


async def test_a_page_whose_channels_the_bot_never_saw_is_empty(database: Database) -> None:
    community = Community(database)
    async with community.page_server() as site:
        text = visible_text((await get(f"{site}/c/warsaw")).text)
    assert text.splitlines()[2:] == [
        "Upcoming gatherings. Times are in each gathering’s own time zone.",
        "No gatherings are coming up yet. Check back soon.",
    ]


async def test_the_front_page_lists_the_pages_or_goes_to_the_only_one(
    community: Community,
) -> None:
    other = WebPage(slug="other", title="Other & Co", channels=("telegram:-1009999",))
    async with community.page_server([WARSAW]) as site:
        only = await get(f"{site}/")
    async with community.page_server([WARSAW, other]) as site:
        both = await get(f"{site}/")
    assert only.status_code == 302
    assert only.headers["Location"] == "/c/warsaw"
    assert visible_text(both.text).splitlines()[1:] == [
        "Gatherings",
        "Developers Gathering Warsaw",
        "Other & Co",
    ]
    assert '<a href="/c/other">Other &amp; Co</a>' in both.text


async def test_the_calendar_links_open_the_gathering_and_each_channels_calendar(
    community: Community,
) -> None:
    await community.say("/announce 1 irc:libera/#Dev", "olga")
    async with community.page_server() as site:
        html = (await get(f"{site}/c/warsaw")).text
        links = re.findall(r'<a href="([^"]+\.ics)">([^<]+)</a>', html)
        calendars = {text: await get(site + path) for path, text in links}
    assert list(calendars) == ["Warsaw Devs", "#dev on libera", "Add to your calendar"]
    for response in calendars.values():
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert "SUMMARY:Developers Gathering" in response.text
