"""Nominations, registration, refusals, appeals and the close of nominations (RULES-1937 3-4).

Each function checks the action against the state and returns the payload of
the board event that records it, or raises :class:`~vybory.errors.Refused`
(or :class:`~vybory.errors.InvalidInput`) with a message a commission
secretary understands and a ``code``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vybory.errors import InvalidInput, Refused
from vybory.model.definition import ID_RE, Definition, fingerprint, format_time
from vybory.model.layout import compute_layout
from vybory.protocol._common import MAX_NAME, at, clean_text, refuse
from vybory.protocol.state import ElectionState, Nomination, NominationStatus
from vybory.text import joined, say

MAX_DETAILS = 20


def define(definition: Definition, now: datetime) -> dict[str, Any]:
    """Payload of ``election_defined``: the normalised definition and its fingerprint."""
    return {"definition": definition.to_json(), "fingerprint": fingerprint(definition).hex(), "at": at(now)}


def _open_for_nominations(state: ElectionState) -> None:
    if state.nominations_closed:
        raise refuse(say("nominations are closed"), field="nominations", code="nominations_closed")


def _details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise InvalidInput(say("must be a table of name = value"), field="candidate.details")
    if len(details) > MAX_DETAILS:
        raise InvalidInput(say("at most %(max_details)s details", max_details=MAX_DETAILS), field="candidate.details")
    out: dict[str, Any] = {}
    for key, value in details.items():
        if not isinstance(key, str) or not ID_RE.match(key):
            raise InvalidInput(say("%(key)s is not a valid detail name", key=repr(key)), field="candidate.details")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InvalidInput(say("must be text or a whole number"), field=f"candidate.details.{key}")
        out[key] = clean_text(value, f"candidate.details.{key}", maximum=500) if isinstance(value, str) else value
    return out


def nominate(state: ElectionState, *, organisation: str, contest: str, name: str,
             details: Mapping[str, Any] | None = None, consent: bool, now: datetime) -> dict[str, Any]:
    """Payload of ``nomination_submitted``: ``organisation`` nominates ``name`` in ``contest``.

    Refused after the nominations deadline, for an unknown organisation or
    contest, for a motion (it has no candidates), without the candidate's
    consent, or when the same name is already nominated in the contest and
    not refused.
    """
    _open_for_nominations(state)
    d = state.definition
    if now >= d.deadlines.nominations_close:
        raise refuse(say("nominations closed at %(time)s", time=format_time(d.deadlines.nominations_close)),
                     field="nominations", code="nominations_deadline_passed")
    if not d.has_organisation(organisation):
        raise refuse(say("%(organisation)s is not a registered organisation of this election", organisation=repr(organisation)),
                     field="organisation", code="unknown_organisation")
    if not d.has_contest(contest):
        raise refuse(say("there is no contest %(contest)s", contest=repr(contest)), field="contest", code="unknown_contest")
    if d.contest(contest).is_motion:
        raise refuse(say("contest %(contest)s is a motion: it has no candidates", contest=repr(contest)), field="contest",
                     code="motion_has_candidates")
    if consent is not True:
        raise refuse(say("the candidate's consent is required for a nomination"), field="consent",
                     code="consent_missing")
    name = clean_text(name, "candidate.name", maximum=MAX_NAME)
    for other in state.nominations:
        if (other.contest == contest and other.name.casefold() == name.casefold()
                and other.status not in (NominationStatus.REFUSED, NominationStatus.APPEAL_REJECTED)):
            raise refuse(say("%(name)s is already nominated in contest %(contest)s (nomination %(number)s, by %(organisation)s)", name=repr(other.name), contest=repr(contest), number=other.number, organisation=other.organisation),
                         field="candidate.name", code="already_nominated")
    return {
        "nomination": len(state.nominations) + 1,
        "contest": contest,
        "organisation": organisation,
        "candidate": {"name": name, "details": _details(details)},
        "consent": True,
        "at": at(now),
    }


def _waiting_for_decision(state: ElectionState, nomination: int) -> Nomination:
    """Nomination number ``nomination``, refused unless it is submitted and not yet registered or refused."""
    _open_for_nominations(state)
    n = state.nomination(nomination)
    if n.status is not NominationStatus.SUBMITTED:
        raise refuse(say("nomination %(nomination)s is %(value)s, not waiting for a decision", nomination=nomination, value=say(n.status.value)),
                     field="nomination", code="already_decided")
    return n


def register_candidate(state: ElectionState, *, nomination: int, now: datetime) -> dict[str, Any]:
    """Payload of ``candidate_registered``: the commission registers a submitted nomination."""
    n = _waiting_for_decision(state, nomination)
    return {"nomination": n.number, "contest": n.contest, "candidate": n.name, "at": at(now)}


def refuse_candidate(state: ElectionState, *, nomination: int, reason: str, now: datetime) -> dict[str, Any]:
    """Payload of ``candidate_refused``: a refusal must state its reason."""
    n = _waiting_for_decision(state, nomination)
    reason = clean_text(reason, "reason")
    return {"nomination": n.number, "contest": n.contest, "candidate": n.name, "reason": reason,
            "at": at(now)}


def lodge_appeal(state: ElectionState, *, nomination: int, grounds: str, now: datetime) -> dict[str, Any]:
    """Payload of ``appeal_lodged``: within ``appeal_days`` of a refusal."""
    _open_for_nominations(state)
    n = state.nomination(nomination)
    if n.status is not NominationStatus.REFUSED:
        raise refuse(say("nomination %(nomination)s is %(value)s; only a refusal can be appealed", nomination=nomination, value=say(n.status.value)),
                     field="nomination", code="not_refused")
    assert n.refused_at is not None
    limit = n.refused_at + state.definition.deadlines.appeal_duration
    if now > limit:
        raise refuse(say("the time to appeal ended at %(time)s", time=format_time(limit)), field="nomination",
                     code="appeal_too_late")
    grounds = clean_text(grounds, "grounds")
    return {"nomination": n.number, "grounds": grounds, "at": at(now)}


def decide_appeal(state: ElectionState, *, nomination: int, upheld: bool, reason: str,
                  now: datetime) -> dict[str, Any]:
    """Payload of ``appeal_decided``: upheld registers the candidate; the decision is final."""
    _open_for_nominations(state)
    n = state.nomination(nomination)
    if n.status is not NominationStatus.APPEALED:
        raise refuse(say("nomination %(nomination)s has no appeal waiting for a decision", nomination=nomination),
                     field="nomination", code="no_appeal")
    if not isinstance(upheld, bool):
        raise InvalidInput(say("must be true or false"), field="upheld")
    reason = clean_text(reason, "reason")
    return {"nomination": n.number, "upheld": upheld, "reason": reason, "at": at(now)}


def close_nominations(state: ElectionState, *, now: datetime) -> dict[str, Any]:
    """Payload of ``nominations_closed``: the ballot's candidates per contest.

    Every registered candidate is on the ballot, in the order of
    :func:`~vybory.protocol.state.candidate_order`. Refused before the
    deadline, while a nomination or an appeal waits for a decision or a
    refusal can still be appealed, and when a contest could not be voted on
    (no candidate, fewer than a ballot must mark); every such problem is named.
    """
    _open_for_nominations(state)
    d = state.definition
    if now < d.deadlines.nominations_close:
        raise refuse(say("nominations are open until %(time)s", time=format_time(d.deadlines.nominations_close)),
                     field="nominations", code="nominations_still_open")
    problems: list[str] = []
    for n in state.nominations:
        if n.status is NominationStatus.SUBMITTED:
            problems.append(say("nomination %(number)s (%(name)s) waits for the commission's decision",
                                 number=n.number, name=n.name))
        elif n.status is NominationStatus.APPEALED:
            problems.append(say("the appeal on nomination %(number)s (%(name)s) waits for a decision",
                                 number=n.number, name=n.name))
        elif n.status is NominationStatus.REFUSED and n.refused_at is not None:
            limit = n.refused_at + d.deadlines.appeal_duration
            if now <= limit:
                problems.append(say("the refusal of nomination %(number)s (%(name)s) can be appealed "
                                    "until %(time)s", number=n.number, name=n.name,
                                    time=format_time(limit)))
    candidates: dict[str, list[str]] = {}
    for contest in d.contests:
        names = [] if contest.is_motion else list(state.registered(contest.id))
        try:
            compute_layout(contest, names)
        except Refused as exc:
            problems.append(exc.message)
        candidates[contest.id] = names
    if problems:
        raise Refused(say("the nominations cannot be closed: %(reasons)s", reasons=joined(problems)),
                      field="nominations",
                      code="nominations_not_ready")
    return {"candidates": candidates, "at": at(now)}


__all__ = [
    "close_nominations",
    "decide_appeal",
    "define",
    "lodge_appeal",
    "nominate",
    "refuse_candidate",
    "register_candidate",
]
