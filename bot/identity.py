"""Linked identities: one person on several networks (`link`, `link CODE`, `unlink_me`,
`dm_here`).

`link` in a private chat gives a one-time code; `link CODE` sent privately from an account
on another network links that account to the code's owner. From then on both count as one
person: answers, reminder opt-ins and votes are stored on the primary (the account that
asked for the code, or the one it was already linked to), and private messages go to the
account the person chose with `dm_here` (the primary unless they chose).

Everything happens in private: a code seen in a group could be confirmed by a stranger,
who would then be merged into its owner and could read their reminders.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.cards import channel_label, network_label
from bot.context import Context
from bot.domain import ChannelKind, EventStatus, RsvpStatus, UserRef
from bot.errors import UserError
from bot.replies import Line, Reply, cmd, code, line, reply
from bot.services.occurrences import over_at
from bot.services.rsvp import promote_waitlist
from storage import UnitOfWork
from storage.identities import Identity

# Crockford's base32: no I, L, O or U, so a code read aloud or retyped is not misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 40 bits: with 5 guesses per 10 minutes, guessing one takes ages
CODE_LIFETIME = timedelta(minutes=10)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=10)
# What people type for the letters Crockford's alphabet leaves out.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})

INVALID_CODE = (
    "That code is not valid: mistyped, used, or older than 10 minutes. Get a new one with "
)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown(code_: str) -> str:
    """`ABCD-EFGH`: easier to read and retype."""
    return f"{code_[:4]}-{code_[4:]}"


def normalized(text: str) -> str | None:
    """The code in ``text`` as issued (`abcd efgh`, `ABCD-EFGH`, `abcdefgh` alike), or
    None when it cannot be one."""
    typed = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(typed) != CODE_LENGTH or any(char not in ALPHABET for char in typed):
        return None
    return typed


def code_hash(code_: str) -> str:
    """Only this is stored: a database leak does not hand out live codes."""
    return hashlib.sha256(code_.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class LinkCodeArgs:
    code: str | None  # as typed; None: give me a code


def parse_link(rest: str) -> LinkCodeArgs:
    return LinkCodeArgs(rest.strip() or None)


def _label(ref: UserRef) -> str:
    return channel_label(ref.display, ref.platform, ref.network)


def _require_private(ctx: Context, command: str) -> None:
    if ctx.message.channel.kind is ChannelKind.DIRECT:
        return
    bot = ctx.message.bot_name or "gatherbot"
    how = {
        "irc": f"/msg {bot} !{command}",
        "telegram": f"open a chat with @{bot} and send /{command}",
    }.get(ctx.message.channel.platform, f"send {command} in a private chat with me")
    raise UserError(
        f"Linking accounts works only in a private chat with me ({how}): "
        "a code seen here could be used by someone else."
    )


def _require_verified(sender: UserRef) -> None:
    if not sender.verified:
        raise UserError(
            "Only an account logged in to its network's services can be linked: anyone "
            "could use your nick. Log in (e.g. /msg NickServ IDENTIFY name password) and "
            "try again."
        )


async def link(ctx: Context, args: LinkCodeArgs) -> list[Reply]:
    if ctx.message.channel.kind is not ChannelKind.DIRECT and args.code is not None:
        await _burn(ctx, args.code)
    _require_private(ctx, "link")
    _require_verified(ctx.message.sender)
    if args.code is None:
        return await _give_code(ctx)
    return await _confirm(ctx, args.code)


async def _burn(ctx: Context, typed: str) -> None:
    """A code posted in a group is seen by everyone there: it is cancelled before anyone
    can use it, and the reply does not say whether it was valid."""
    found = normalized(typed)
    if found is None:
        return
    async with ctx.database.unit_of_work() as uow:
        await uow.identities.take_code(code_hash(found), ctx.now)
        await uow.commit()
    raise UserError(
        "Never post a link code in a group: I cancelled that one. Get a new one with ",
        cmd("link"),
        " in a private chat with me.",
    )


async def _give_code(ctx: Context) -> list[Reply]:
    given = new_code()
    async with ctx.database.unit_of_work() as uow:
        me = await uow.people.upsert(ctx.message.sender, ctx.now)
        await uow.identities.store_code(me.id, code_hash(given), ctx.now + CODE_LIFETIME)
        group = await uow.identities.identities(await uow.identities.primary_of(me.id))
        await uow.commit()
    lines = [
        line(
            f"Your link code is {shown(given)} (valid 10 minutes, once). On your other "
            "network, send me this in a private chat: ",
            code(f"!link {shown(given)}"),
        ),
    ]
    if len(group) > 1:
        lines += _links_lines(group)
    return [reply(*lines)]


def _links_lines(group: list[Identity]) -> list[Line]:
    private = next(each for each in group if each.private)
    return [
        line("Linked now: ", ", ".join(_label(each.ref) for each in group), "."),
        line(
            f"Private reminders and notices go to {_label(private.ref)}; to get them on "
            "another account, send ",
            cmd("dm_here"),
            " from it. Undo: ",
            cmd("unlink_me"),
            ".",
        ),
    ]


async def _confirm(ctx: Context, typed: str) -> list[Reply]:
    given = normalized(typed)
    if given is None:
        raise UserError(
            "That is not a link code: it has 8 letters and digits, like ",
            code("!link 7KQ2-M9XD"),
            ". Get one with ",
            cmd("link"),
            " on your other network.",
        )
    sender, now = ctx.message.sender, ctx.now
    async with ctx.database.unit_of_work() as uow:
        me = await uow.people.upsert(sender, now)
        failures = await uow.identities.failures_since(me.id, now - FAILURE_WINDOW)
        if len(failures) >= MAX_FAILURES:
            # Refused even when right: otherwise the lockout would not slow guessing.
            free_at = failures[-MAX_FAILURES] + FAILURE_WINDOW
            minutes = max(1, math.ceil((free_at - now) / timedelta(minutes=1)))
            raise UserError(
                f"Too many wrong codes: try again in {minutes} minute{'s' if minutes != 1 else ''}."
            )
        issuer_id = await uow.identities.take_code(code_hash(given), now)
        if issuer_id is None:
            await uow.identities.add_failure(me.id, now, now - FAILURE_WINDOW)
            await uow.commit()
            raise UserError(INVALID_CODE, cmd("link"), " on your other network.")
        # Refusals below roll back: the code stays valid for the right account.
        primary_id = await uow.identities.primary_of(issuer_id)
        group = await uow.identities.identities(primary_id)
        _refuse_link(me.id, issuer_id, sender, group)
        if await uow.identities.is_linked(me.id):
            raise UserError(
                "This account is already linked to others. To add this network, send ",
                cmd("link"),
                " here and confirm the code on the new one; to move it, ",
                cmd("unlink_me"),
                " first.",
            )
        await uow.identities.link(me.id, primary_id, now)
        merged = await merge(uow, ctx, me.id, primary_id)
        group = await uow.identities.identities(primary_id)
        await uow.commit()
    primary = group[0].ref
    lines = [
        line(
            f"Linked: {_label(sender)} and {_label(primary)} are one person now. "
            "RSVP from either: it is one answer, counted once."
        )
    ]
    if merged.moved or merged.dropped:
        kept = (
            f"; where both had answered for the same date, the answer from "
            f"{network_label(primary.platform, primary.network)} stays ({merged.dropped})"
            if merged.dropped
            else ""
        )
        lines.append(line(f"Your answers from here moved over ({merged.moved}){kept}."))
    return [reply(*lines, *_links_lines(group))]


def _refuse_link(me_id: int, issuer_id: int, sender: UserRef, group: list[Identity]) -> None:
    if issuer_id == me_id:
        raise UserError(
            "That code is from this same account: send it from your account on the other network."
        )
    if any(each.person_id == me_id for each in group):
        raise UserError("These accounts are linked already.")
    here = (sender.platform, sender.network)
    same = next((e for e in group if (e.ref.platform, e.ref.network) == here), None)
    if same is not None:
        raise UserError(
            f"{_label(same.ref)} is already linked to that person: one account per network. Send ",
            cmd("unlink_me"),
            " from it first.",
        )


@dataclass(frozen=True, slots=True)
class Merged:
    moved: int  # answers given to the primary
    dropped: int  # answers dropped because the primary had one for the same date


async def merge(uow: UnitOfWork, ctx: Context, from_id: int, into_id: int) -> Merged:
    """Make ``from_id``'s answers, reminder opt-ins, votes and (when ``into_id`` has none)
    calendar feed ``into_id``'s. Where both answered the same date, ``into_id``'s answer
    stays and the other is dropped; a seat it held is given to the waitlist as any
    cancellation would (promote_waitlist)."""
    now = ctx.now
    await uow.identities.lock_answered_events(from_id)
    moved, dropped = await uow.identities.move_answers(from_id, into_id)
    freed = sorted({event_id for event_id, status in dropped if status is RsvpStatus.GOING})
    for event_id in freed:
        event = await uow.events.get(event_id)
        assert event is not None  # locked above
        if event.status is EventStatus.SCHEDULED and over_at(event, now) > now:
            await promote_waitlist(uow, event, now)
            ctx.touched(await uow.events.view(event, now=now))
    await uow.deliveries.request_plans(await uow.identities.move_reminders(from_id, into_id), now)
    await uow.identities.move_votes(from_id, into_id)
    await uow.identities.move_feed_token(from_id, into_id)
    return Merged(moved, len(dropped))


async def unlink_me(ctx: Context, _args: object) -> list[Reply]:
    _require_private(ctx, "unlink_me")
    async with ctx.database.unit_of_work() as uow:
        me = await uow.people.upsert(ctx.message.sender, ctx.now)
        primary_id = await uow.identities.primary_of(me.id)
        group = await uow.identities.identities(primary_id)
        if len(group) < 2:
            raise _not_linked()
        if primary_id == me.id:
            await uow.identities.unlink_all(me.id)
        else:
            await uow.identities.unlink(me.id)
        await uow.commit()
    if primary_id == me.id:
        others = ", ".join(_label(each.ref) for each in group[1:])
        return [
            reply(
                f"Unlinked {others} from this account. Your answers, reminders and votes stay "
                "here; from there you answer afresh."
            )
        ]
    primary = _label(group[0].ref)
    return [
        reply(
            f"Unlinked this account from {primary}. Your answers, reminders and votes stay "
            f"with {primary}; from here you answer afresh."
        )
    ]


async def dm_here(ctx: Context, _args: object) -> list[Reply]:
    _require_private(ctx, "dm_here")
    async with ctx.database.unit_of_work() as uow:
        me = await uow.people.upsert(ctx.message.sender, ctx.now)
        primary_id = await uow.identities.primary_of(me.id)
        if len(await uow.identities.identities(primary_id)) < 2:
            raise _not_linked()
        await uow.identities.choose_private(primary_id, me.id)
        await uow.commit()
    return [
        reply(
            f"Private reminders and notices now come here ({_label(ctx.message.sender)}), "
            "whichever account you answer from."
        )
    ]


def _not_linked() -> UserError:
    return UserError(
        "This account is not linked to another one. Link one: send ",
        cmd("link"),
        " here and confirm the code on your other network.",
    )
