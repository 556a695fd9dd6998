"""Voter credentials: a printable secret per voter, and the public list on the board.

The credential authority draws one secret per voter: 24 characters of the
RFC 4648 base32 alphabet (120 bits), printed in six groups of four
(``ABCD-EFGH-...``). The secret scalar is ``s = H("VYBORY-V1-CREDENTIAL",
normalised text)`` (SHA-512, length-prefixed, reduced mod ℓ); the public
credential is ``g^s``. Only the public credentials, each with its district and
weight, go on the board (``credentials_published``), sorted, without any
identity. The server never sees a secret credential.

Before it, the commission publishes the signed roll (``roll_published``): per
district the number of voters, their weights and a commitment to the list of
roll numbers with weights (:mod:`vybory.model.roll`). The authority's list
repeats the counts and the commitment of the roll it issued from, and must
match the signed roll district by district, weights included.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from vybory.crypto.group import Point, Rng, Scalar, hash_to_scalar
from vybory.errors import InvalidInput, Refused
from vybory.model.definition import Definition, Voter
from vybory.model.roll import (
    find_voter,
    read_answers,
    read_complaint,
    read_roll,
    read_summary,
    roll_differences,
    summarise_roll,
)
from vybory.protocol._common import at, refuse
from vybory.protocol.state import ElectionState
from vybory.text import say

CREDENTIAL_TAG = b"VYBORY-V1-CREDENTIAL"
SECRET_CHARS = 24
GROUP = 4
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def generate_credential(rng: Rng | None = None) -> tuple[str, Point]:
    """A fresh ``(secret text, public credential)``; the text is what the voter receives."""
    import secrets as _secrets

    draw = rng if rng is not None else _secrets.token_bytes
    raw = draw(15)
    if len(raw) != 15:
        raise InvalidInput(say("the random source returned the wrong number of bytes"), field="rng")
    text = base64.b32encode(raw).decode("ascii")
    secret = "-".join(text[i:i + GROUP] for i in range(0, SECRET_CHARS, GROUP))
    return secret, public_credential(secret)


def normalise_secret(text: str) -> str:
    """The 24 characters of a secret credential, upper case, without spaces or dashes.

    Raises :class:`~vybory.errors.InvalidInput` for anything else (wrong
    length, a character outside the alphabet: 0, 1, 8 and 9 are never used).
    """
    if not isinstance(text, str):
        raise InvalidInput(say("must be text"), field="credential")
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\n")
    if len(cleaned) != SECRET_CHARS:
        raise InvalidInput(say("a secret credential has %(secret_chars)s letters and digits, not %(count)s", secret_chars=SECRET_CHARS, count=len(cleaned)), field="credential")
    bad = sorted({ch for ch in cleaned if ch not in ALPHABET})
    if bad:
        raise InvalidInput(say("a secret credential uses only A-Z and 2-7; found %(names)s", names=', '.join(bad)),
                           field="credential")
    return cleaned


def credential_scalar(secret_text: str) -> Scalar:
    """The secret scalar s of a printed credential."""
    s = hash_to_scalar(CREDENTIAL_TAG, normalise_secret(secret_text).encode("ascii"))
    if s.is_zero():
        raise InvalidInput(say("this credential cannot be used"), field="credential")
    return s


def public_credential(secret_text: str) -> Point:
    """g^s for the printed credential."""
    return Point.base_mul(credential_scalar(secret_text))


def issue_credentials(voters: Iterable[Voter], rng: Rng | None = None) -> list[tuple[Voter, str, Point]]:
    """One fresh credential per voter: ``(voter, secret text, public credential)``.

    The list with secrets goes to the printer (or mail merge) and is then
    destroyed; only the public side is published (:func:`publish_credentials`).
    """
    out = []
    for voter in voters:
        secret, public = generate_credential(rng)
        out.append((voter, secret, public))
    return out


def publish_roll(definition: Definition, voters: Sequence[Voter]) -> dict[str, Any]:
    """The body of ``roll_published`` (to be signed by the commission) for the roll ``voters``:
    every district's size, weights and commitment; no name and no roll number."""
    return {"districts": [line.to_json() for line in summarise_roll(definition, voters)]}


def check_roll(state: ElectionState, payload: Mapping[str, Any]) -> None:
    """Refuses a roll after the credentials, a roll without voters, or a malformed one
    (:func:`vybory.model.roll.read_roll`). A roll published again before the credentials
    replaces the one before (a corrected roll); the record keeps both."""
    if state.credentials_published:
        raise refuse(say("the credentials are already published: the roll can no longer change"), field="districts",
                     code="roll_after_credentials")
    roll = read_roll(state.definition, payload.get("districts"))
    if not any(line.voters for line in roll):
        raise InvalidInput(say("the roll has no voter"), field="districts", code="roll_empty")


def check_complaint(state: ElectionState, payload: Mapping[str, Any]) -> None:
    """Refuses a complaint unless the definition publishes the roll (``roll_not_public``), a roll is on the
    board (``roll_missing``) and the credentials are not (``roll_after_credentials``); a ``left_off`` complaint
    must name a voter not on that district's roll (``complaint_voter_listed``), a ``not_eligible`` one an entry
    that is (``complaint_voter_not_listed``); the same complaint may not wait twice (``complaint_duplicate``)."""
    if not state.definition.public_roll:
        raise refuse(say("this election does not publish its roll for inspection"), field="complaint",
                     code="roll_not_public")
    if state.credentials_published:
        raise refuse(say("the credentials are already published: the roll can no longer change"), field="complaint",
                     code="roll_after_credentials")
    if state.roll is None:
        raise refuse(say("the commission has not published the roll yet"), field="complaint", code="roll_missing")
    complaint = read_complaint(state.definition, payload)
    found = find_voter(state.roll, complaint.voter)
    if complaint.complaint == "left_off" and found is not None and found[0] == complaint.district:
        raise Refused(say("voter %(voter)s is on the roll of %(district)s", voter=repr(complaint.voter),
                          district=repr(complaint.district)), field="voter", code="complaint_voter_listed")
    if complaint.complaint == "not_eligible" and (found is None or found[0] != complaint.district):
        raise Refused(say("voter %(voter)s is not on the roll of %(district)s", voter=repr(complaint.voter),
                          district=repr(complaint.district)), field="voter", code="complaint_voter_not_listed")
    for waiting in state.open_complaints():
        if (waiting.complaint.complaint, waiting.complaint.voter) == (complaint.complaint, complaint.voter):
            raise Refused(say("the same complaint (event %(position)s) is waiting for the commission's answer",
                              position=waiting.position), field="voter", code="complaint_duplicate")


def check_answers(state: ElectionState, payload: Mapping[str, Any]) -> None:
    """Refuses answers after the credentials, or naming a position that is not a complaint
    (``answer_unknown_complaint``) or a complaint already answered (``answer_twice``)."""
    if state.credentials_published:
        raise refuse(say("the credentials are already published: the roll can no longer change"), field="answers",
                     code="roll_after_credentials")
    for k, answer in enumerate(read_answers(payload.get("answers"))):
        held = state.complaints.get(answer.complaint)
        if held is None:
            raise Refused(say("event %(position)s is not a complaint about the roll", position=answer.complaint),
                          field=f"answers[{k}].complaint", code="answer_unknown_complaint")
        if held.answer is not None:
            raise Refused(say("complaint %(position)s is already answered", position=answer.complaint),
                          field=f"answers[{k}].complaint", code="answer_twice")


def answer_complaints(answers: Sequence[tuple[int, str, str]]) -> dict[str, Any]:
    """The body of ``roll_complaints_answered`` (to be signed by the commission): ``(complaint position,
    "accepted" | "rejected", reason)`` per complaint."""
    return {"answers": [{"complaint": c, "decision": d, "reason": r} for c, d, r in answers]}


def credential_list(definition: Definition, roll: Sequence[Voter],
                    entries: Sequence[tuple[Point | str, str, int]]) -> dict[str, Any]:
    """The body of ``credentials_published`` (to be signed by the credential authority) from
    ``(public credential, district, weight)`` entries issued for the voters of ``roll``.

    The list is sorted by credential so that it says nothing about the order
    of the roll. ``districts`` gives each district's count and weight of the
    list and the commitment of ``roll``. Refused (codes of
    :func:`vybory.model.roll.roll_differences`) when the entries are not one
    per voter of ``roll`` with the voter's district and weight.
    """
    credentials = []
    for credential, district, weight in entries:
        hex_ = credential.to_hex() if isinstance(credential, Point) else credential
        credentials.append({"credential": hex_, "district": district, "weight": weight})
    credentials.sort(key=lambda e: str(e["credential"]))
    lines = summarise_roll(definition, roll)
    listed = [(str(district), int(weight)) for _c, district, weight in entries]
    voters: Counter[str] = Counter()
    weights: Counter[str] = Counter()
    for district, weight in listed:
        voters[district] += 1
        weights[district] += weight
    districts = [{"district": line.district, "voters": voters[line.district], "weight": weights[line.district],
                  "commitment": line.commitment} for line in lines]
    for difference in roll_differences(lines, districts, listed):
        raise Refused(difference.message, field=difference.field, code=difference.code)
    return {"authority": definition.credential_authority.name, "credentials": credentials, "districts": districts}


def publish_credentials(state: ElectionState, roll: Sequence[Voter],
                        entries: Sequence[tuple[Point | str, str, int]], *, now: datetime) -> dict[str, Any]:
    """Payload of ``credentials_published`` (:func:`credential_list`, with ``at``), checked against
    the state."""
    payload = {**credential_list(state.definition, roll, entries), "at": at(now)}
    check_credentials(state, payload)
    return payload


def check_credentials(state: ElectionState, payload: Mapping[str, Any]) -> None:
    """Refuses a second list, an empty list, a duplicate or undecodable credential, an
    unknown district, a weight that is not a whole number >= 1, an unsorted list, and a list
    that is not the signed roll's: no roll (``roll_missing``), another count or multiset of
    weights in a district, another roll's commitment, counts that are not the list's own
    (:func:`vybory.model.roll.roll_differences`)."""
    if state.credentials_published:
        raise refuse(say("the credentials are already published"), field="credentials",
                     code="credentials_already_published")
    if state.rounds:
        raise refuse(say("voting has started"), field="credentials", code="voting_started")
    raw = payload.get("credentials")
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(say("must be a non-empty list"), field="credentials")
    seen: set[str] = set()
    previous = ""
    for k, entry in enumerate(raw):
        where = f"credentials[{k}]"
        if not isinstance(entry, Mapping) or set(entry) != {"credential", "district", "weight"}:
            raise InvalidInput(say("must have exactly credential, district, weight"), field=where)
        hex_ = entry["credential"]
        Point.from_hex(hex_, f"{where}.credential")
        if hex_ in seen:
            raise InvalidInput(say("this credential appears twice"), field=f"{where}.credential")
        if hex_ <= previous:
            raise InvalidInput(say("the list must be sorted by credential"), field=f"{where}.credential")
        seen.add(hex_)
        previous = hex_
        if not isinstance(entry["district"], str) or not state.definition.has_district(entry["district"]):
            raise InvalidInput(say("%(value)s is not a district of the election", value=repr(entry['district'])),
                               field=f"{where}.district")
        w = entry["weight"]
        if isinstance(w, bool) or not isinstance(w, int) or not 1 <= w <= 10**6:
            raise InvalidInput(say("must be a whole number from 1 to 1000000"), field=f"{where}.weight")
    if payload.get("authority") != state.definition.credential_authority.name:
        raise Refused(say("the list must name the credential authority of the definition"), field="authority",
                      code="wrong_authority")
    if state.roll is None:
        raise refuse(say("the commission has not published the signed roll: the credentials are issued for it"),
                     field="districts", code="roll_missing")
    waiting = state.open_complaints()
    if waiting:
        raise refuse(say("complaints about the roll wait for the commission's answer (events %(positions)s)",
                         positions=", ".join(str(c.position) for c in waiting)), field="districts",
                     code="roll_complaints_open")
    unapplied = state.unapplied_complaints()
    if unapplied:
        raise refuse(say("the signed roll does not apply the accepted complaints (events %(positions)s): the "
                         "commission publishes a corrected roll first", positions=", ".join(
                             str(c.position) for c in unapplied)), field="districts", code="complaint_not_applied")
    summary = read_summary(state.definition, payload.get("districts"))
    for difference in roll_differences(state.roll, summary, [(e["district"], e["weight"]) for e in raw]):
        raise Refused(difference.message, field=difference.field, code=difference.code)


__all__ = [
    "CREDENTIAL_TAG",
    "answer_complaints",
    "check_answers",
    "check_complaint",
    "check_credentials",
    "check_roll",
    "credential_list",
    "credential_scalar",
    "generate_credential",
    "issue_credentials",
    "normalise_secret",
    "public_credential",
    "publish_credentials",
    "publish_roll",
]
