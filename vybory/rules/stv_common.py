"""The steps the STV counts word alike: ordering candidates by their votes,
recording a stage, and the outcome of the count.

Each statute keeps its own module (:mod:`vybory.rules.stv_scottish`,
:mod:`vybory.rules.stv_irish`, :mod:`vybory.rules.stv_meek`) with its
paragraph numbers beside the code; what they differ in (the quota, the
arithmetic, which papers move and at what value, when the last vacancies are
filled) stays there. Candidates are numbers, ``names[c]`` their names, and
``votes[c]`` their votes in whatever unit the statute counts in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vybory.rules.base import Contest, Option
from vybory.rules.outcome import Number, Outcome, Round, Status
from vybory.rules.ranked import Profile
from vybory.rules.ties import TieBreaker

WITHDRAWN: Option = (list, None, "candidates withdrawn before the count; their papers go to the next preference")


def next_holder(prefs: tuple[int, ...], pos: int, continuing: Sequence[bool]) -> int:
    """The position in ``prefs`` after ``pos`` of the next available preference
    for a continuing candidate, or -1 when the paper is non-transferable."""
    for p in range(pos + 1, len(prefs)):
        if continuing[prefs[p]]:
            return p
    return -1


def order_by_votes(candidates: Sequence[int], votes: Sequence[Number], names: Sequence[str],
                   tb: TieBreaker, round_number: int) -> list[int]:
    """``candidates`` in order of votes, highest first; candidates with equal
    votes are ranked by ``tb`` (purpose ``"elect"``), which records the tie."""
    by_votes: dict[Number, list[int]] = {}
    for c in candidates:
        by_votes.setdefault(votes[c], []).append(c)
    order: list[int] = []
    for v in sorted(by_votes, reverse=True):
        group = by_votes[v]
        if len(group) > 1:
            ranked = tb.rank([names[c] for c in group], purpose="elect", round_number=round_number)
            group = [names.index(name) for name in ranked]
        order += group
    return order


def pick_by_votes(candidates: Sequence[int], votes: Sequence[Number], names: Sequence[str], tb: TieBreaker, *,
                  purpose: str, round_number: int, lowest_first: bool) -> int:
    """The candidate with the fewest (``lowest_first``) or the most votes; when
    several have them, the one ``tb`` picks, which records the tie."""
    target = min(votes[c] for c in candidates) if lowest_first else max(votes[c] for c in candidates)
    tied = [c for c in candidates if votes[c] == target]
    if len(tied) == 1:
        return tied[0]
    name = tb.pick([names[c] for c in tied], purpose=purpose, round_number=round_number,
                   lowest_first=lowest_first)[0]
    return names.index(name)


def record_stage(rounds: list[Round], tb: TieBreaker, names: Sequence[str], counts: dict[str, Number], *,
                 elected: Sequence[int], eliminated: Sequence[int], exhausted: Number, quota: Number, note: str,
                 details: dict[str, Any] | None = None) -> Round:
    """Appends the next stage to ``rounds`` and returns it.

    Its transfers are the changes of ``counts`` since the previous stage; the
    ties ``tb`` settled since then are recorded with it, and ``tb`` is given
    the counts of every stage so far to settle later ties by.
    """
    before = rounds[-1].counts if rounds else None
    transfers: dict[str, Number] = {}
    if before is not None:
        for name, value in counts.items():
            if value != before.get(name, 0):
                transfers[name] = value - before.get(name, 0)
    rnd = Round(
        number=len(rounds) + 1,
        counts=counts,
        elected=[names[c] for c in elected],
        eliminated=[names[c] for c in eliminated],
        transfers=transfers,
        exhausted=exhausted,
        quota=quota,
        note=note,
        details={} if details is None else details,
    )
    rnd.ties = tb.take_ties()
    rounds.append(rnd)
    tb.history = [r.counts for r in rounds]
    return rnd


def stv_outcome(method: str, contest: Contest, profile: Profile, unusable: Number, *, status: Status, reason: str,
                winners: list[str], rounds: list[Round], details: dict[str, Any]) -> Outcome:
    """The outcome of an STV count. Papers with no usable first preference
    (``unusable``) are invalid, beside those :func:`~vybory.rules.ranked.group_ballots`
    found invalid; ``details`` (the statute's own figures) gets their numbers."""
    invalid = profile.invalid + unusable
    if unusable:
        details["no_first_preference"] = unusable
    if profile.invalid_reasons:
        details["invalid_reasons"] = dict(sorted(profile.invalid_reasons.items()))
    return Outcome(
        method=method,
        seats=contest.seats,
        status=status,
        winners=winners,
        rounds=rounds,
        reason=reason,
        ballots_cast=profile.ballots_cast,
        valid=profile.ballots_cast - invalid - profile.blank,
        invalid=invalid,
        blank=profile.blank,
        registered=contest.registered,
        details=details,
    )
