"""The roll posted for inspection (``public_roll``), with complaints, played against the service
(SQLite and PostgreSQL): the roll's pseudonymous ids and weights on the board, checked against the
commission's signed counts and commitment; anyone's complaint on the board; the commission's signed
answer; an accepted complaint applied by a corrected roll before any credential is issued.

The liars: a commission that posts entries other than the roll it signed, or lists one voter twice;
a commission (or the server) that issues credentials while complaints wait or without the correction
it accepted; a server that forges the commission's answer; a complainant who sends nonsense."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from electionkit import (
    NOMINATIONS_CLOSE,
    PUBLIC_COUNCIL,
    ROLL,
    at,
    credential_statement,
    credentials_for,
    signed,
)
from kit import new_election, refused

from vybory import protocol
from vybory.crypto.group import Scalar
from vybory.model.definition import parse_roll
from vybory.model.roll import roll_commitment
from vybory.model.signing import COMMISSION, sign_payload
from vybory.protocol.state import pending


@pytest.fixture
def election(service):  # type: ignore[no-untyped-def]
    """The council with its roll public, nominations closed, the key ceremony done; no roll yet."""
    e = new_election(service, PUBLIC_COUNCIL)
    e.nominate_all()
    e.key_ceremony()
    e.clock.set(at(NOMINATIONS_CLOSE, days=3))
    service.close_nominations(e.slug)
    return e


def complaint(kind: str, voter: str, district: str, reason: str = "I live in the district") -> dict[str, Any]:
    return {"complaint": kind, "voter": voter, "district": district, "reason": reason}


def answers(e, *items: tuple[int, str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return signed(e.state(), "roll_complaints_answered", protocol.answer_complaints(items))


def issue(e) -> Any:  # type: ignore[no-untyped-def]
    roll = e.service.roll(e.slug)
    _secrets, entries = credentials_for(roll)
    return e.service.publish_credentials(e.slug, credential_statement(e.state(), roll, entries))


def test_the_public_roll_is_on_the_board_and_held_to_its_signed_counts(service, election) -> None:
    election.publish_roll()
    state = election.state()
    north = state.roll[0]
    assert north.entries == tuple((f"n{i}", 1) for i in range(1, 7))
    assert state.registered_voters("north") == 6
    # The commission signs entries other than the roll its counts and commitment describe.
    body = protocol.publish_roll(state.definition, parse_roll(ROLL, state.definition))
    lying = copy.deepcopy(body)
    lying["districts"][0]["entries"][-1] = ["phantom", 1]
    refused(service, election.slug, lambda: service.publish_roll(election.slug, signed(state, "roll_published", lying)),
            "roll_entries_mismatch")
    # One voter on two districts' lists (each line's counts and commitment made to match).
    twice = copy.deepcopy(body)
    south = twice["districts"][1]
    south["entries"] = sorted(south["entries"] + [["n1", 1]])
    south.update(voters=7, weight=7, weights=[[1, 7]],
                 commitment=roll_commitment((i, w) for i, w in south["entries"]))
    error = refused(service, election.slug,
                    lambda: service.publish_roll(election.slug, signed(state, "roll_published", twice)),
                    "roll_duplicate_voter")
    assert "n1" in error.message
    # A public roll without its entries.
    bare = copy.deepcopy(body)
    for line in bare["districts"]:
        del line["entries"]
    error = refused(service, election.slug,
                    lambda: service.publish_roll(election.slug, signed(state, "roll_published", bare)),
                    "invalid_input")
    assert error.field == "districts[0]"


def test_a_private_roll_never_carries_entries(service) -> None:  # type: ignore[no-untyped-def]
    e = new_election(service)
    state = e.state()
    public = copy.deepcopy(protocol.publish_roll(state.definition, service.roll(e.slug)))
    public["districts"][0]["entries"] = [["n1", 1]]
    error = refused(service, e.slug, lambda: service.publish_roll(e.slug, signed(state, "roll_published", public)),
                    "invalid_input")
    assert error.field == "districts[0]"
    refused(service, e.slug, lambda: service.file_roll_complaint(e.slug, complaint("left_off", "x", "north")),
            "roll_not_public")


def test_a_complaint_accepted_is_applied_before_any_credential(service, election) -> None:
    e = election
    refused(service, e.slug, lambda: service.file_roll_complaint(e.slug, complaint("left_off", "n7", "north")),
            "roll_missing")
    e.publish_roll()
    left_off = service.file_roll_complaint(e.slug, complaint("left_off", "n7", "north"))
    wrong = service.file_roll_complaint(e.slug, complaint("not_eligible", "s6", "south", "moved away in 2019"))
    assert (left_off.kind, wrong.kind) == ("roll_complaint", "roll_complaint")
    assert service.head(e.slug).position == wrong.position
    # Nonsense complaints change nothing.
    refused(service, e.slug, lambda: service.file_roll_complaint(e.slug, complaint("left_off", "n1", "north")),
            "complaint_voter_listed")
    refused(service, e.slug, lambda: service.file_roll_complaint(e.slug, complaint("not_eligible", "nobody", "south")),
            "complaint_voter_not_listed")
    refused(service, e.slug, lambda: service.file_roll_complaint(e.slug, complaint("left_off", "n7", "north")),
            "complaint_duplicate")
    error = refused(service, e.slug, lambda: service.file_roll_complaint(e.slug, complaint("left_off", "x", "east")),
                    "invalid_input")
    assert error.field == "district"
    error = refused(service, e.slug, lambda: service.file_roll_complaint(e.slug, complaint("left_off", "x", "north", "")),
                    "invalid_input")
    assert error.field == "reason"
    error = refused(service, e.slug, lambda: service.file_roll_complaint(e.slug, complaint("moved", "x", "north")),
                    "invalid_input")
    assert error.field == "complaint"
    # Who has not acted: the commission, for each complaint.
    waiting = [p.action for p in pending(e.state(), e.clock()) if p.role == "commission"]
    assert any(f"complaint {left_off.position}" in w for w in waiting)
    assert any(f"complaint {wrong.position}" in w for w in waiting)
    # No credential while a complaint waits.
    error = refused(service, e.slug, lambda: issue(e), "roll_complaints_open")
    assert str(left_off.position) in error.message
    # A rejection needs its reason; an unknown complaint is no complaint.
    for bad, code in ((((wrong.position, "rejected", ""),), "invalid_input"),
                      (((wrong.position - 3, "rejected", "no"),), "answer_unknown_complaint"),
                      (((wrong.position, "rejected", "a"), (wrong.position, "accepted", "")), "answer_twice")):
        refused(service, e.slug, lambda bad=bad: service.answer_roll_complaints(e.slug, answers(e, *bad)), code)
    # The server forges the commission's answer: unsigned, or signed with a key that is not the commission's.
    body = protocol.answer_complaints([(left_off.position, "rejected", "not a resident")])
    refused(service, e.slug, lambda: service.answer_roll_complaints(e.slug, body), "missing_signature")
    forged = sign_payload(e.state().fingerprint, Scalar.from_int(12345), COMMISSION, "roll_complaints_answered", body)
    refused(service, e.slug, lambda: service.answer_roll_complaints(e.slug, forged), "bad_signature")
    # The commission answers: the first accepted, the second rejected with its reason.
    service.answer_roll_complaints(e.slug, answers(e, (left_off.position, "accepted", "n7 is a resident"),
                                                      (wrong.position, "rejected", "s6 still lives there")))
    refused(service, e.slug, lambda: service.answer_roll_complaints(
        e.slug, answers(e, (wrong.position, "accepted", ""))), "answer_twice")
    # Accepted but not applied: still no credential, and the commission is asked for a corrected roll.
    refused(service, e.slug, lambda: issue(e), "complaint_not_applied")
    assert any("corrected roll" in p.action for p in pending(e.state(), e.clock()))
    corrected = ROLL + "n7,Voter north 7,north,1\n"
    service.publish_roll(e.slug, signed(e.state(), "roll_published",
                                        protocol.publish_roll(e.state().definition,
                                                              parse_roll(corrected, e.state().definition))),
                         roll_csv=corrected)
    assert e.state().registered_voters("north") == 7
    issue(e)
    assert len(e.state().credentials) == 13
    # The roll is closed: no complaint, answer or roll after the credentials.
    refused(service, e.slug, lambda: service.file_roll_complaint(e.slug, complaint("left_off", "n8", "north")),
            "roll_after_credentials")
