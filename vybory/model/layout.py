"""The selection layout of a contest: which encrypted values a ballot carries for it.

A contest's part of a ballot is a list of selections, each an encryption of a
small integer, and a list of constraints, each saying that the sum of some
selections lies in ``[minimum, maximum]``. The layout is fixed by the
contest's method, its options and the candidates of the round; a verifier
recomputes it from the public record (docs/spec.md, "Selection layout").

- mark methods (plurality, block, approval, strikeout, majority): one 0/1
  selection per candidate, labelled with the candidate's name; one constraint
  on all of them, ``[min_marks, max_marks]``;
- for-against: two 0/1 selections per candidate, ``"<name>:for"`` and
  ``"<name>:against"``; one constraint per candidate, ``[0, 1]``;
  with ``max_for`` set, one more constraint on the "for" selections,
  ``[0, max_for]``;
- motion: three 0/1 selections ``"yes"``, ``"no"``, ``"abstain"``; one
  constraint, ``[1, 1]``;
- score: one 0/1 selection per candidate and score ``s`` in
  ``min_score..max_score``, ``"<name>:<s>"``; one constraint per candidate,
  ``[0, 1]`` (an unscored candidate is allowed);
- majority-judgment: one 0/1 selection per candidate and grade ``g`` in
  ``0..grades-1``, ``"<name>:<g>"``; one constraint per candidate, ``[0, 1]``
  (an ungraded candidate gets ``missing_grade`` when counted);
- ranked methods (IRV, STV, Condorcet): a candidate x rank 0/1 matrix, one
  selection per candidate and rank ``k`` in ``1..ranks``, ``"<name>:<k>"``
  (candidate after candidate); one constraint per candidate, ``[0, 1]`` (ranked
  at most once), then one per rank, ``[0, 1]`` (at most one name per rank).
  Such ballots are mixed and decrypted one by one (spec §17):
  :func:`ranking_of` reads a decrypted matrix back.

Selection labels are the keys of the decrypted :class:`~vybory.rules.base.Totals`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vybory.crypto.proofs import MAX_RANGE_WIDTH
from vybory.crypto.shuffle import MAX_WIDTH as MAX_MIX_WIDTH
from vybory.errors import Refused
from vybory.model.canonical import tagged_hash
from vybory.model.definition import MARK_METHODS, RANKED_METHODS, Contest, Definition
from vybory.text import say, say_plural

SEED_TAG = "VYBORY-V1-CONTEST-SEED"
MOTION_CHOICES = ("yes", "no", "abstain")


def candidate_order(name: str) -> tuple[str, str]:
    """Ballot order of candidates: by name, case-insensitively, then exactly (spec §10.3)."""
    return (name.casefold(), name)


def contest_seed(definition: Definition, contest_id: str, round: int) -> bytes:
    """The draw seed of a contest in a round (spec §15.1): tagged SHA-256 of the definition's
    seed bytes, the contest id (UTF-8) and the round number (u64, big-endian)."""
    return tagged_hash(SEED_TAG, definition.seed_bytes, contest_id.encode("utf-8"), round.to_bytes(8, "big"))
FOR_AGAINST = ("for", "against")


@dataclass(frozen=True, slots=True)
class Constraint:
    """The sum of the selections at ``indices`` lies in ``[minimum, maximum]``.

    Invariants: ``indices`` is non-empty, increasing; ``0 <= minimum <= maximum``.
    """

    indices: tuple[int, ...]
    minimum: int
    maximum: int


@dataclass(frozen=True, slots=True)
class Layout:
    """The selections and constraints of one contest in one round.

    Invariants: ``labels`` are distinct; ``maxima[i] >= 1`` is the largest value
    selection ``i`` may hold (1: a 0/1 selection, proven with a zero-one proof;
    more: a range proof on ``[0, maxima[i]]``); every constraint index is
    ``< len(labels)``.
    """

    contest: str
    method: str
    candidates: tuple[str, ...]
    labels: tuple[str, ...]
    maxima: tuple[int, ...]
    constraints: tuple[Constraint, ...]

    @property
    def size(self) -> int:
        return len(self.labels)

    def to_json(self) -> dict[str, Any]:
        return {
            "contest": self.contest,
            "method": self.method,
            "candidates": list(self.candidates),
            "labels": list(self.labels),
            "maxima": list(self.maxima),
            "constraints": [
                {"indices": list(c.indices), "minimum": c.minimum, "maximum": c.maximum}
                for c in self.constraints
            ],
        }


def mark_bounds(contest: Contest, n_candidates: int, seats: int | None = None) -> tuple[int, int]:
    """``(min_marks, max_marks)`` a mark ballot of ``contest`` must respect.

    Defaults: plurality marks at most 1; block, strikeout and majority at most
    ``seats`` (strikeout: names left standing); approval at most every
    candidate. ``max_marks`` never exceeds the number of candidates.
    ``seats`` overrides the contest's seats (a runoff for the seats left unfilled).
    """
    options = contest.options
    minimum = contest.min_marks
    if minimum is None:
        minimum = _int_option(options, "min_marks", 0)
    maximum = contest.max_marks
    if maximum is None:
        maximum = _int_option(options, "max_marks", None)
    if maximum is None:
        if contest.method == "plurality":
            maximum = 1
        elif contest.method == "approval":
            maximum = n_candidates
        else:
            maximum = contest.seats if seats is None else seats
    return int(minimum or 0), min(maximum, n_candidates)


def _int_option(options: Mapping[str, Any], name: str, default: int | None) -> int | None:
    value = options.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default


def score_range(contest: Contest) -> tuple[int, int]:
    """``(min_score, max_score)`` of a score contest (rule options, defaults 0 and 10)."""
    low = _int_option(contest.options, "min_score", 0)
    high = _int_option(contest.options, "max_score", 10)
    assert low is not None and high is not None
    return low, high


def grade_count(contest: Contest) -> int:
    """How many grades a majority-judgment contest has (option ``grades``: a number or names)."""
    value = contest.options.get("grades", 6)
    if isinstance(value, (list, tuple)):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return 6


def rank_count(contest: Contest, n_candidates: int) -> int:
    """How many ranks a ranked ballot of ``contest`` has: every candidate, or fewer when the
    rule's ``max_ranks`` option (IRV) counts fewer ranks."""
    limit = _int_option(contest.options, "max_ranks", None)
    if limit is not None and 1 <= limit < n_candidates:
        return limit
    return n_candidates


def ranking_of(layout: Layout, values: Sequence[int]) -> tuple[str | None, ...]:
    """The ranking a ranked ballot's selection values give: the name at each rank, most
    preferred first, ``None`` for a rank left empty; trailing empty ranks are dropped.

    Raises :class:`~vybory.errors.InvalidBallot` when ``values`` is not a candidate x
    rank 0/1 matrix with at most one mark per candidate and per rank.
    """
    from vybory.errors import InvalidBallot

    names = layout.candidates
    if layout.method not in RANKED_METHODS or not names:
        raise InvalidBallot(say("contest %(contest)s is not a ranked contest", contest=repr(layout.contest)), field="layout",
                            code="not_ranked")
    ranks = layout.size // len(names)
    if len(values) != layout.size or any(v not in (0, 1) or isinstance(v, bool) for v in values):
        raise InvalidBallot(say("a ranked ballot of contest %(contest)s is %(size)s values 0 or 1", contest=repr(layout.contest), size=layout.size),
                            field="values", code="not_a_ranking")
    order: list[str | None] = []
    for k in range(ranks):
        marked = [names[c] for c in range(len(names)) if values[c * ranks + k]]
        if len(marked) > 1:
            raise InvalidBallot(say("rank %(number)s holds %(count)s names", number=k + 1, count=len(marked)), field="values", code="not_a_ranking")
        order.append(marked[0] if marked else None)
    for c, name in enumerate(names):
        if sum(values[c * ranks:(c + 1) * ranks]) > 1:
            raise InvalidBallot(say("%(name)s is ranked more than once", name=repr(name)), field="values", code="not_a_ranking")
    while order and order[-1] is None:
        order.pop()
    return tuple(order)


def compute_layout(contest: Contest, candidates: Sequence[str], seats: int | None = None) -> Layout:
    """The layout of ``contest`` for a round listing ``candidates`` (empty for a motion) for
    ``seats`` seats (default: the contest's).

    Raises :class:`~vybory.errors.Refused` when no ballot could be valid (no
    candidate, fewer candidates than the marks a ballot must make) or a proof
    would be too wide.
    """
    return _checked(_layout(contest, candidates, seats))


def _layout(contest: Contest, candidates: Sequence[str], seats: int | None) -> Layout:
    names = tuple(candidates)
    method = contest.method
    if method == "motion":
        if names:
            raise Refused(say("contest %(id)s is a motion and has no candidates", id=repr(contest.id)),
                          field=f"contests.{contest.id}", code="motion_has_candidates")
        return Layout(contest.id, method, (), MOTION_CHOICES, (1, 1, 1),
                      (Constraint((0, 1, 2), 1, 1),))
    if not names:
        raise Refused(say("contest %(id)s has no registered candidate", id=repr(contest.id)),
                      field=f"contests.{contest.id}", code="no_candidates")
    if len(set(names)) != len(names):
        raise Refused(say("contest %(id)s lists a candidate twice", id=repr(contest.id)),
                      field=f"contests.{contest.id}", code="duplicate_candidate")
    n = len(names)
    if method in MARK_METHODS:
        minimum, maximum = mark_bounds(contest, n, seats)
        if minimum > maximum:
            raise Refused(
                say_plural("contest %(contest)s has %(num)s candidate but a ballot must mark at least %(minimum)s",
                           "contest %(contest)s has %(num)s candidates but a ballot must mark at least "
                           "%(minimum)s", n, contest=repr(contest.id), minimum=minimum), field=f"contests.{contest.id}", code="too_few_candidates")
        return Layout(contest.id, method, names, names, (1,) * n,
                      (Constraint(tuple(range(n)), minimum, maximum),))
    if method == "for-against":
        labels = tuple(f"{name}:{side}" for name in names for side in FOR_AGAINST)
        constraints = [Constraint((2 * i, 2 * i + 1), 0, 1) for i in range(n)]
        max_for = _int_option(contest.options, "max_for", None)
        if max_for is not None and max_for < n:
            constraints.append(Constraint(tuple(range(0, 2 * n, 2)), 0, max_for))
        return Layout(contest.id, method, names, labels, (1,) * (2 * n), tuple(constraints))
    if method in ("score", "majority-judgment"):
        if method == "score":
            low, high = score_range(contest)
            values = range(low, high + 1)
        else:
            values = range(grade_count(contest))
        if len(values) < 2:
            raise Refused(say("contest %(id)s needs at least two scores or grades", id=repr(contest.id)),
                          field=f"contests.{contest.id}.options", code="too_few_grades")
        g = len(values)
        labels = tuple(f"{name}:{v}" for name in names for v in values)
        per_candidate = tuple(Constraint(tuple(range(i * g, (i + 1) * g)), 0, 1) for i in range(n))
        return Layout(contest.id, method, names, labels, (1,) * (n * g), per_candidate)
    if method in RANKED_METHODS:
        r = rank_count(contest, n)
        if n * r + 1 > MAX_MIX_WIDTH:
            raise Refused(say("contest %(id)s: a ranked ballot of %(n)s candidates and %(r)s ranks is too wide to mix (at most %(number)s selections)", id=repr(contest.id), n=n, r=r, number=MAX_MIX_WIDTH - 1), field=f"contests.{contest.id}",
                          code="ranking_too_wide")
        labels = tuple(f"{name}:{k}" for name in names for k in range(1, r + 1))
        rows = tuple(Constraint(tuple(range(c * r, (c + 1) * r)), 0, 1) for c in range(n))
        columns = tuple(Constraint(tuple(c * r + k for c in range(n)), 0, 1) for k in range(r))
        return Layout(contest.id, method, names, labels, (1,) * (n * r), rows + columns)
    raise Refused(say("contest %(id)s: method %(method)s has no encrypted ballot layout", id=repr(contest.id), method=repr(method)),
                  field=f"contests.{contest.id}.method", code="no_layout")


def _checked(layout: Layout) -> Layout:
    """``layout`` if every proof it needs stays within MAX_RANGE_WIDTH values."""
    widest = max([c.maximum - c.minimum + 1 for c in layout.constraints] + [m + 1 for m in layout.maxima])
    if widest > MAX_RANGE_WIDTH:
        raise Refused(
            say("contest %(contest)s: a ballot would need a range proof over %(widest)s values; the most is %(max_range_width)s (fewer candidates, or a smaller max_marks or max_score)", contest=repr(layout.contest), widest=widest, max_range_width=MAX_RANGE_WIDTH),
            field=f"contests.{layout.contest}", code="range_too_wide")
    return layout


__all__ = [
    "FOR_AGAINST",
    "MOTION_CHOICES",
    "SEED_TAG",
    "Constraint",
    "Layout",
    "candidate_order",
    "compute_layout",
    "contest_seed",
    "grade_count",
    "mark_bounds",
    "rank_count",
    "ranking_of",
    "score_range",
]
