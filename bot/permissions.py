"""Who may do what, decided in one place.

- Anyone may read events and RSVP (unverified IRC users too: they are marked as such).
- Creating an event, and being its organizer, needs a verified identity.
- The organizer may edit and cancel their event, from any of their linked identities
  (`link`): the same person on another network.
- Admins from the config (`platform:network:id`) may do anything anywhere.
- Channel admins (Telegram chat admins, IRC operators, `console --admin`) may manage the
  events created in their channel and set the channel's time zone. Not those only announced
  there: any channel admin may announce any event in their channel, and that must not make
  them its manager.
- Announcing an event in a channel (or taking it out) is for the organizer, config admins
  and admins of that channel when asked there; named from elsewhere, only the organizer and
  config admins, because the bot cannot ask a network who its admins are in a channel the
  request did not come from.
"""

from __future__ import annotations

from bot.domain import Role, UserRef


def same_person(a: UserRef, b: UserRef) -> bool:
    return (a.platform, a.network, a.id) == (b.platform, b.network, b.id)


def can_create_event(actor: UserRef) -> bool:
    return actor.verified


def can_manage_event(
    actor: UserRef,
    organizer: UserRef,
    roles: frozenset[Role],
    *,
    home_channel: bool,
    organizer_linked: bool = False,
) -> bool:
    """``home_channel``: the actor asks in the channel the event was created in, whose admins
    manage it; ``organizer_linked``: the actor is an identity the organizer linked to theirs."""
    if not actor.verified:
        return False
    if Role.ADMIN in roles or same_person(actor, organizer) or organizer_linked:
        return True
    return Role.CHANNEL_ADMIN in roles and home_channel


def can_configure_channel(actor: UserRef, roles: frozenset[Role]) -> bool:
    return actor.verified and bool(roles & {Role.ADMIN, Role.CHANNEL_ADMIN})


def can_link_event(
    actor: UserRef,
    organizer: UserRef,
    roles: frozenset[Role],
    *,
    here: bool,
    organizer_linked: bool = False,
) -> bool:
    """Link an event to a channel or unlink it. ``roles`` are the actor's roles where they
    asked; ``here`` is whether that is the channel being changed (only then does a channel
    admin count)."""
    # A channel admin decides what is announced in their own channel, as in a home channel.
    return can_manage_event(
        actor, organizer, roles, home_channel=here, organizer_linked=organizer_linked
    )
