"""Majority judgment (M. Balinski and R. Laraki, "Majority Judgment", MIT Press 2011).

Rule: each ballot gives each candidate a grade, an integer from 0 (worst,
"reject") to ``grades - 1`` (best); a candidate the ballot does not grade
gets ``missing_grade`` (default 0). A blank ballot thus grades everyone
``missing_grade``. A ballot naming someone who is not a candidate or giving
a grade outside the range is invalid.

A candidate's **majority grade** is the lower median of their grades: the
highest grade g such that more than half of the weight gave them g or
better. Candidates are ranked by majority grade; between candidates with
the same majority grade, one median grade is removed from each and the
majority grades compared again, and so on (Balinski-Laraki's "majority
value"). Equivalently, the grades of each candidate are read from the lower
median outward, alternating below and above it, and the two sequences are
compared at the first place they differ. Candidates whose sequences are
identical are tied; the tie is settled by :mod:`vybory.rules.ties` and
recorded. The first ``seats`` candidates are elected.

Weights: a ballot of weight w counts as w ballots, after every weight is
multiplied by the least common denominator of all the weights (so exact
fractions keep the same proportions).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cmp_to_key
from math import lcm

from vybory.errors import InvalidInput
from vybory.rules.base import (
    Contest,
    Option,
    ScoreBallot,
    Totals,
    check_contest,
    one_input,
    option_error,
    resolve_options,
)
from vybory.rules.marks import (
    MarkTally,
    check_number,
    check_totals_frame,
    tally_fields,
    valid_score_ballots,
    whole_numbers,
)
from vybory.rules.outcome import Number, Outcome, Round, Status
from vybory.rules.ties import TieBreaker
from vybory.text import say

METHOD = "majority-judgment"
OPTIONS: dict[str, Option] = {
    "grades": ((int, list), 6,
               "number of grades, 0 (worst) to grades - 1 (best); or their names, worst first"),
    "missing_grade": (int, 0, "grade of a candidate a ballot does not grade"),
}

Histogram = dict[int, Number]
Runs = list[tuple[int, int]]


def tally_grades(contest: Contest, ballots: Iterable[ScoreBallot], grades: int, missing: int):
    """``(histograms, tally)``: per candidate, the weight given each grade."""
    hist: dict[str, Histogram] = {c: {} for c in contest.candidates}
    tally = MarkTally(counts={c: 0 for c in contest.candidates})
    fault = whole_numbers(0, grades - 1, f"a grade outside 0..{grades - 1}")
    for w, scores in valid_score_ballots(contest, ballots, tally, unknown="grades someone who is not a candidate",
                                         fault=fault):
        if not scores:
            tally.blank += w
        for c in contest.candidates:
            g = scores.get(c, missing)
            hist[c][g] = hist[c].get(g, 0) + w
    return hist, tally


def histograms_from_totals(contest: Contest, totals: Totals, grades: int, missing: int):
    """Histograms from ``"<name>:<grade>"`` totals; weight not accounted for gets ``missing``."""
    cast, blank, invalid = check_totals_frame(totals)
    valid = cast - invalid
    hist: dict[str, Histogram] = {c: {} for c in contest.candidates}
    for key, value in totals.counts.items():
        name, _, grade = key.rpartition(":")
        if name not in hist or not grade.lstrip("-").isdigit() or not 0 <= int(grade) < grades:
            raise InvalidInput(say("%(key)s: majority judgment totals are keyed '<name>:<grade>' with a candidate and a grade in 0..%(number)s", key=repr(key), number=grades - 1), field="totals.counts")
        hist[name][int(grade)] = hist[name].get(int(grade), 0) + check_number(value, f"totals.counts[{key!r}]")
    for c, h in hist.items():
        given = sum(h.values())
        if given > valid:
            raise InvalidInput(say("candidate %(c)s has %(given)s grades, more than the %(valid)s valid ballots", c=repr(c), given=given, valid=valid),
                               field="totals.counts")
        if given < valid:
            h[missing] = h.get(missing, 0) + valid - given
    return hist, MarkTally(counts={c: 0 for c in contest.candidates}, ballots_cast=cast, valid=valid,
                           invalid=invalid, blank=blank)


def majority_grade(h: Histogram) -> int:
    """The highest grade that more than half of the weight gave or bettered."""
    total = sum(h.values())
    above: Number = 0
    for g in sorted(h, reverse=True):
        above += h[g]
        if 2 * above > total:
            return g
    raise ValueError("empty histogram")


def sides(h: dict[int, int]) -> tuple[int, Runs, Runs]:
    """``(median, below, above)`` of an integer histogram: the lower median and
    the run-length grades below it (going down) and above it (going up)."""
    total = sum(h.values())
    c = (total + 1) // 2  # 1-based position of the lower median
    cum = 0
    ordered = sorted(g for g in h if h[g])
    for idx, g in enumerate(ordered):
        if cum + h[g] >= c:
            below = [(g, c - 1 - cum)] + [(x, h[x]) for x in reversed(ordered[:idx])]
            above = [(g, cum + h[g] - c)] + [(x, h[x]) for x in ordered[idx + 1:]]
            return g, [r for r in below if r[1]], [r for r in above if r[1]]
        cum += h[g]
    raise ValueError("empty histogram")


def _first_difference(a: Runs, b: Runs) -> tuple[int, int] | None:
    """``(index, sign)`` of the first place two run-length sequences differ
    (sign > 0 when ``a`` has the higher grade there), or None if equal."""
    i = j = 0
    ra, rb = list(a), list(b)
    pos = 0
    while i < len(ra) and j < len(rb):
        (ga, na), (gb, nb) = ra[i], rb[j]
        if ga != gb:
            return pos, 1 if ga > gb else -1
        step = min(na, nb)
        pos += step
        ra[i], rb[j] = (ga, na - step), (gb, nb - step)
        if na == step:
            i += 1
        if nb == step:
            j += 1
    return None  # same length: equal totals give equal lengths


def compare(a: tuple[int, Runs, Runs], b: tuple[int, Runs, Runs], odd: bool) -> int:
    """> 0 when ``a`` ranks above ``b`` by majority value."""
    if a[0] != b[0]:
        return 1 if a[0] > b[0] else -1
    low, high = _first_difference(a[1], b[1]), _first_difference(a[2], b[2])
    # position in the sequence: odd total -> median, below1, above1, below2, ...;
    # even total -> median, above1, below1, above2, ...
    places = []
    if low is not None:
        places.append((2 * low[0] + (1 if odd else 2), low[1]))
    if high is not None:
        places.append((2 * high[0] + (2 if odd else 1), high[1]))
    return min(places)[1] if places else 0


def scaled(hist: dict[str, Histogram]) -> dict[str, dict[int, int]]:
    """Histograms with every weight multiplied by the least common denominator."""
    den = lcm(*(getattr(v, "denominator", 1) for h in hist.values() for v in h.values()), 1)
    return {c: {g: int(v * den) for g, v in h.items()} for c, h in hist.items()}


def grade_count(value: int | list) -> int:
    """How many grades the ``grades`` option gives (a number, or names worst first)."""
    if isinstance(value, list):
        if len(set(value)) != len(value) or not all(isinstance(g, str) and g for g in value):
            raise option_error(METHOD, "grades", "must list distinct grade names, worst first")
        return len(value)
    return value


def count(contest: Contest, *, ballots: Iterable[ScoreBallot] | None = None, totals: Totals | None = None) -> Outcome:
    check_contest(contest)
    options = resolve_options(OPTIONS, contest.options, method=METHOD)
    one_input(ballots, totals, method=METHOD)
    grades, missing = grade_count(options["grades"]), options["missing_grade"]
    if grades < 2:
        raise option_error(METHOD, "grades", f"must give at least 2 grades, not {grades}")
    if not 0 <= missing < grades:
        raise option_error(METHOD, "missing_grade", f"must be a grade in 0..{grades - 1}, not {missing}")
    if totals is not None:
        hist, tally = histograms_from_totals(contest, totals, grades, missing)
    else:
        hist, tally = tally_grades(contest, ballots or (), grades, missing)
    fields = tally_fields(tally, contest)
    details = fields.pop("details", {})
    names = options["grades"] if isinstance(options["grades"], list) else None
    scale = f"0 = {names[0]} .. {grades - 1} = {names[-1]}" if names else f"0 worst .. {grades - 1} best"
    rnd = Round(number=1, counts={}, note=say("counts: majority grade (%(scale)s)", scale=scale))
    if tally.valid == 0:
        return Outcome(method=METHOD, seats=contest.seats, status=Status.NO_DECISION, winners=[], rounds=[rnd],
                       reason=say("no valid ballot"), details=details, **fields)
    ints = scaled(hist)
    profile = {c: sides(ints[c]) for c in contest.candidates}
    odd = sum(ints[contest.candidates[0]].values()) % 2 == 1
    rnd.counts = {c: majority_grade(hist[c]) for c in contest.candidates}
    grade_of = rnd.counts
    rnd.details = {
        "grades": {c: {g: hist[c][g] for g in sorted(hist[c])} for c in contest.candidates},
        "above_majority_grade": {c: sum(v for g, v in hist[c].items() if g > grade_of[c]) for c in hist},
        "below_majority_grade": {c: sum(v for g, v in hist[c].items() if g < grade_of[c]) for c in hist},
    }
    def better_first(x: str, y: str) -> int:
        return compare(profile[y], profile[x], odd)

    ranked = sorted(contest.candidates, key=cmp_to_key(better_first))
    groups: list[list[str]] = []
    for c in ranked:
        if groups and compare(profile[groups[-1][0]], profile[c], odd) == 0:
            groups[-1].append(c)
        else:
            groups.append([c])
    tb = TieBreaker(contest.seed)
    winners = tb.settle(groups, limit=contest.seats, round_number=1)
    rnd.elected = list(winners)
    rnd.ties = tb.take_ties()
    details["ranking"] = [sorted(g) for g in groups]
    return Outcome(method=METHOD, seats=contest.seats, status=Status.ELECTED, winners=winners, rounds=[rnd],
                   details=details, **fields)
