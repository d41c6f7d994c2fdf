"""CAP negotiation and SASL PLAIN, line by line as a server would drive them."""

from __future__ import annotations

import base64

from adapters.irc.capabilities import Negotiation, SaslResult


def test_requests_only_the_wanted_capabilities_the_server_offers() -> None:
    negotiation = Negotiation()
    sent = negotiation.on_cap(["LS", "multi-prefix away-notify account-tag chghost sasl=PLAIN"])
    # No credentials: no SASL.
    assert sent == ["CAP REQ :account-tag multi-prefix"]
    assert negotiation.on_cap(["ACK", "account-tag multi-prefix"]) == ["CAP END"]
    assert negotiation.enabled == {"account-tag", "multi-prefix"}


def test_a_multiline_ls_is_read_whole_before_requesting() -> None:
    negotiation = Negotiation()
    assert negotiation.on_cap(["LS", "*", "account-tag extended-join"]) == []
    assert negotiation.on_cap(["LS", "account-notify"]) == [
        "CAP REQ :account-tag account-notify extended-join"
    ]


def test_sasl_plain_sends_the_credentials_then_ends_negotiation() -> None:
    negotiation = Negotiation("gatherbot", "s3cret")
    assert negotiation.on_cap(["LS", "sasl=PLAIN,EXTERNAL server-time"]) == [
        "CAP REQ :sasl server-time"
    ]
    assert negotiation.on_cap(["ACK", "sasl server-time"]) == ["AUTHENTICATE PLAIN"]
    (line,) = negotiation.on_authenticate("+")
    payload = base64.b64decode(line.removeprefix("AUTHENTICATE "))
    assert payload == b"gatherbot\0gatherbot\0s3cret"
    assert negotiation.on_sasl_numeric(succeeded=True) == ["CAP END"]
    assert negotiation.sasl is SaslResult.SUCCEEDED


def test_a_failed_login_still_ends_negotiation_so_registration_goes_on() -> None:
    negotiation = Negotiation("gatherbot", "wrong")
    negotiation.on_cap(["LS", "sasl"])
    negotiation.on_cap(["ACK", "sasl"])
    assert negotiation.on_sasl_numeric(succeeded=False) == ["CAP END"]
    assert negotiation.sasl is SaslResult.FAILED
    # A second failure numeric (904 then 906) sends nothing more.
    assert negotiation.on_sasl_numeric(succeeded=False) == []


def test_sasl_is_not_requested_without_plain() -> None:
    negotiation = Negotiation("gatherbot", "s3cret")
    assert negotiation.on_cap(["LS", "sasl=EXTERNAL"]) == ["CAP END"]


def test_a_long_payload_goes_in_400_byte_pieces_with_an_empty_last_piece_when_exact() -> None:
    # The payload "abc", NUL, "abc", NUL and 292 bytes is 300 bytes: 400 in base64.
    negotiation = Negotiation("abc", "x" * 292)
    pieces = negotiation.credentials()
    assert [len(p) for p in pieces] == [400, 1]
    assert pieces[-1] == "+"
    longer = Negotiation("abc", "x" * 600).credentials()
    assert all(len(p) <= 400 for p in longer)
    assert base64.b64decode("".join(longer)).endswith(b"x" * 600)


def test_a_server_without_wanted_capabilities_is_simply_ended() -> None:
    assert Negotiation().on_cap(["LS", "away-notify"]) == ["CAP END"]
    assert Negotiation().on_cap(["NAK", "sasl"]) == ["CAP END"]


def test_new_and_del_after_registration_keep_the_enabled_set_current() -> None:
    negotiation = Negotiation()
    negotiation.on_cap(["LS", "multi-prefix"])
    negotiation.on_cap(["ACK", "multi-prefix"])
    assert negotiation.on_cap(["NEW", "account-tag sasl"]) == ["CAP REQ :account-tag"]
    negotiation.on_cap(["ACK", "account-tag"])
    assert "account-tag" in negotiation.enabled
    negotiation.on_cap(["DEL", "account-tag"])
    assert "account-tag" not in negotiation.enabled
