"""Checks 16 and 18: the decisions re-derived from the decrypted counts, the rounds they
open, and the published results (spec §15, §16).

For each contest of a decided round, the contest's counting rule
(:func:`vybory.rules.count`) is applied to the decrypted counts, with the
round's candidates and seats, the district's registered voters (the sum of
the published credentials' weights) and the contest's draw seed. Its outcome
must be the one announced. A ``runoff_required`` outcome puts the contest in
the next round with the runoff candidates (in ballot order) for the seats left
unfilled; ``repeat_required`` puts it there with every candidate of the ballot
not yet elected. The next round must list exactly those contests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from vybory import rules
from vybory.errors import VyboryError
from vybory.model.canonical import canonical_json, tagged_hash
from vybory.model.definition import Definition, format_time
from vybory.model.layout import MOTION_CHOICES
from vybory.rules.base import Contest as RulesContest
from vybory.rules.base import RankedBallot, Totals
from vybory.rules.outcome import Status
from vybory.verify.report import Findings
from vybory.verify.rounds import Round, RoundContest

SEED_TAG = "VYBORY-V1-CONTEST-SEED"


def candidate_order(name: str) -> tuple[str, str]:
    """Ballot order: by name, case-insensitively, then exactly."""
    return (name.casefold(), name)


def contest_seed(definition: Definition, contest_id: str, round: int) -> bytes:
    """The draw seed of a contest in a round: tagged SHA-256 of the definition's seed, the
    contest id and the round number (u64, big-endian)."""
    return tagged_hash(SEED_TAG, definition.seed_bytes, contest_id.encode("utf-8"), round.to_bytes(8, "big"))


def rules_contest(definition: Definition, round: int, rc: RoundContest, registered: int) -> RulesContest:
    """The contest as its counting rule sees it in this round."""
    contest = definition.contest(rc.contest)
    options = dict(contest.options)
    if "round" in rules.get_method(contest.method).options:
        options["round"] = "runoff" if rc.kind == "runoff" else "first"
    candidates = MOTION_CHOICES if contest.is_motion else rc.candidates
    return RulesContest(name=rc.contest, candidates=tuple(candidates), seats=rc.seats, options=options,
                        registered=registered, seed=contest_seed(definition, rc.contest, round))


def first_round(definition: Definition, ballot_candidates: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """The contests round 1 must list: every contest, with the candidates of ``nominations_closed``."""
    return [{"contest": c.id, "kind": "first", "seats": c.seats,
             "candidates": list(ballot_candidates.get(c.id, ()))} for c in definition.contests]


def round_window(definition: Definition, announced: Sequence[Mapping[str, Any]], opened_at: datetime) -> tuple[str, str]:
    """A later round opens when it is opened and lasts ``runoff_days`` (``repeat_days`` for a round of
    repeat contests only; the longer when it holds both)."""
    d = definition.deadlines
    days = max((d.runoff_days if c.get("kind") == "runoff" else d.repeat_days) for c in announced)
    return format_time(opened_at), format_time(opened_at + timedelta(days=days))


def elected_before(rounds: Mapping[int, Round], contest_id: str, round: int) -> list[str]:
    """Everyone a contest elected in rounds before ``round``, as announced."""
    out: list[str] = []
    for number in sorted(rounds):
        if number >= round:
            break
        outcomes = rounds[number].outcomes
        for entry in (outcomes.payload.get("outcomes", []) if outcomes else []):
            if isinstance(entry, Mapping) and entry.get("contest") == contest_id:
                out += list(entry.get("outcome", {}).get("winners", []))
    return out


def check_decisions(rnd: Round, rounds: Mapping[int, Round], definition: Definition,
                    ballot_candidates: Mapping[str, Sequence[str]], registered: Mapping[str, int],
                    out: Findings) -> None:
    """Check 16 for one round: each contest's outcome and the next round announced."""
    check = "decisions"
    if rnd.outcomes is None:
        return
    position, payload = rnd.outcomes.position, rnd.outcomes.payload

    def fail(code: str, message: str) -> None:
        out.fail(check, code, f"round {rnd.number}: {message}", position=position, kind="outcome_declared")

    if set(payload) != {"round", "outcomes", "next_round", "at"} or not isinstance(payload["outcomes"], list):
        fail("outcome_payload", "must have exactly round, outcomes, next_round, at")
        return
    if rnd.decrypted is None:
        fail("outcome_before_decryption", "outcomes declared before the tally was decrypted")
        return
    decrypted = {c.get("contest"): c for c in rnd.decrypted.payload.get("contests", []) if isinstance(c, Mapping)}
    entries = payload["outcomes"]
    order = [e.get("contest") if isinstance(e, Mapping) else None for e in entries]
    if order != list(rnd.contests):
        fail("outcome_contests", f"outcomes are declared for {order}, the round has {list(rnd.contests)}")
    following = []
    by_contest = {e.get("contest"): e for e in entries if isinstance(e, Mapping)}
    for cid, rc in rnd.contests.items():
        out.count(check)
        entry = by_contest.get(cid)
        counted = decrypted.get(cid)
        if entry is None or counted is None:
            continue
        contest = definition.contest(cid)
        try:
            data: dict[str, Any]
            if cid in rnd.ranked:
                # A ranked contest is counted from its decrypted rankings (spec §15.1, §17.4).
                data = {"ballots": [RankedBallot(tuple(() if name is None else (name,) for name in e["ranking"]),
                                                 e["weight"]) for e in counted["rankings"] if "ranking" in e]}
            else:
                data = {"totals": Totals(counts=dict(counted["counts"]), ballots_cast=counted["ballots_cast"])}
            outcome = rules.count(contest.method, rules_contest(definition, rnd.number, rc,
                                                                registered.get(contest.district, 0)), **data)
        except (VyboryError, KeyError, TypeError, ValueError) as error:
            fail("rule_failed", f"contest {cid!r}: the counting rule cannot be applied to the decrypted "
                                f"counts: {error}")
            continue
        expected: dict[str, Any] = {"contest": cid, "kind": rc.kind, "seats": rc.seats,
                                    "candidates": list(rc.candidates), "outcome": outcome.to_json()}
        for name in ("kind", "seats", "candidates"):
            if entry.get(name) != expected[name]:
                fail(f"outcome_{name}", f"contest {cid!r}: {name} {entry.get(name)!r} announced, the round has "
                                        f"{expected[name]!r}")
        announced = entry.get("outcome")
        if canonical_json(announced) != canonical_json(expected["outcome"]):
            fail("outcome_differs", f"contest {cid!r}: {_differences(announced, expected['outcome'])}")
        unfilled = rc.seats - len(outcome.winners)
        if outcome.status is Status.RUNOFF_REQUIRED:
            names = sorted(outcome.runoff_candidates, key=candidate_order)
            following.append({"contest": cid, "kind": "runoff", "seats": unfilled, "candidates": names})
        elif outcome.status is Status.REPEAT_REQUIRED:
            elected = set(elected_before(rounds, cid, rnd.number)) | set(outcome.winners)
            names = [n for n in ballot_candidates.get(cid, ()) if n not in elected]
            following.append({"contest": cid, "kind": "repeat", "seats": unfilled, "candidates": names})
    expected_next = {"round": rnd.number + 1, "contests": following} if following else None
    if canonical_json(payload["next_round"]) != canonical_json(expected_next):
        fail("next_round", f"the next round announced is {payload['next_round']!r}; the outcomes call for "
                           f"{expected_next!r}")


def _differences(announced: Any, expected: Mapping[str, Any]) -> str:
    """Words for how an announced outcome differs from the rule's."""
    if not isinstance(announced, Mapping):
        return "the announced outcome is not an object"
    parts = []
    for key in ("status", "winners", "runoff_candidates"):
        if announced.get(key) != expected.get(key):
            parts.append(f"{key} {announced.get(key)!r} announced, {expected.get(key)!r} by the rule")
    if not parts:
        keys = sorted(k for k in set(announced) | set(expected) if announced.get(k) != expected.get(k))
        parts.append(f"the announced outcome differs from the rule's in {', '.join(keys)}")
    return "; ".join(parts)


def check_publication(payload: Mapping[str, Any], position: int, rounds: Mapping[int, Round],
                      definition: Definition, out: Findings) -> None:
    """Check 18: ``election_published`` gives each contest's final result from the rounds' outcomes."""
    check = "publication"
    out.count(check)

    def fail(code: str, message: str) -> None:
        out.fail(check, code, message, position=position, kind="election_published")

    last = rounds[max(rounds)] if rounds else None
    if last is None or last.outcomes is None:
        fail("published_early", "the election is published before the outcomes of its last round")
        return
    if last.outcomes.payload.get("next_round"):
        fail("published_early", f"the election is published while round {last.number + 1} is still to be held")
    final: dict[str, dict[str, Any]] = {}
    for number in sorted(rounds):
        outcomes = rounds[number].outcomes
        for entry in (outcomes.payload.get("outcomes", []) if outcomes else []):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("outcome"), Mapping):
                continue
            previous = final.get(entry["contest"], {"elected": []})
            final[entry["contest"]] = {"contest": entry["contest"], "round": number,
                                       "status": entry["outcome"].get("status"),
                                       "elected": previous["elected"] + list(entry["outcome"].get("winners", []))}
    expected = [final[c.id] for c in definition.contests if c.id in final]
    if set(payload) != {"results", "at"}:
        fail("published_payload", "must have exactly results, at")
        return
    given = payload["results"]
    if canonical_json(given) == canonical_json(expected):
        return
    if not isinstance(given, list):
        fail("published_results", "the results must be a list")
        return
    by_contest = {r.get("contest"): r for r in given if isinstance(r, Mapping)}
    for entry in expected:
        got = by_contest.get(entry["contest"])
        if got != entry:
            fail("published_results", f"contest {entry['contest']!r}: published {got!r}, the rounds' "
                                      f"outcomes give {entry!r}")
    extra = [c for c in by_contest if c not in final]
    if extra or len(given) != len(expected):
        fail("published_results", f"the published results list {[r.get('contest') for r in by_contest.values()]}, "
                                  f"the outcomes give {[e['contest'] for e in expected]}")


__all__ = [
    "candidate_order",
    "check_decisions",
    "check_publication",
    "contest_seed",
    "elected_before",
    "first_round",
    "round_window",
    "rules_contest",
]
