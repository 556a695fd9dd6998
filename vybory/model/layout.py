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
- motion: three 0/1 selections ``"yes"``, ``"no"``, ``"abstain"``; one
  constraint, ``[1, 1]``;
- score: one selection per candidate with a value in ``[0, max_score]``;
- majority-judgment: one 0/1 selection per candidate and grade,
  ``"<name>:<grade>"``; one constraint per candidate, ``[1, 1]``.

Selection labels are the keys of the decrypted :class:`~vybory.rules.base.Totals`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vybory.crypto.proofs import MAX_RANGE_WIDTH
from vybory.errors import Refused
from vybory.model.definition import MARK_METHODS, Contest

MOTION_CHOICES = ("yes", "no", "abstain")
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


def mark_bounds(contest: Contest, n_candidates: int) -> tuple[int, int]:
    """``(min_marks, max_marks)`` a mark ballot of ``contest`` must respect.

    Defaults: plurality marks at most 1; block, strikeout and majority at most
    ``seats`` (strikeout: names left standing); approval at most every
    candidate. ``max_marks`` never exceeds the number of candidates.
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
            maximum = contest.seats
    return minimum, min(maximum, n_candidates)


def _int_option(options: Mapping[str, Any], name: str, default: int | None) -> int | None:
    value = options.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default


def score_maximum(contest: Contest) -> int:
    """The highest score a score contest allows (option ``max_score``, default 10)."""
    for name in ("max_score", "maximum", "max"):
        value = _int_option(contest.options, name, None)
        if value is not None:
            return value
    return 10


def grades(contest: Contest) -> tuple[str, ...]:
    """The grade names of a majority-judgment contest, worst first (option ``grades``)."""
    value = contest.options.get("grades")
    if isinstance(value, (list, tuple)) and value and all(isinstance(g, str) for g in value):
        return tuple(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 2:
        return tuple(str(i) for i in range(value))
    return ("0", "1", "2", "3", "4", "5")


def compute_layout(contest: Contest, candidates: Sequence[str]) -> Layout:
    """The layout of ``contest`` for a round listing ``candidates`` (empty for a motion).

    Raises :class:`~vybory.errors.Refused` when no ballot could be valid (no
    candidate, fewer candidates than the marks a ballot must make) or a proof
    would be too wide.
    """
    return _checked(_layout(contest, candidates))


def _layout(contest: Contest, candidates: Sequence[str]) -> Layout:
    names = tuple(candidates)
    method = contest.method
    if method == "motion":
        if names:
            raise Refused(f"contest {contest.id!r} is a motion and has no candidates",
                          field=f"contests.{contest.id}", code="motion_has_candidates")
        return Layout(contest.id, method, (), MOTION_CHOICES, (1, 1, 1),
                      (Constraint((0, 1, 2), 1, 1),))
    if not names:
        raise Refused(f"contest {contest.id!r} has no registered candidate",
                      field=f"contests.{contest.id}", code="no_candidates")
    if len(set(names)) != len(names):
        raise Refused(f"contest {contest.id!r} lists a candidate twice",
                      field=f"contests.{contest.id}", code="duplicate_candidate")
    n = len(names)
    if method in MARK_METHODS:
        minimum, maximum = mark_bounds(contest, n)
        if minimum > maximum:
            raise Refused(
                f"contest {contest.id!r} has {n} candidate(s) but a ballot must mark at least "
                f"{minimum}", field=f"contests.{contest.id}", code="too_few_candidates")
        return Layout(contest.id, method, names, names, (1,) * n,
                      (Constraint(tuple(range(n)), minimum, maximum),))
    if method == "for-against":
        labels = tuple(f"{name}:{side}" for name in names for side in FOR_AGAINST)
        constraints = tuple(Constraint((2 * i, 2 * i + 1), 0, 1) for i in range(n))
        return Layout(contest.id, method, names, labels, (1,) * (2 * n), constraints)
    if method == "score":
        top = score_maximum(contest)
        return Layout(contest.id, method, names, names, (top,) * n, ())
    if method == "majority-judgment":
        scale = grades(contest)
        g = len(scale)
        labels = tuple(f"{name}:{grade}" for name in names for grade in scale)
        constraints = tuple(Constraint(tuple(range(i * g, (i + 1) * g)), 1, 1) for i in range(n))
        return Layout(contest.id, method, names, labels, (1,) * (n * g), constraints)
    raise Refused(f"contest {contest.id!r}: method {method!r} has no encrypted ballot layout",
                  field=f"contests.{contest.id}.method", code="no_layout")


def _checked(layout: Layout) -> Layout:
    """``layout`` if every proof it needs stays within MAX_RANGE_WIDTH values."""
    widest = max([c.maximum - c.minimum + 1 for c in layout.constraints] + [m + 1 for m in layout.maxima])
    if widest > MAX_RANGE_WIDTH:
        raise Refused(
            f"contest {layout.contest!r}: a ballot would need a range proof over {widest} values; "
            f"the most is {MAX_RANGE_WIDTH} (fewer candidates, or a smaller max_marks or max_score)",
            field=f"contests.{layout.contest}", code="range_too_wide")
    return layout


__all__ = [
    "Constraint",
    "FOR_AGAINST",
    "Layout",
    "MOTION_CHOICES",
    "compute_layout",
    "grades",
    "mark_bounds",
    "score_maximum",
]
