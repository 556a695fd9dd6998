"""JSON views of the election state for the API and the pages (read-only, no secrets).

``booth_view`` is what the voting booth needs to make a ballot without
knowing who the voter is: the election key and fingerprint, and for every
district the open round and its contests with their selection layouts.
``results_view`` is every decided round with each contest's outcome and the
decision explained in words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vybory.errors import Refused
from vybory.model.definition import format_time
from vybory.model.layout import Layout
from vybory.model.roll import find_voter, read_voter_id
from vybory.protocol.state import ElectionState, RoundState
from vybory.service.tallying import decision_of
from vybory.text import say


def roll_view(state: ElectionState, voter: str | None = None) -> dict[str, Any]:
    """The roll posted for inspection (spec §12.1a): the signed roll's lines with their entries, every
    complaint with the commission's answer, and, with ``voter``, whether that roll number is listed.

    Refused (``roll_not_public``) for an election that does not post its roll."""
    if not state.definition.public_roll:
        raise Refused(say("this election does not publish its roll for inspection"), field="voter",
                      code="roll_not_public")
    out: dict[str, Any] = {
        "roll_position": state.roll_position,
        "open": state.roll is not None and not state.credentials_published,
        "districts": [line.to_json() for line in state.roll or ()],
        "complaints": [
            {"position": c.position, "complaint": c.complaint.complaint, "voter": c.complaint.voter,
             "district": c.complaint.district, "reason": c.complaint.reason,
             "answer": None if c.answer is None else {"decision": c.answer.decision, "reason": c.answer.reason}}
            for c in state.complaints.values()],
    }
    if voter is not None:
        found = find_voter(state.roll or (), read_voter_id(voter, "voter"))
        out["lookup"] = {"voter": voter, "listed": found is not None,
                         "district": found[0] if found else None, "weight": found[1] if found else None}
    return out


def layout_view(state: ElectionState, rnd: RoundState, layout: Layout) -> dict[str, Any]:
    """One contest of one round as the booth draws it: method, candidates, selections, bounds."""
    contest = state.definition.contest(layout.contest)
    entry = rnd.contests[layout.contest]
    view = layout.to_json()
    first = layout.constraints[0]
    view.update(
        {
            "title": contest.title,
            "description": contest.description,
            "district": contest.district,
            "seats": entry.seats,
            "kind": entry.kind,
            "options": dict(contest.options),
            # The contest's first constraint: for mark methods the number of names marked (or left
            # standing, strike-out); for the others the per-candidate bound.
            "min": first.minimum,
            "max": first.maximum,
        }
    )
    return view


def open_round_for(state: ElectionState, district: str) -> RoundState | None:
    """The latest round that lists a contest of ``district`` and is not closed."""
    for number in sorted(state.rounds, reverse=True):
        rnd = state.rounds[number]
        if not rnd.closed and district in rnd.districts(state.definition):
            return rnd
    return None


def round_times(rnd: RoundState, now: datetime) -> dict[str, Any]:
    return {
        "number": rnd.number,
        "opens_at": format_time(rnd.opens_at),
        "closes_at": format_time(rnd.closes_at),
        "open": rnd.is_open_at(now),
        "closed": rnd.closed,
    }


def booth_view(
    state: ElectionState, now: datetime, *, district: str | None = None
) -> dict[str, Any]:
    """What the booth needs (see docs/api.md, "GET /api/elections/{slug}/booth")."""
    d = state.definition
    districts = []
    for item in d.districts:
        if district is not None and item.id != district:
            continue
        rnd = open_round_for(state, item.id)
        contests = []
        if rnd is not None:
            contests = [
                layout_view(state, rnd, rnd.layouts[c.id])
                for c in d.contests
                if c.id in rnd.layouts and c.district == item.id
            ]
        districts.append(
            {
                "id": item.id,
                "name": item.name,
                "round": None if rnd is None else round_times(rnd, now),
                "contests": contests,
            }
        )
    current = state.current_round
    return {
        "election": d.slug,
        "title": d.title,
        "fingerprint": state.fingerprint.hex(),
        "public_key": None if state.public_key is None else state.public_key.to_hex(),
        "phase": state.phase.value,
        "now": format_time(now),
        "revote": d.revote,
        "round": None if current is None else round_times(current, now),
        "districts": districts,
    }


def results_view(state: ElectionState) -> dict[str, Any]:
    """Every decided round: shares used and skipped, each contest's outcome, and the next round."""
    rounds = []
    for number in sorted(state.rounds):
        rnd = state.rounds[number]
        if rnd.outcomes is None:
            rounds.append(
                {
                    "round": number,
                    "decided": False,
                    "closed": rnd.closed,
                    "closes_at": format_time(rnd.closes_at),
                    "contests": sorted(rnd.contests),
                }
            )
            continue
        decision = decision_of(state, number)
        body = decision.to_json()
        body.pop("posted", None)
        body["decided"] = True
        body["closes_at"] = format_time(rnd.closes_at)
        body["closed"] = rnd.closed
        next_round = state.rounds.get(decision.next_round) if decision.next_round else None
        for result in body["results"]:
            result["explanation"] = explain(result, next_round)
        rounds.append(body)
    return {
        "election": state.definition.slug,
        "title": state.definition.title,
        "phase": state.phase.value,
        "published": state.published,
        "rounds": rounds,
    }


def _names(names: list[str]) -> str:
    if not names:
        return "nobody"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def explain(result: dict[str, Any], next_round: RoundState | None) -> str:
    """A contest's decision in plain English words (the pages translate the parts)."""
    outcome = result["outcome"]
    status = result["status"]
    reason = (result.get("reason") or "").strip()
    valid = outcome.get("valid")
    when = ""
    if next_round is not None and result["contest"] in next_round.contests:
        when = f" in round {next_round.number}, voting until {format_time(next_round.closes_at)}"
    if status == "elected":
        winners = list(result["winners"])
        words = f"{_names(winners)} {'is' if len(winners) == 1 else 'are'} elected"
        if valid is not None:
            words += f" ({valid} valid votes)"
        return words + (f": {reason}" if reason else ".")
    if status == "runoff_required":
        between = _names(list(result["runoff_candidates"]))
        if "runoff between" in reason:
            return f"{reason}{when}."
        why = reason or "no candidate won the required majority"
        return f"{why}: runoff between {between}{when}."
    if status == "repeat_required":
        why = reason or "the quorum was not reached"
        return f"{why}: a repeat election with all registered candidates{when}."
    return reason or "no decision was reached."
