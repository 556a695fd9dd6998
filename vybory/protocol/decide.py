"""Deciding a round: the contest's counting rule on the decrypted totals, and what comes next.

For each contest of the round, ``vybory.rules.count(method, contest,
totals=...)`` is applied to the decrypted totals (a ranked contest:
``ballots=...``, its decrypted rankings, spec §17), with the round's candidates
and seats, the registered voters of the district (sum of the credentials'
weights) and the contest's draw seed. ``runoff_required`` puts the contest in
the next round with the runoff candidates and the seats left unfilled;
``repeat_required`` puts it there with every registered candidate not yet
elected. The next round is announced in ``outcome_declared`` and opened by
:func:`vybory.protocol.rounds.open_next_round`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vybory import rules
from vybory.model.layout import MOTION_CHOICES, SEED_TAG, contest_seed
from vybory.protocol._common import at, refuse
from vybory.protocol.state import ElectionState, RoundContest, candidate_order
from vybory.protocol.tally import round_ballots, round_totals
from vybory.rules.base import Contest as RulesContest
from vybory.rules.outcome import Outcome, Status
from vybory.text import say


def rules_contest(state: ElectionState, round: int, rc: RoundContest) -> RulesContest:
    """The contest as the counting rule sees it in this round."""
    contest = state.definition.contest(rc.contest)
    options = dict(contest.options)
    method = rules.get_method(contest.method)
    if "round" in method.options:
        options["round"] = "runoff" if rc.kind == "runoff" else "first"
    candidates = MOTION_CHOICES if contest.is_motion else rc.candidates
    return RulesContest(name=rc.contest, candidates=tuple(candidates), seats=rc.seats, options=options,
                        registered=state.registered_voters(contest.district),
                        seed=contest_seed(state.definition, rc.contest, round))


def elected_before(state: ElectionState, contest_id: str, round: int) -> list[str]:
    """Everyone a contest has elected in rounds before ``round``."""
    out: list[str] = []
    for number in sorted(state.rounds):
        if number >= round:
            break
        outcomes = state.rounds[number].outcomes
        for entry in (outcomes or {}).get("outcomes", []):
            if entry["contest"] == contest_id:
                out += entry["outcome"]["winners"]
    return out


def count_round(state: ElectionState, round: int) -> dict[str, Outcome]:
    """The outcome of each contest of a decrypted round (not yet on the board)."""
    rnd = state.round(round)
    totals = round_totals(state, round)
    ranked = round_ballots(state, round)
    return {cid: rules.count(state.definition.contest(cid).method, rules_contest(state, round, rc),
                             **({"ballots": ranked[cid]} if cid in ranked else {"totals": totals[cid]}))
            for cid, rc in rnd.contests.items()}


def declare_outcomes(state: ElectionState, *, round: int, now: datetime) -> dict[str, Any]:
    """Payload of ``outcome_declared``: each contest's outcome, and the next round if any."""
    rnd = state.round(round)
    if rnd.decrypted is None:
        raise refuse(say("round %(round)s is not decrypted yet", round=round), field="round", code="not_decrypted")
    if rnd.outcomes is not None:
        raise refuse(say("the outcomes of round %(round)s are already declared", round=round), field="round",
                     code="outcomes_declared")
    outcomes = count_round(state, round)
    entries = []
    following = []
    for cid, rc in rnd.contests.items():
        outcome = outcomes[cid]
        entries.append({"contest": cid, "kind": rc.kind, "seats": rc.seats,
                        "candidates": list(rc.candidates), "outcome": outcome.to_json()})
        unfilled = rc.seats - len(outcome.winners)
        if outcome.status is Status.RUNOFF_REQUIRED:
            names = sorted(outcome.runoff_candidates, key=candidate_order)
            following.append({"contest": cid, "kind": "runoff", "seats": unfilled, "candidates": names})
        elif outcome.status is Status.REPEAT_REQUIRED:
            elected = set(elected_before(state, cid, round)) | set(outcome.winners)
            names = [n for n in state.ballot_candidates.get(cid, ()) if n not in elected]
            following.append({"contest": cid, "kind": "repeat", "seats": unfilled, "candidates": names})
    next_round = {"round": round + 1, "contests": following} if following else None
    return {"round": round, "outcomes": entries, "next_round": next_round, "at": at(now)}


def publish_election(state: ElectionState, *, now: datetime) -> dict[str, Any]:
    """Payload of ``election_published``: every contest's final result, once no round is pending."""
    if state.published:
        raise refuse(say("the election is already published"), field="election", code="already_published")
    current = state.current_round
    if current is None or current.outcomes is None:
        raise refuse(say("the outcomes of the last round are not declared yet"), field="election",
                     code="not_decided")
    if current.outcomes.get("next_round"):
        raise refuse(say("round %(number)s is still to be held", number=current.number + 1), field="election",
                     code="round_pending")
    final: dict[str, dict[str, Any]] = {}
    for number in sorted(state.rounds):
        for entry in (state.rounds[number].outcomes or {}).get("outcomes", []):
            previous = final.get(entry["contest"], {"elected": []})
            final[entry["contest"]] = {
                "contest": entry["contest"],
                "round": number,
                "status": entry["outcome"]["status"],
                "elected": previous["elected"] + list(entry["outcome"]["winners"]),
            }
    results = [final[c.id] for c in state.definition.contests if c.id in final]
    return {"results": results, "at": at(now)}


__all__ = [
    "SEED_TAG",
    "contest_seed",
    "count_round",
    "declare_outcomes",
    "elected_before",
    "publish_election",
    "rules_contest",
]
