"""Ranked ballots as the ranked counting rules (IRV and the STV family) read them.

:func:`group_ballots` checks ranked ballots once and groups identical rankings,
so that a count works on a few thousand distinct rankings with a weight each
instead of on every paper. Candidates are numbered by their position in
``contest.candidates``; a rank is a sorted tuple of candidate numbers (one
number is an ordinary mark, several an overvote, none a skipped rank).

:func:`papers` gives the reading the STV statutes prescribe: a paper's
preferences run from the first rank until the first rank that is not a single
mark (an overvote or a skipped rank makes the paper non-transferable from
there, Electoral Act 1992 s. 118 "non-transferable paper"; Scottish Local
Government Elections Order 2007, rule 48(1)(b)); a candidate repeated later on
is passed over; a paper with no usable first preference is invalid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from vybory.errors import InvalidInput
from vybory.rules.base import Contest, RankedBallot, check_weight
from vybory.rules.outcome import Number
from vybory.text import say

Rank = tuple[int, ...]
Ranking = tuple[Rank, ...]


@dataclass(frozen=True, slots=True)
class Profile:
    """The ranked ballots of one contest, identical rankings grouped.

    Invariants: ``names == contest.candidates``; every ranking holds candidate
    numbers in ``range(len(names))``, each rank sorted without repeats;
    ``rankings`` are distinct and ``weights[i] > 0``;
    ``sum(weights) + blank + invalid == ballots_cast``.
    """

    names: tuple[str, ...]
    rankings: tuple[Ranking, ...]
    weights: tuple[Number, ...]
    ballots_cast: Number
    blank: Number
    invalid: Number
    invalid_reasons: dict[str, Number] = field(default_factory=dict)

    @property
    def total(self) -> Number:
        """The weight of the ballots that mark at least one candidate."""
        return self.ballots_cast - self.blank - self.invalid


def group_ballots(contest: Contest, ballots: Iterable[RankedBallot]) -> Profile:
    """Checks ranked ballots and groups identical rankings.

    A ballot that names someone who is not a candidate is invalid (counted in
    ``invalid``, never silently dropped); a ballot with no name at any rank is
    blank. Anything that is not a :class:`RankedBallot`, or a weight that is
    not an exact number of at least 0, is refused with
    :class:`~vybory.errors.InvalidInput`.
    """
    index = {name: i for i, name in enumerate(contest.candidates)}
    # First group the ballots as given (most are repeats), then convert each distinct ranking once.
    raw: dict[tuple[tuple[str, ...], ...], Number] = {}
    cast: Number = 0
    for i, ballot in enumerate(ballots):
        if type(ballot) is not RankedBallot and not isinstance(ballot, RankedBallot):
            raise InvalidInput(say("ballot %(number)s is a %(kind)s, not a RankedBallot", number=i + 1, kind=type(ballot).__name__),
                               field="ballots")
        w = ballot.weight
        if type(w) is not int or w < 0:
            w = check_weight(ballot, i)
        if not w:
            continue
        cast += w
        key = ballot.ranking
        try:
            raw[key] = raw.get(key, 0) + w
        except TypeError:
            raise InvalidInput(say("ballot %(number)s: a ranking is a tuple of tuples of names, not %(key)s", number=i + 1, key=repr(key)),
                               field="ballots.ranking") from None
    grouped: dict[Ranking, Number] = {}
    blank: Number = 0
    invalid: Number = 0
    reasons: dict[str, Number] = {}
    for given, w in raw.items():
        ranks: list[Rank] = []
        unknown: list[str] = []
        for rank in given:
            converted = []
            for name in rank:
                if name in index:
                    converted.append(index[name])
                else:
                    unknown.append(name)
            ranks.append(tuple(sorted(set(converted))))
        if unknown:
            reason = f"names someone who is not a candidate ({', '.join(map(repr, unknown[:3]))})"
            invalid += w
            reasons[reason] = reasons.get(reason, 0) + w
            continue
        while ranks and not ranks[-1]:
            ranks.pop()
        if not ranks:
            blank += w
            continue
        converted_key = tuple(ranks)
        grouped[converted_key] = grouped.get(converted_key, 0) + w
    rankings = tuple(grouped)
    return Profile(
        names=tuple(contest.candidates),
        rankings=rankings,
        weights=tuple(grouped[r] for r in rankings),
        ballots_cast=cast,
        blank=blank,
        invalid=invalid,
        invalid_reasons=reasons,
    )


def papers(profile: Profile, withdrawn: Iterable[int] = ()) -> tuple[dict[tuple[int, ...], Number], Number]:
    """The ballots read as STV papers: ``({preferences: weight}, invalid weight)``.

    ``preferences`` lists candidate numbers in order, each at most once,
    without withdrawn candidates, and stops before the first rank that is not
    a single mark. A ballot whose first rank is not a single mark (an overvote,
    or a skipped first rank) gives no first preference and is invalid, as are
    ballots that rank only withdrawn candidates.
    """
    gone = set(withdrawn)
    grouped: dict[tuple[int, ...], Number] = {}
    invalid: Number = 0
    for ranking, w in zip(profile.rankings, profile.weights):
        prefs: list[int] = []
        seen: set[int] = set()
        for rank in ranking:
            if len(rank) != 1:
                break  # an overvote (whoever is marked) or a skipped rank ends the paper
            c = rank[0]
            if c in gone:
                continue  # a withdrawn candidate: the next preference counts
            if c in seen:
                continue
            seen.add(c)
            prefs.append(c)
        if not prefs:
            invalid += w
            continue
        key = tuple(prefs)
        grouped[key] = grouped.get(key, 0) + w
    return grouped, invalid


def candidate_numbers(contest: Contest, names: Sequence[str] | None, *, option: str) -> list[int]:
    """The numbers of ``names`` (an option listing candidates), each checked."""
    if not names:
        return []
    if isinstance(names, str):
        raise InvalidInput(say("must list candidates' names, not the string %(names)s", names=repr(names)), field=f"options.{option}")
    index = {name: i for i, name in enumerate(contest.candidates)}
    result = []
    for name in names:
        if name not in index:
            raise InvalidInput(say("%(name)s is not a candidate of contest %(name2)s", name=repr(name), name2=repr(contest.name)),
                               field=f"options.{option}")
        result.append(index[name])
    return result


def as_fraction(value: Number, scale: int) -> Number:
    """A fixed-point integer ``value`` (in units of ``1/scale``) as an exact count."""
    f = Fraction(value, scale) if isinstance(value, int) else Fraction(value) / scale
    return f.numerator if f.denominator == 1 else f


def integer_weights(profile: Profile, method: str) -> None:
    """Refuses fractional weights where the law counts whole papers."""
    for ranking, w in zip(profile.rankings, profile.weights):
        if not isinstance(w, int) and Fraction(w).denominator != 1:
            raise InvalidInput(say("method %(method)s counts whole papers: a ballot weight must be a whole number, not %(w)s", method=repr(method), w=w), field="ballots.weight")
