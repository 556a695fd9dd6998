"""Phantom voters: an insider who adds credentials whose secrets it holds, played against the
service (SQLite and PostgreSQL). The commission signs the roll's size per district, the credential
authority signs its list with the roll's counts and commitment, and the service holds each to the
other: no single one of the server, the commission or the authority can pad the list, and the
registered voters of every quorum and recall are the signed roll's, not the list's length."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from electionkit import (
    NOMINATIONS_CLOSE,
    at,
    credential_statement,
    credentials_for,
    identity_secret,
    roll_of,
    roll_statement,
    signed,
)
from kit import new_election, refused, rng

from vybory import protocol
from vybory.crypto.group import Scalar
from vybory.errors import Refused
from vybory.model.signing import AUTHORITY, COMMISSION, sign_payload


@pytest.fixture
def election(service):  # type: ignore[no-untyped-def]
    """The council with its twelve voters, nominations closed, the key ceremony done; no roll yet."""
    e = new_election(service)
    e.nominate_all()
    e.key_ceremony()
    e.clock.set(at(NOMINATIONS_CLOSE, days=3))
    service.close_nominations(e.slug)
    return e


def phantoms(n: int, district: str = "north") -> list[tuple[Any, str, int]]:
    """``n`` public credentials whose secrets the insider made: (credential, district, weight)."""
    gen = rng("insider")
    return [(protocol.generate_credential(gen)[1], district, 1) for _ in range(n)]


def honest_list(e) -> tuple[dict[str, Any], list[Any]]:  # type: ignore[no-untyped-def]
    roll = e.service.roll(e.slug)
    _secrets, entries = credentials_for(roll)
    return credential_statement(e.state(), roll, entries), entries


def test_the_server_cannot_pad_the_authoritys_list(service, election) -> None:
    """The server (or the commission through it) adds its own credentials to the authority's
    signed list, with the counts made to match: the authority's signature no longer holds."""
    election.publish_roll()
    payload, _ = honest_list(election)
    padded = copy.deepcopy(payload)
    padded["credentials"] += [{"credential": c.to_hex(), "district": d, "weight": w} for c, d, w in phantoms(3)]
    padded["credentials"].sort(key=lambda e: e["credential"])
    padded["districts"][0]["voters"] += 3
    padded["districts"][0]["weight"] += 3
    # Counted against the signed roll first: 9 credentials for 6 voters.
    error = refused(service, election.slug, lambda: service.publish_credentials(election.slug, padded),
                    "roll_count_mismatch")
    assert "north" in error.message and "9 credentials for the 6 voters" in error.message
    # A list the size of the roll, with two real voters swapped for the server's phantoms.
    swapped = copy.deepcopy(payload)
    mine = [c.to_hex() for c, _d, _w in phantoms(2)]
    north = [e for e in swapped["credentials"] if e["district"] == "north"]
    for entry, credential in zip(north, mine):
        entry["credential"] = credential
    swapped["credentials"].sort(key=lambda e: e["credential"])
    error = refused(service, election.slug, lambda: service.publish_credentials(election.slug, swapped),
                    "bad_signature")
    assert "authority" in error.message
    # The server signs that list itself: the definition names the authority's key, not its own.
    forged = sign_payload(election.state().fingerprint, Scalar.from_int(7), AUTHORITY, "credentials_published",
                          swapped)
    refused(service, election.slug, lambda: service.publish_credentials(election.slug, forged), "bad_signature")
    service.publish_credentials(election.slug, payload)
    assert len(election.state().credentials) == 12


def test_the_authority_alone_cannot_pad_its_list(service, election) -> None:
    """The credential authority signs a list with phantoms of its own: the commission's signed roll
    has six voters in the North, so nine credentials there are refused, however it words its counts."""
    election.publish_roll()
    roll = service.roll(election.slug)
    _secrets, entries = credentials_for(roll)
    body = protocol.credential_list(election.state().definition, roll, entries)
    body["credentials"] += [{"credential": c.to_hex(), "district": d, "weight": w} for c, d, w in phantoms(3)]
    body["credentials"].sort(key=lambda e: e["credential"])
    for said in (6, 9):  # the roll's count, or the list's true count
        lying = copy.deepcopy(body)
        lying["districts"][0]["voters"] = lying["districts"][0]["weight"] = said
        refused(service, election.slug,
                lambda lying=lying: service.publish_credentials(election.slug, signed(election.state(),
                                                                "credentials_published", lying)),
                "roll_count_mismatch")
    # Issued from a padded roll of its own: the commitment is not the signed roll's.
    padded_roll = list(roll) + roll_of([("north", 1)] * 3, label="phantom")
    extra = phantoms(3)
    entries_padded = list(entries) + extra
    lying = signed(election.state(), "credentials_published",
                   protocol.credential_list(election.state().definition, padded_roll, entries_padded))
    assert lying["districts"][0]["voters"] == 9
    refused(service, election.slug, lambda: service.publish_credentials(election.slug, lying), "roll_count_mismatch")
    with pytest.raises(Refused) as info:  # checked by the service against the signed roll
        protocol.publish_credentials(election.state(), padded_roll, entries_padded, now=election.clock())
    assert info.value.code == "roll_count_mismatch"


def test_a_roll_the_commission_did_not_sign_is_refused(service, election) -> None:
    """The server forges a bigger roll (to raise the registered voters of a recall or a quorum):
    without the commission's key its signature fails; a roll signed by the commission's key but
    for another definition's fingerprint fails too."""
    roll = service.roll(election.slug)
    bigger = list(roll) + roll_of([("north", 1)] * 4, label="phantom")
    body = protocol.publish_roll(election.state().definition, bigger)
    forged = sign_payload(election.state().fingerprint, Scalar.from_int(11), COMMISSION, "roll_published", body)
    error = refused(service, election.slug, lambda: service.publish_roll(election.slug, forged), "bad_signature")
    assert "commission" in error.message
    elsewhere = sign_payload(bytes(32), identity_secret("commission"), COMMISSION, "roll_published", body)
    refused(service, election.slug, lambda: service.publish_roll(election.slug, elsewhere), "bad_signature")
    unsigned = dict(body)
    refused(service, election.slug, lambda: service.publish_roll(election.slug, unsigned), "missing_signature")
    as_authority = sign_payload(election.state().fingerprint, identity_secret("authority"), AUTHORITY,
                                "roll_published", body)
    refused(service, election.slug, lambda: service.publish_roll(election.slug, as_authority), "wrong_signer")
    # A signed statement sent with a private roll that is not the one it describes.
    honest = roll_statement(election.state(), roll)
    text = "id,name,district,weight\n" + "".join(f"{v.id},{v.name},{v.district},{v.weight}\n" for v in bigger)
    refused(service, election.slug, lambda: service.publish_roll(election.slug, honest, roll_csv=text),
            "roll_statement_mismatch")
    assert service.roll(election.slug) == roll
    assert election.state().roll is None


def test_no_credentials_before_the_signed_roll(service, election) -> None:
    payload, _ = honest_list(election)
    refused(service, election.slug, lambda: service.publish_credentials(election.slug, payload), "roll_missing")


def test_registered_voters_are_the_signed_rolls(service, election) -> None:
    """The quorum's and the recall's denominator comes from the commission's signature: the
    encrypted tally's ``registered`` is the roll's weight per district."""
    election.publish_roll()
    election.issue_credentials()
    state = election.state()
    assert [line.voters for line in state.roll] == [6, 6]
    assert state.registered_voters("north") == 6 and state.registered_voters("south") == 6
    assert state.phase.value == "ready"


def test_a_stored_roll_padded_in_the_database_gives_no_list(service, election) -> None:
    """The database operator adds voters to the private roll the service stores for the credential
    authority, after the commission signed the real one: the authority's list issued from that copy
    does not match the signed roll, so it is refused and the phantoms get no credential."""
    from vybory.store.tables import Election as ElectionRow
    from vybory.store.tables import Voter as VoterRow

    election.publish_roll()
    with service.database.transaction() as session:
        row = session.query(ElectionRow).filter_by(slug=election.slug).one()
        session.add_all(VoterRow(election_id=row.id, voter_id=f"ghost-{k}", name="Ghost", district="north",
                                 weight=1) for k in range(3))
    padded = service.roll(election.slug)
    assert len(padded) == 15
    _secrets, entries = credentials_for(padded)
    lying = credential_statement(election.state(), padded, entries)
    error = refused(service, election.slug, lambda: service.publish_credentials(election.slug, lying),
                    "roll_count_mismatch")
    assert "9 credentials for the 6 voters" in error.message
