"""One door for every event the shell appends: ``check_append(state, kind, payload, now)``.

It returns the payload to append (with the server's time in ``at``) or raises
a :class:`~vybory.errors.VyboryError` with a ``code``; nothing is appended
then. Payloads that come from outside (a trustee's step, the signed roll, the
credential list, a ballot, a decryption share) are decoded and checked; payloads of the
commission's actions are recomputed from the state and must match exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from vybory.errors import InvalidInput, Refused
from vybory.model.board import Event, EventKind
from vybory.model.canonical import canonical_json
from vybory.model.signing import SIGNED_KINDS, check_payload_signature
from vybory.protocol import credentials, decide, keys, mix, nominations, rounds, tally, witness
from vybory.protocol._common import at
from vybory.protocol.state import ElectionState
from vybory.text import say
from vybory.verify.mix import MIX_FIELDS


def _f(payload: Mapping[str, Any], key: str) -> Any:
    """A field of an incoming payload (``None`` when absent: the action then refuses it)."""
    return payload.get(key)


def _with_time(payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    out = dict(payload)
    out["at"] = at(now)
    return out


def _same(expected: Mapping[str, Any], given: Mapping[str, Any], kind: EventKind) -> dict[str, Any]:
    if canonical_json(expected) != canonical_json(given):
        raise Refused(say("this %(value)s event does not match what the election's state gives", value=kind.value),
                      field="payload", code="payload_mismatch")
    return dict(expected)


# The fields of the payloads that come from outside (the rest are recomputed).
EXTERNAL_FIELDS: dict[EventKind, frozenset[str]] = {
    EventKind.TRUSTEE_KEY: frozenset({"trustee", "messaging_key", "at"}),
    EventKind.DKG_COMMITMENT_HASH: frozenset({"trustee", "commitment", "at"}),
    EventKind.DKG_COMMITMENTS: frozenset({"trustee", "reveal", "at"}),
    EventKind.DKG_SHARES: frozenset({"trustee", "shares", "at"}),
    EventKind.DKG_COMPLAINT: frozenset({"trustee", "complaints", "at"}),
    EventKind.ROLL_PUBLISHED: frozenset({"districts", "at"}),
    EventKind.ROLL_COMPLAINT: frozenset({"complaint", "voter", "district", "reason", "at"}),
    EventKind.ROLL_COMPLAINTS_ANSWERED: frozenset({"answers", "at"}),
    EventKind.CREDENTIALS_PUBLISHED: frozenset({"authority", "credentials", "districts", "at"}),
    EventKind.BALLOTS_MIXED: MIX_FIELDS,
    EventKind.DECRYPTION_SHARE: frozenset({"round", "trustee", "share", "at"}),
}

# The checks of the payloads that come from outside and are appended as given.
EXTERNAL_CHECKS: dict[EventKind, Callable[[ElectionState, Mapping[str, Any]], None]] = {
    EventKind.TRUSTEE_KEY: keys.check_trustee_key,
    EventKind.DKG_COMMITMENT_HASH: keys.check_commitment_hash,
    EventKind.DKG_COMMITMENTS: keys.check_reveal,
    EventKind.DKG_SHARES: keys.check_shares,
    EventKind.DKG_COMPLAINT: keys.check_complaints,
    EventKind.ROLL_PUBLISHED: credentials.check_roll,
    EventKind.ROLL_COMPLAINT: credentials.check_complaint,
    EventKind.ROLL_COMPLAINTS_ANSWERED: credentials.check_answers,
    EventKind.CREDENTIALS_PUBLISHED: credentials.check_credentials,
    EventKind.BALLOTS_MIXED: mix.check_mix,
    EventKind.DECRYPTION_SHARE: tally.check_decryption_share,
    EventKind.KEY_CEREMONY_RESTARTED: keys.check_restart,
}

DKG_STEPS = frozenset({EventKind.TRUSTEE_KEY, EventKind.DKG_COMMITMENT_HASH, EventKind.DKG_COMMITMENTS,
                       EventKind.DKG_SHARES, EventKind.DKG_COMPLAINT})


def check_append(state: ElectionState, kind: EventKind | str, payload: Mapping[str, Any], *, now: datetime,
                 ballots: Iterable[Event | Mapping[str, Any]] | None = None,
                 witnessed: Event | None = None) -> dict[str, Any]:
    """The payload to append as the next event of kind ``kind``, checked against ``state``.

    ``ballots`` (the round's ``ballot_cast`` events) is needed only for
    ``encrypted_tally``; ``witnessed`` (the event a ``head_witnessed`` names)
    only for that kind, when it names an event before the head.
    """
    try:
        kind = EventKind(kind)
    except ValueError:
        raise InvalidInput(say("unknown event kind %(kind)s", kind=repr(kind)), field="kind") from None
    if not isinstance(payload, Mapping):
        raise InvalidInput(say("must be a JSON object"), field="payload")
    if kind is EventKind.HEAD_WITNESSED:
        # Also after publication: the trustees countersign the final board (spec §10.6).
        p = _with_time(payload, now)
        witness.check_head_witness(state, p, witnessed)
        check_payload_signature(state.definition, state.fingerprint, kind.value, p, state.trustees)
        return p
    if state.published:
        raise Refused(say("the election is published; the board is final"), field="board", code="published")
    p = _with_time(payload, now)
    signed = kind.value in SIGNED_KINDS
    fields = EXTERNAL_FIELDS.get(kind)
    if kind in DKG_STEPS:
        # From attempt 2 on, every step names its attempt (spec §5.8).
        keys.check_attempt(state, p)
        fields = fields | ({"attempt"} if state.attempt != 1 else set()) if fields is not None else None
    if fields is not None and set(p) - {"signed"} != fields:
        raise InvalidInput(say("a %(value)s payload has exactly the fields %(names)s", value=kind.value, names=', '.join(sorted(fields | ({'signed'} if signed else set())))),
                           field="payload")
    check = EXTERNAL_CHECKS.get(kind)
    if check is not None:
        check(state, p)
        if signed:
            # Only the signer named in the definition (or, for a trustee, in the key ceremony's latest
            # restart) can make this message (spec §10.5).
            check_payload_signature(state.definition, state.fingerprint, kind.value, p, state.trustees)
        return p
    if kind is EventKind.ELECTION_DEFINED:
        raise Refused(say("an election is defined only once, as the first event"), field="kind",
                      code="already_defined")
    if kind is EventKind.NOMINATION_SUBMITTED:
        candidate = _f(p, "candidate")
        if not isinstance(candidate, Mapping):
            raise InvalidInput(say("must be an object with name and details"), field="candidate")
        expected = nominations.nominate(state, organisation=_f(p, "organisation"), contest=_f(p, "contest"),
                                        name=_f(candidate, "name"), details=_f(candidate, "details"),
                                        consent=_f(p, "consent"), now=now)
        return _same(expected, p, kind)
    if kind is EventKind.CANDIDATE_REGISTERED:
        return _same(nominations.register_candidate(state, nomination=_f(p, "nomination"), now=now), p, kind)
    if kind is EventKind.CANDIDATE_REFUSED:
        return _same(nominations.refuse_candidate(state, nomination=_f(p, "nomination"),
                                                  reason=_f(p, "reason"), now=now), p, kind)
    if kind is EventKind.APPEAL_LODGED:
        return _same(nominations.lodge_appeal(state, nomination=_f(p, "nomination"),
                                              grounds=_f(p, "grounds"), now=now), p, kind)
    if kind is EventKind.APPEAL_DECIDED:
        return _same(nominations.decide_appeal(state, nomination=_f(p, "nomination"), upheld=_f(p, "upheld"),
                                               reason=_f(p, "reason"), now=now), p, kind)
    if kind is EventKind.NOMINATIONS_CLOSED:
        return _same(nominations.close_nominations(state, now=now), p, kind)
    if kind is EventKind.KEY_CEREMONY_COMPLETED:
        return _same(keys.complete_key_ceremony(state, now=now), p, kind)
    if kind is EventKind.ROUND_OPENED:
        expected = (rounds.open_round(state, now=now, booth=_f(p, "booth")) if not state.rounds
                    else rounds.open_next_round(state, now=now, booth=_f(p, "booth")))
        return _same(expected, p, kind)
    if kind is EventKind.BALLOT_CAST:
        expected = rounds.check_ballot(state, _f(p, "ballot"), now=now)
        return _same(expected, p, kind) if "tracking_code" in payload else expected
    if kind is EventKind.ROUND_CLOSED:
        return _same(rounds.close_round(state, round=_f(p, "round"), now=now), p, kind)
    if kind is EventKind.ENCRYPTED_TALLY:
        if ballots is None:
            raise InvalidInput(say("the round's ballots are needed to check its tally"), field="ballots")
        return _same(tally.compute_encrypted_tally(state, round=_f(p, "round"), ballots=ballots, now=now),
                     p, kind)
    if kind is EventKind.TALLY_DECRYPTED:
        return _same(tally.combine_shares(state, round=_f(p, "round"), now=now), p, kind)
    if kind is EventKind.OUTCOME_DECLARED:
        return _same(decide.declare_outcomes(state, round=_f(p, "round"), now=now), p, kind)
    if kind is EventKind.ELECTION_PUBLISHED:
        return _same(decide.publish_election(state, now=now), p, kind)
    raise InvalidInput(say("unknown event kind %(kind)s", kind=repr(kind)), field="kind")  # pragma: no cover


__all__ = ["check_append"]
