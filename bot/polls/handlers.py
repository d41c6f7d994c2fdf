"""`poll`, `vote` and `pick`: finding a date together, from any network.

A poll "was in" a channel when it was created there, or shown (`poll ID`), voted on or
picked there in a group (table ``poll_channels``); private chats never count. The event it
turns into is linked to every one of those channels, as `announce` would link it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.announce import post_card, unlink_unreached
from bot.cards import channel_label, event_card
from bot.context import Context
from bot.domain import ChannelKind, EventView, PollStatus, PollView
from bot.errors import UserError
from bot.language.arguments import parse_fields
from bot.permissions import can_create_event, can_manage_event
from bot.polls.cards import option_time, poll_card, votes_text
from bot.polls.language import NewPollArgs, PickArgs, ShowPollArgs, VoteArgs
from bot.replies import Line, Reply, cmd, line, reply
from bot.services.events import channel_zone, create_event
from bot.visibility import refusal_here
from bot.when import resolve
from storage import UnitOfWork
from storage.deliveries import POLL_PICKED
from storage.models import ChannelRow, PollOptionRow, PollRow
from storage.repositories import channel_ref

# The label column's size: an option is kept as typed, up to this.
MAX_LABEL = 255


async def poll(ctx: Context, args: NewPollArgs | ShowPollArgs) -> list[Reply]:
    if isinstance(args, ShowPollArgs):
        async with ctx.database.unit_of_work() as uow:
            row = await _poll(uow, args.poll_id, "poll")
            await _was_here(ctx, uow, row.id)
            view = await uow.polls.view(row)
            await uow.commit()
        if view.event_id is None:
            return [poll_card(view)]
        # Decided: the channels it was in got the event; anywhere else `rsvp` is refused.
        async with ctx.database.unit_of_work(read_only=True) as uow:
            refusal = await refusal_here(ctx, uow, view.event_id, "rsvp")
        return [poll_card(view, not_here=refusal.line if refusal else None)]
    if not can_create_event(ctx.message.sender):
        raise UserError(
            "Only people logged in to their network's services can start polls: anyone "
            "could use your nick. Log in (e.g. /msg NickServ IDENTIFY name password) and "
            "try again."
        )
    async with ctx.database.unit_of_work() as uow:
        channel = await uow.channels.upsert(ctx.message.channel, ctx.now)
        tz = args.fields.tz
        zone = ZoneInfo(tz) if tz else channel_zone(channel, ctx.settings.timezone)
        options = _resolve_options(args.options, zone, ctx.now, zone_given=tz is not None)
        row = PollRow(
            title=args.title,
            creator_id=await uow.people.save(ctx.message.sender, ctx.now),
            origin_channel_id=channel.id,
            timezone=zone.key,
            event_fields=args.fields_text,
            status=PollStatus.OPEN.value,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        poll_id = await uow.polls.add(row, options)
        await uow.polls.link(poll_id, channel.id, ctx.now)
        view = await uow.polls.view(row)
        await uow.commit()
    return [poll_card(view, headline="Created ")]


def _resolve_options(
    texts: tuple[str, ...], zone: ZoneInfo, now: datetime, *, zone_given: bool
) -> list[PollOptionRow]:
    """Each time read as `newevent` reads WHEN; refuses the first one that is unreadable,
    past or the same as an earlier one, naming it."""
    options: list[PollOptionRow] = []
    for position, text in enumerate(texts, start=1):
        try:
            when = resolve(text, now=now, zone=zone, zone_given=zone_given, command="poll")
        except UserError as exc:
            raise UserError(f"Option {position}: ", *exc.line, command="poll") from None
        for earlier in options:
            if (earlier.starts_at, earlier.ends_at) == (when.starts_at, when.ends_at):
                raise UserError(
                    f"Options {earlier.position} and {position} are the same time "
                    f"({'; '.join([earlier.label, text])[:80]}).",
                    command="poll",
                )
        options.append(
            PollOptionRow(
                position=position,
                starts_at=when.starts_at,
                ends_at=when.ends_at,
                label=" ".join(text.split())[:MAX_LABEL],
            )
        )
    return options


async def _poll(uow: UnitOfWork, poll_id: int, command: str, *, lock: bool = False) -> PollRow:
    row = await uow.polls.get(poll_id, for_update=lock)
    if row is None:
        raise UserError(f"There is no poll {poll_id}.", command=command)
    return row


async def _was_here(ctx: Context, uow: UnitOfWork, poll_id: int) -> int | None:
    """Note that the poll was in this channel, if it is a group; returns the channel's id."""
    if ctx.message.channel.kind is not ChannelKind.GROUP:
        return None
    channel = await uow.channels.upsert(ctx.message.channel, ctx.now)
    await uow.polls.link(poll_id, channel.id, ctx.now)
    return channel.id


async def _closed(ctx: Context, uow: UnitOfWork, row: PollRow) -> UserError:
    if row.event_id is not None:
        decided = f"Poll {row.id} is decided: option {row.picked} became event #{row.event_id}. "
        refusal = await refusal_here(ctx, uow, row.event_id, "rsvp")
        if refusal is not None:
            return UserError(decided, *refusal.line)
        return UserError(decided, "Coming? ", cmd(f"rsvp {row.event_id}"))
    return UserError(
        f"Poll {row.id} was closed without a date. To try again, start a new one: ", cmd("poll")
    )


# --- vote ------------------------------------------------------------------------------


async def vote(ctx: Context, args: VoteArgs) -> list[Reply]:
    view, mine = await _vote(ctx, args.poll_id, lambda _: args.positions, "vote")
    who = ctx.message.sender.display
    said = (
        f"your votes in poll {view.id} ({view.title}): {', '.join(map(str, sorted(mine)))}."
        if mine
        else f"you have no votes in poll {view.id} ({view.title}) now."
    )
    tally = ", ".join(f"{o.position}: {len(o.voters)}" for o in view.options)
    return [
        reply(
            line(f"{who}: {said}"),
            line(f"Votes so far: {tally}. Who voted for what: ", cmd(f"poll {view.id}")),
        )
    ]


async def press(ctx: Context, poll_id: int, position: int) -> str:
    """A poll card's button: toggles the presser's vote for one time; answered with a toast."""
    _, mine = await _vote(ctx, poll_id, lambda had: had ^ {position}, "vote")
    yours = ", ".join(map(str, sorted(mine))) or "none"
    done = "Voted for" if position in mine else "Took back your vote for"
    return f"{done} {position} · your votes: {yours}"


async def _vote(
    ctx: Context,
    poll_id: int,
    choose: Callable[[frozenset[int]], frozenset[int]],
    command: str,
) -> tuple[PollView, frozenset[int]]:
    """Set the sender's votes to ``choose(their votes so far)``; returns the poll and them.
    Votes are the person's, whichever of their linked identities cast them."""
    async with ctx.database.unit_of_work() as uow:
        row = await _poll(uow, poll_id, command, lock=True)
        if row.status != PollStatus.OPEN.value:
            raise await _closed(ctx, uow, row)
        before = await uow.polls.view(row)
        person_id = await uow.people.save(ctx.message.sender, ctx.now)
        mine = choose(await uow.polls.votes_of(row.id, person_id))
        wrong = sorted(p for p in mine if p > len(before.options))
        if wrong:
            raise UserError(
                f"Poll {row.id} has {len(before.options)} options: there is no {wrong[0]}. "
                f"Vote with numbers 1 to {len(before.options)}.",
                command=command,
            )
        await uow.polls.set_votes(row.id, person_id, mine, ctx.now)
        await _was_here(ctx, uow, row.id)
        row.updated_at = ctx.now
        view = await uow.polls.view(row)
        await uow.commit()
    ctx.poll_touched(view)
    return view, mine


# --- pick ------------------------------------------------------------------------------


async def pick(ctx: Context, args: PickArgs) -> list[Reply]:
    roles = await ctx.roles()
    sender = ctx.message.sender
    async with ctx.database.unit_of_work() as uow:
        row = await _poll(uow, args.poll_id, "pick", lock=True)
        if row.status != PollStatus.OPEN.value:
            raise await _closed(ctx, uow, row)
        before = await uow.polls.view(row)
        here = await _was_here(ctx, uow, row.id)
        # As for managing an event: a channel admin counts in the channel the poll began in.
        if not can_manage_event(
            sender,
            before.creator,
            roles,
            home_channel=here == row.origin_channel_id,
            organizer_linked=await uow.identities.linked_with(sender, row.creator_id),
        ):
            action = "close" if args.position is None else "pick a time for"
            raise UserError(
                f"Only the poll's creator ({before.creator.display}), an admin of the channel "
                f"it began in or a bot admin can {action} poll {row.id}."
            )
        if args.position is None:
            row.status, row.updated_at = PollStatus.CLOSED.value, ctx.now
            view = await uow.polls.view(row)
            await uow.commit()
            ctx.poll_touched(view)
            return [_closed_without_event(view)]
        option = next((o for o in before.options if o.position == args.position), None)
        if option is None:
            raise UserError(
                f"Poll {row.id} has {len(before.options)} options: pick one of 1 to "
                f"{len(before.options)}.",
                command="pick",
            )
        if option.starts_at <= ctx.now:
            raise UserError(
                f"Option {option.position} ({option_time(before, option)}) has already begun: "
                "pick another, or start a new poll."
            )
        origin = await uow.channels.get(row.origin_channel_id)
        assert origin is not None
        # The option's instants, written out in the poll's zone, read back exactly.
        local = before.zone
        fields = replace(
            parse_fields(row.event_fields, "pick"),
            tz=row.timezone,
            ends=None
            if option.ends_at is None
            else f"{option.ends_at.astimezone(local):%Y-%m-%d %H:%M}",
        )
        event = await create_event(
            uow,
            organizer=before.creator,
            channel=channel_ref(origin),
            title=row.title,
            when_text=f"{option.starts_at.astimezone(local):%Y-%m-%d %H:%M}",
            fields=fields,
            default_zone=ctx.settings.timezone,
            now=ctx.now,
        )
        channels = await uow.polls.channels(row.id)
        for channel in channels:
            # Picked up by the plan create_event asked for, which runs after this commit.
            await uow.events.link(event.id, channel.id, ctx.now)
        row.status, row.picked, row.event_id = PollStatus.PICKED.value, option.position, event.id
        row.updated_at = ctx.now
        me = await uow.people.save(sender, ctx.now)
        voters = [v for v in await uow.polls.voters(row.id) if v.person_id != me]
        for theirs, payload in ((True, f"{row.id} yours"), (False, f"{row.id}")):
            told = [v.person for v in voters if (option.position in v.positions) is theirs]
            await uow.deliveries.notify(event.id, "", POLL_PICKED, told, ctx.now, payload)
        view = await uow.polls.view(row)
        await uow.commit()
    ctx.poll_touched(view)
    lines = [
        line(
            f"Picked option {option.position} of poll {row.id} ({votes_text(len(option.voters))}"
            f"{'' if option.voters else ' for it'}): it is now event #{event.id}."
        )
    ]
    lines += await _announce(ctx, event, channels, here, origin.id)
    if voters:
        lines.append(
            line(f"Telling {len(voters)} voter{'s' if len(voters) != 1 else ''} privately.")
        )
    return [reply(*lines), event_card(event, ctx.now)]


def _closed_without_event(poll: PollView) -> Reply:
    """The reply to `pick ID none`: the poll is over, nothing was created or told."""
    return reply(
        line(f"Closed poll {poll.id} ({poll.title}) without a date: no event was made."),
        line(
            "Its tally stays readable: ", cmd(f"poll {poll.id}"), ". A new try: ", cmd("poll"), "."
        ),
    )


async def _announce(
    ctx: Context,
    event: EventView,
    channels: list[ChannelRow],
    here: int | None,
    origin_id: int,
) -> list[Line]:
    """Post the event's card in every channel the poll was in but this one (which gets it
    as the reply), as `announce` does; a channel it did not reach is not left linked,
    except the one the poll began in, which holds the event."""
    failed: list[int] = []
    notes: list[Line] = []
    for channel in channels:
        if channel.id == here:
            continue
        reason = await post_card(ctx, event, channel_ref(channel))
        if reason is None:
            continue
        name = channel_label(
            channel.title or channel.external_id, channel.platform, channel.network
        )
        notes.append(line(f"{name}: the card could not be posted ({reason})."))
        if channel.id != origin_id:
            failed.append(channel.id)
    await unlink_unreached(ctx, event.id, failed)
    shown = [
        channel_label(c.title or c.external_id, c.platform, c.network)
        for c in channels
        if c.id not in failed
    ]
    return [line("Announced in: ", ", ".join(shown)), *notes]
