"""Opening and closing rounds, and accepting ballots into them.

Round 1 lists every contest with the candidates of ``nominations_closed``
(motions: none), opens at ``deadlines.voting_open`` and closes at
``deadlines.voting_close``. Later rounds (runoffs, repeats) are announced by
``outcome_declared`` and opened by :func:`open_next_round`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vybory.crypto.group import Point
from vybory.errors import InvalidBallot, InvalidInput, Refused
from vybory.model.ballot import Ballot, tracking_code
from vybory.model.definition import format_time, parse_time
from vybory.model.layout import Layout
from vybory.protocol._common import at, refuse
from vybory.protocol.encrypt import district_layouts
from vybory.protocol.state import ElectionState, RoundState, ciphertext_key
from vybory.text import joined, say
from vybory.verify import ballot as ballot_check
from vybory.verify.digests import ciphertext_digest


def open_round(state: ElectionState, *, now: datetime, booth: str | None = None) -> dict[str, Any]:
    """Payload of ``round_opened`` for round 1; ``booth``: the SHA-256 (hex) of the voting booth
    the server serves, recorded when given.

    Refused until the nominations are closed, the key ceremony completed and
    the credentials published, once a round exists, and after the voting deadline.
    """
    d = state.definition
    if state.rounds:
        raise refuse(say("round 1 is already open"), field="round", code="round_exists")
    missing = []
    if not state.nominations_closed:
        missing.append(say("the nominations are not closed"))
    if state.keys.completed is None:
        missing.append(say("the key ceremony is not completed"))
    if not state.credentials_published:
        missing.append(say("the credentials are not published"))
    if missing:
        raise Refused(say("voting cannot open: %(reasons)s", reasons=joined(missing)), field="round", code="not_ready")
    if now >= d.deadlines.voting_close:
        raise refuse(say("the voting deadline %(time)s has passed", time=format_time(d.deadlines.voting_close)),
                     field="round", code="deadline_passed")
    contests = [{"contest": c.id, "kind": "first", "seats": c.seats,
                 "candidates": list(state.ballot_candidates.get(c.id, ()))} for c in d.contests]
    return _with_booth({"round": 1, "contests": contests, "opens_at": format_time(d.deadlines.voting_open),
                        "closes_at": format_time(d.deadlines.voting_close), "at": at(now)}, booth)


def open_next_round(state: ElectionState, *, now: datetime, booth: str | None = None) -> dict[str, Any]:
    """Payload of ``round_opened`` for the round announced by the last ``outcome_declared``.

    It opens at once and lasts ``runoff_days`` (or ``repeat_days`` when it
    holds only repeat contests; the longer when it holds both).
    """
    current = state.current_round
    if current is None or current.outcomes is None or not current.outcomes.get("next_round"):
        raise refuse(say("no further round has been announced"), field="round", code="no_next_round")
    if current.number + 1 in state.rounds:
        raise refuse(say("round %(round)s is already open", round=current.number + 1), field="round", code="round_exists")
    announced = current.outcomes["next_round"]
    d = state.definition.deadlines
    kinds = {c["kind"] for c in announced["contests"]}
    days = max((d.runoff_days if k == "runoff" else d.repeat_days) for k in kinds)
    from datetime import timedelta

    return _with_booth({"round": announced["round"], "contests": [dict(c) for c in announced["contests"]],
                        "opens_at": format_time(now), "closes_at": format_time(now + timedelta(days=days)),
                        "at": at(now)}, booth)


def _with_booth(payload: dict[str, Any], booth: str | None) -> dict[str, Any]:
    """``payload`` with the booth's SHA-256 (64 lower-case hex digits) when one is given."""
    if booth is not None:
        if not isinstance(booth, str) or len(booth) != 64 or any(ch not in "0123456789abcdef" for ch in booth):
            raise InvalidInput(say("must be the booth's SHA-256, 64 lower-case hexadecimal digits"), field="booth")
        payload["booth"] = booth
    return payload


def _round_for_close(state: ElectionState, number: int) -> RoundState:
    rnd = state.round(number)
    if rnd.closed:
        raise refuse(say("round %(round)s is already closed", round=number), field="round", code="round_closed")
    return rnd


def voters_in_round(state: ElectionState, rnd: RoundState) -> set[str]:
    """The public credentials of the districts the round has contests in."""
    districts = rnd.districts(state.definition)
    return {c for c, e in state.credentials.items() if e.district in districts}


def close_round(state: ElectionState, *, round: int, now: datetime) -> dict[str, Any]:
    """Payload of ``round_closed``: at or after the round's deadline, or earlier once every
    credential of the round's districts has voted."""
    rnd = _round_for_close(state, round)
    voters = voters_in_round(state, rnd)
    everyone = voters <= set(rnd.last_ballot)
    if now < rnd.closes_at and not everyone:
        raise refuse(say("round %(round)s is open until %(time)s (%(voted)s of %(all)s voters have "
                         "voted)", round=round, time=format_time(rnd.closes_at),
                         voted=len(rnd.last_ballot), all=len(voters)),
                     field="round", code="round_still_open")
    return {"round": round, "voters": len(rnd.last_ballot), "ballots": rnd.ballots_cast,
            "early": now < rnd.closes_at, "at": at(now)}


@dataclass(frozen=True, slots=True)
class BallotStatement:
    """What a ballot's signature and proofs are checked against, taken from the board: the
    election's fingerprint and public key, the round and the layouts of the credential's contests.

    None of these change while a round is open, so the proofs can be checked against a statement
    read before the board's writer lock is taken; :func:`admit_ballot` takes the statement again
    inside the lock and checks the proofs again only if it differs.
    """

    fingerprint: bytes
    public_key: Point
    round: int
    layouts: tuple[Layout, ...]


def ballot_statement(state: ElectionState, ballot: Ballot, *, now: datetime,
                     code: str | None = None) -> BallotStatement:
    """The cheap checks of ``ballot`` against the board, in the order of :func:`check_ballot`
    (fingerprint, round open, credential listed, re-vote rule, replay), and the statement its
    proofs are checked against. ``code``: the ballot's tracking code, if already computed."""
    if ballot.election != state.fingerprint:
        raise InvalidBallot(say("this ballot is for another election (its fingerprint differs)"),
                            field="ballot.election", code="wrong_election")
    rnd = state.rounds.get(ballot.round)
    if rnd is None:
        raise Refused(say("there is no round %(round)s", round=ballot.round), field="ballot.round", code="no_such_round")
    if rnd.closed or now >= rnd.closes_at:
        raise Refused(say("voting in round %(round)s closed at %(time)s", round=rnd.number,
                          time=format_time(rnd.closed_at or rnd.closes_at)), field="ballot.round",
                      code="round_closed")
    if now < rnd.opens_at:
        raise Refused(say("voting in round %(round)s opens at %(time)s", round=rnd.number,
                          time=format_time(rnd.opens_at)),
                      field="ballot.round", code="round_not_open")
    credential = ballot.credential.to_hex()
    entry = state.credentials.get(credential)
    if entry is None:
        raise InvalidBallot(say("this credential is not on the published list"), field="ballot.credential",
                            code="unknown_credential")
    layouts = district_layouts(state, rnd, entry.district)
    home = state.definition.district(entry.district).name
    if not layouts:
        raise Refused(say("this credential belongs to district %(district)s, which has no contest in "
                          "round %(round)s: there is nothing for it to vote on", district=repr(home),
                          round=rnd.number), field="ballot.credential",
                      code="no_contest_in_district")
    filled = {c.district for c in state.definition.contests
              if c.id in {part.contest for part in ballot.contests}}
    if filled and entry.district not in filled:
        names = ", ".join(repr(state.definition.district(d).name) for d in sorted(filled))
        raise Refused(say("this credential belongs to district %(district)s, but the ballot was filled "
                          "in for %(filled)s: go back to the district choice, choose %(district)s and "
                          "fill in its ballot", district=repr(home), filled=names),
                      field="ballot.credential", code="wrong_district")
    if credential in rnd.last_ballot and not state.definition.revote:
        raise Refused(say("this credential has already voted in this round and this election does "
                          "not allow voting again"), field="ballot.credential", code="revote_forbidden")
    if (code or tracking_code(ballot)) in state.tracking_codes:
        raise InvalidBallot(say("this exact ballot is already on the board"), field="ballot",
                            code="replayed_ballot")
    for part in ballot.contests:
        for selection in part.selections:
            if ciphertext_digest(ciphertext_key(selection.ciphertext)) in state.ciphertexts_seen:
                raise InvalidBallot(say("contest %(contest)s: a ciphertext of this ballot is already "
                                        "on the board (a replayed ballot)", contest=repr(part.contest)), field="ballot.contests",
                                    code="replayed_ciphertext")
    assert state.public_key is not None
    return BallotStatement(state.fingerprint, state.public_key, rnd.number, layouts)


def check_ballot_proofs(ballot: Ballot, statement: BallotStatement) -> None:
    """The signature and every proof of ``ballot`` (:func:`vybory.verify.ballot.check_ballot`)
    against ``statement``: the costly part, which needs no lock on the board."""
    ballot_check.check_ballot(ballot, fingerprint=statement.fingerprint, public_key=statement.public_key,
                              round=statement.round, layouts=statement.layouts)


def admit_ballot(state: ElectionState, ballot: Ballot, *, now: datetime, checked: BallotStatement,
                 body: dict[str, Any] | None = None, code: str | None = None) -> dict[str, Any]:
    """Payload of ``ballot_cast`` for a ``ballot`` whose proofs were checked against ``checked``:
    the cheap checks again against the board as it is now; the proofs again only if the statement
    is no longer the one they were checked against. ``body`` (``ballot.to_json()``) and ``code``
    (its tracking code), when the caller worked them out before taking the lock, are not
    worked out again."""
    body = ballot.to_json() if body is None else body
    code = tracking_code(ballot, body=body) if code is None else code
    statement = ballot_statement(state, ballot, now=now, code=code)
    if statement != checked:
        check_ballot_proofs(ballot, statement)
    return {"ballot": body, "tracking_code": code, "at": at(now)}


def check_ballot(state: ElectionState, ballot: Ballot | Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """Payload of ``ballot_cast`` for ``ballot``, or a refusal naming what is wrong.

    Checks, in order: the election's fingerprint; the round exists and is open
    at ``now``; the credential is listed; re-voting is allowed if the
    credential has voted in this round; no ciphertext of the ballot is already
    on the board (replay); then the signature and every proof
    (:func:`vybory.verify.ballot.check_ballot`).
    """
    if not isinstance(ballot, Ballot):
        ballot = Ballot.from_json(ballot)
    statement = ballot_statement(state, ballot, now=now)
    check_ballot_proofs(ballot, statement)
    return {"ballot": ballot.to_json(), "tracking_code": tracking_code(ballot), "at": at(now)}


def time_of(payload: Mapping[str, Any]) -> datetime:
    try:
        return parse_time(payload.get("at"))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="at") from None


__all__ = ["BallotStatement", "admit_ballot", "ballot_statement", "check_ballot", "check_ballot_proofs", "close_round", "open_next_round", "open_round", "voters_in_round"]
