"""A key ceremony that fails (fewer than k qualify) or stalls is restarted by the commission, on the
record; each adversary of the restart plays its lie against the server's checks (spec §5.8)."""

from __future__ import annotations

from typing import Any

import pytest
from electionkit import (
    T0,
    VOTING_OPEN,
    Board,
    at,
    bad_shares_to,
    council,
    identity_secret,
    key_ceremony_steps,
    rng,
    signed,
    signing_key,
)

from vybory import protocol
from vybory.crypto import threshold
from vybory.crypto.group import Point
from vybory.errors import InvalidInput, Refused, VyboryError
from vybory.model.definition import Trustee
from vybory.model.signing import COMMISSION, sign_payload
from vybory.protocol.state import pending

LATER = at(T0, hours=1)


def failed_attempt(dealers: tuple[int, ...] = (1, 2, 3)) -> Board:
    """The council's ceremony (n = 5, k = 3) in which ``dealers`` send garbage to trustee 5: each is
    disqualified by trustee 5's justified complaint, and the attempt fails when 3 of them cheat."""
    board = Board(council())
    key_ceremony_steps(lambda: board.state, lambda kind, p: board.append(kind, p, T0), T0, "attempt-1",
                       bad_shares_to(lambda: board.state, 5, dealers))
    return board


def newcomer(seat_of: Trustee, ident: str) -> Trustee:
    """A replacement for ``seat_of`` from the same organisation, with its own identity key."""
    return Trustee(ident, ident.capitalize(), seat_of.organisation, Point.from_hex(signing_key("trustee", ident), "k"))


def commission_signs(board: Board, payload: dict[str, Any]) -> dict[str, Any]:
    return signed(board.state, "key_ceremony_restarted", payload)


def restart(board: Board, replacements: dict[int, Trustee] | None = None, now: Any = LATER,
            reason: str = "three trustees sent bad shares; their organisations name new trustees") -> Any:
    payload = protocol.restart_key_ceremony(board.state, reason=reason, now=now, replacements=replacements)
    return board.append("key_ceremony_restarted", commission_signs(board, payload), now)


def refused(board: Board, kind: str, payload: dict[str, Any], code: str | None = None, now: Any = LATER,
            error: type[VyboryError] = Refused) -> VyboryError:
    before = len(board.events)
    with pytest.raises(error) as caught:
        board.append(kind, payload, now)
    if code is not None:
        assert caught.value.code == code, caught.value
    assert str(caught.value) and len(board.events) == before
    return caught.value


def test_a_failed_attempt_is_restarted_with_replacements_and_then_completes() -> None:
    board = failed_attempt()
    state = board.state
    with pytest.raises(VyboryError):
        protocol.complete_key_ceremony(state, now=LATER)
    assert state.keys.completed is None  # nominations are open beside it: the phase says nominations
    waiting = [p for p in pending(state, LATER) if p.role == "commission"]
    assert any("restart the key ceremony: only 2 trustees qualified in attempt 1, 3 needed" in p.action for p in waiting)
    seats = state.trustees
    event = restart(board, {1: newcomer(seats[0], "alla"), 3: newcomer(seats[2], "cyril")})
    payload = event.payload
    assert payload["attempt"] == 2 and payload["signed"]["signer"] == COMMISSION
    assert payload["outcome"] == {"result": "failed", "qualified": [4, 5],
                                  "disqualified": {"1": "justified complaint by trustee 5",
                                                   "2": "justified complaint by trustee 5",
                                                   "3": "justified complaint by trustee 5"},
                                  "false_complaints": []}
    assert [t["id"] for t in payload["trustees"]] == ["alla", "boris", "cyril", "dmitri", "elena"]
    state = board.state
    assert state.attempt == 2 and state.trustees[0].id == "alla" and state.ceremony_fingerprint != state.fingerprint
    assert state.keys.messaging_keys == {} and len(state.attempts) == 1
    secrets = key_ceremony_steps(lambda: board.state, lambda kind, p: board.append(kind, p, LATER), LATER, "attempt-2")
    assert all(s.attempt == 2 for s in secrets.values())
    assert board.state.keys.shares[1][0].to_json() and "attempt" in board.events[-1].payload
    done = board.append("key_ceremony_completed", protocol.complete_key_ceremony(board.state, now=LATER), LATER)
    assert done.payload["attempt"] == 2 and done.payload["qualified"] == [1, 2, 3, 4, 5]
    assert board.replayed().public_key == board.state.public_key
    # Each trustee of attempt 2 derives its share; an attempt-1 key file is refused by name.
    for s in secrets.values():
        protocol.trustee_secret_share(board.state, s)


def test_a_restart_of_a_ceremony_that_succeeded_is_refused() -> None:
    # The commission dislikes honest trustee 3 and restarts a completed ceremony to drop it.
    board = failed_attempt(dealers=())
    board.append("key_ceremony_completed", protocol.complete_key_ceremony(board.state, now=T0), T0)
    with pytest.raises(Refused) as caught:
        protocol.restart_key_ceremony(board.state, reason="we prefer someone else", now=LATER)
    assert caught.value.code == "key_ceremony_completed"
    # Signed by the commission itself, the payload it would have made is refused at the door too.
    forged = {"attempt": 2, "outcome": {"result": "failed", "qualified": [1, 2, 4, 5],
                                        "disqualified": {"3": "no reveal"}, "false_complaints": []},
              "reason": "we prefer someone else", "trustees": [t.to_json() for t in board.state.trustees],
              "at": "2025-03-01T10:00:00Z"}
    refused(board, "key_ceremony_restarted", commission_signs(board, forged), "key_ceremony_completed")


def test_a_running_ceremony_cannot_be_restarted_before_its_deadline() -> None:
    board = Board(council())
    for t in board.state.trustees:
        s = protocol.new_trustee_secrets(board.state, t.id, rng(f"slow-{t.id}"),
                                         signing_secret=identity_secret("trustee", t.id))
        board.append("trustee_key", protocol.publish_trustee_key(board.state, s, now=T0), T0)
    with pytest.raises(Refused) as caught:
        protocol.restart_key_ceremony(board.state, reason="impatient", now=LATER)
    assert caught.value.code == "key_ceremony_not_failed" and "2025-03-20T06:00:00Z" in str(caught.value)
    # After the deadline it has stalled: the trustees who have not acted may be replaced, no one else.
    late = at(VOTING_OPEN, minutes=1)
    assert any("stalled past its deadline" in p.action for p in pending(board.state, late))
    outcome = protocol.attempt_outcome(board.state, late)
    assert outcome == {"result": "stalled", "deadline": "2025-03-20T06:00:00Z",
                       "waiting": {str(j): "dkg_commitment_hash" for j in range(1, 6)}}
    event = restart(board, {2: newcomer(board.state.trustees[1], "bogdan")}, now=late, reason="nobody committed")
    # A restarted attempt's deadline is repeat_days (14) after the restart.
    assert board.state.ceremony_deadline() == at(late, days=14)
    assert event.payload["trustees"][1]["id"] == "bogdan"


def test_replacing_a_trustee_who_qualified_is_refused() -> None:
    # Trustees 4 and 5 qualified in the failed attempt: the commission cannot swap 4 for its own person.
    board = failed_attempt()
    seats = board.state.trustees
    with pytest.raises(Refused) as caught:
        protocol.restart_key_ceremony(board.state, reason="r", now=LATER, replacements={4: newcomer(seats[3], "ours")})
    assert caught.value.code == "restart_replaces_qualified" and caught.value.field == "trustees[3]"
    # Nor through a payload it made and signed itself.
    payload = protocol.restart_key_ceremony(board.state, reason="r", now=LATER)
    payload["trustees"][3] = newcomer(seats[3], "ours").to_json()
    refused(board, "key_ceremony_restarted", commission_signs(board, payload), "restart_replaces_qualified")


@pytest.mark.parametrize(("change", "code", "field"), [
    # A replacement from another organisation: the commission packs seats with its own people.
    (lambda seats: {1: Trustee("ivan", "Ivan", "youth", newcomer(seats[0], "ivan").signing_key)},
     "restart_organisation", "trustees[0].organisation"),
    # A replacement carrying the identity key of trustee 4 (one person, two seats).
    (lambda seats: {1: Trustee("ivan", "Ivan", "union", seats[3].signing_key)}, "restart_trustee_reused",
     "trustees[0].signing_key"),
    # The commission's own key in a trustee's seat.
    (lambda seats: {1: Trustee("ivan", "Ivan", "union", Point.base_mul(identity_secret("commission")))},
     "restart_trustee_reused", "trustees[0].signing_key"),
    # The id of a trustee who sits elsewhere.
    (lambda seats: {1: Trustee("elena", "Elena 2", "union", newcomer(seats[0], "x").signing_key)},
     "restart_trustee_reused", "trustees[0].id"),
])
def test_replacements_keep_the_rules_on_trustees(change: Any, code: str, field: str) -> None:
    board = failed_attempt()
    with pytest.raises(Refused) as caught:
        protocol.restart_key_ceremony(board.state, reason="r", now=LATER, replacements=change(board.state.trustees))
    assert caught.value.code == code and caught.value.field == field


@pytest.mark.parametrize(("edit", "code", "error"), [
    (lambda p: p.pop("signed"), "missing_signature", Refused),
    (lambda p: p["signed"].update(response=p["signed"]["commitment"][:64]), "bad_signature", Refused),
    (lambda p: p.update(reason="another reason than the one signed"), "bad_signature", Refused),
    (lambda p: p["signed"].update(signer="trustee/4"), "wrong_signer", Refused),
    (lambda p: p.update(attempt=3), "wrong_attempt", Refused),
    (lambda p: p["outcome"].update(qualified=[5]), "restart_outcome_mismatch", Refused),
    (lambda p: p["outcome"].update(result="stalled"), "restart_outcome_mismatch", Refused),
    (lambda p: p.update(reason=" "), None, InvalidInput),
    (lambda p: p.update(trustees=p["trustees"][:4]), "restart_trustee_count", Refused),
    (lambda p: p["trustees"][0].update(signing_key="00" * 32), None, InvalidInput),
    (lambda p: p["trustees"][0].pop("name"), None, InvalidInput),
    (lambda p: p.update(extra=1), None, InvalidInput),
])
def test_a_forged_or_malformed_restart_is_refused_and_changes_nothing(edit: Any, code: str | None,
                                                                      error: type[VyboryError]) -> None:
    board = failed_attempt()
    payload = commission_signs(board, protocol.restart_key_ceremony(board.state, reason="bad shares", now=LATER))
    if code in ("missing_signature", "bad_signature", "wrong_signer"):
        edit(payload)  # the server (or anyone) alters what the commission signed
    else:
        body = {k: v for k, v in payload.items() if k != "signed"}
        edit(body)
        payload = commission_signs(board, body)  # the commission signs its own lie
    refused(board, "key_ceremony_restarted", payload, code, error=error)
    assert board.state.attempt == 1


def test_a_restart_signed_by_a_trustee_instead_of_the_commission_is_refused() -> None:
    board = failed_attempt()
    body = protocol.restart_key_ceremony(board.state, reason="bad shares", now=LATER)
    fake = sign_payload(board.state.fingerprint, identity_secret("trustee", "elena"), COMMISSION,
                        "key_ceremony_restarted", body, rng("fake"))
    refused(board, "key_ceremony_restarted", fake, "bad_signature")


def attempt_two() -> tuple[Board, list[Any], dict[int, Any]]:
    """A failed attempt 1 (its events kept), restarted with the same trustees, then attempt 2 up to
    its reveals; returns the board, attempt 1's events and attempt 2's secrets."""
    board = failed_attempt()
    first = list(board.events)
    restart(board, reason="the three trustees will try again")
    secrets = {}
    for t in board.state.trustees:
        s = protocol.new_trustee_secrets(board.state, t.id, rng(f"again-{t.id}"),
                                         signing_secret=identity_secret("trustee", t.id))
        secrets[s.trustee] = s
        board.append("trustee_key", protocol.publish_trustee_key(board.state, s, now=LATER), LATER)
        board.append("dkg_commitment_hash", protocol.publish_commitment_hash(board.state, s, now=LATER), LATER)
    return board, first, secrets


def test_the_server_cannot_replay_attempt_1_messages_into_attempt_2() -> None:
    board, first, _ = attempt_two()
    for old in first:
        if old.kind.value not in ("trustee_key", "dkg_commitment_hash", "dkg_commitments", "dkg_shares",
                                  "dkg_complaint"):
            continue
        # As it was signed: it names no attempt, so it is attempt 1's.
        refused(board, old.kind.value, dict(old.payload), "wrong_attempt")
        # Relabelled by the server: the trustee's signature does not cover the new label.
        relabelled = {**old.payload, "attempt": 2}
        with pytest.raises(VyboryError):
            board.append(old.kind.value, relabelled, LATER)
    # A reveal from attempt 1, relabelled and even re-signed by its own trustee (a trustee mixing up
    # its attempts), does not match the attempt-2 commitment: the transcripts differ.
    old_reveal = next(e for e in first if e.kind.value == "dkg_commitments" and e.payload["trustee"] == 4)
    body = {k: v for k, v in old_reveal.payload.items() if k not in ("signed", "at")}
    body["attempt"] = 2
    error = refused(board, "dkg_commitments", signed(board.state, "dkg_commitments", body), error=VyboryError)
    assert "phase-1 digest" in str(error)


def test_a_disqualified_trustees_old_key_file_and_messages_do_not_mix_into_attempt_2() -> None:
    board = failed_attempt()
    # Trustee 1's attempt-1 key file (its secrets drawn for attempt 1): its software refuses it.
    old = protocol.new_trustee_secrets(Board(council()).state, "anna", rng("attempt-1-anna"),
                                       signing_secret=identity_secret("trustee", "anna"))
    restart(board, {1: newcomer(board.state.trustees[0], "alla")})
    # Seat 1 now belongs to alla: anna's identity key no longer signs for it.
    with pytest.raises(Refused) as caught:
        protocol.publish_trustee_key(board.state, old, now=LATER)
    assert caught.value.code == "wrong_identity_key"
    # Trustee 2 kept its seat: its attempt-1 key file is refused for being attempt 1's.
    kept = protocol.new_trustee_secrets(Board(council()).state, "boris", rng("x"),
                                        signing_secret=identity_secret("trustee", "boris"))
    with pytest.raises(Refused) as caught:
        protocol.publish_trustee_key(board.state, kept, now=LATER)
    assert caught.value.code == "wrong_attempt"
    # A seat-1 message made and signed with anna's key (the seat's old holder) is refused: the seat's
    # signing key is now alla's.
    mine = threshold.new_trustee(1, 3, rng("anna-again"), signing_secret=identity_secret("trustee", "anna"), attempt=2)
    message = {"trustee": 1, "attempt": 2,
               "messaging_key": threshold.generate_messaging_key(board.state.ceremony_fingerprint, mine).to_json()}
    as_anna = sign_payload(board.state.fingerprint, identity_secret("trustee", "anna"), "trustee/1", "trustee_key",
                           message, rng("anna"))
    refused(board, "trustee_key", as_anna, "bad_signature")


def test_the_board_replays_to_the_same_state_with_a_restart() -> None:
    board, _, _ = attempt_two()
    again = board.replayed()
    assert again.attempt == 2 and again.ceremony_fingerprint == board.state.ceremony_fingerprint
    assert [t.id for t in again.trustees] == [t.id for t in board.state.trustees]
