"""What a counting rule takes: a contest, and either plaintext ballots or totals.

A homomorphic tally gives :class:`Totals` (one count per selection); a mixnet or
an imported file gives ballots. Names are the candidates' names exactly as the
definition or the input file spells them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from vybory.rules.outcome import Number
from vybory.text import Text, say


@dataclass(frozen=True, slots=True)
class Contest:
    """One contest as a counting rule sees it.

    Invariants: ``seats >= 1``; candidate names are distinct; ``options`` holds
    the rule's parameters (see each method's docstring), ``seed`` the published
    seed for draws.
    """

    name: str
    candidates: tuple[str, ...]
    seats: int = 1
    options: Mapping[str, Any] = field(default_factory=dict)
    registered: Number | None = None
    seed: bytes = b""


@dataclass(frozen=True, slots=True)
class RankedBallot:
    """A ranking, most preferred first.

    Each rank is a tuple of names: one name is an ordinary mark, several are an
    overvote at that rank, none is a skipped rank.
    """

    ranking: tuple[tuple[str, ...], ...]
    weight: Number = 1


@dataclass(frozen=True, slots=True)
class MarkBallot:
    """Names marked (plurality, block, approval) or left standing (strike-out)."""

    marks: frozenset[str]
    weight: Number = 1


@dataclass(frozen=True, slots=True)
class ScoreBallot:
    """A value per name: a score or grade (score, majority judgment), +1/-1 for
    for/against, or the chosen answer of a motion (``{"yes": 1}``)."""

    scores: Mapping[str, int]
    weight: Number = 1


Ballot = RankedBallot | MarkBallot | ScoreBallot


@dataclass(frozen=True, slots=True)
class Totals:
    """Per-selection totals, as a homomorphic tally decrypts them.

    ``counts`` maps a selection to its (weighted) total: a candidate's name for
    mark methods; ``"<name>:for"`` / ``"<name>:against"`` for for/against;
    ``"yes"``, ``"no"``, ``"abstain"`` for motions; ``"<name>:<grade>"`` for
    majority judgment and ``"<name>:<score>"`` for score (how much weight gave
    that name that grade or score). ``ballots_cast`` counts every ballot,
    ``blank`` those that mark nothing, ``invalid`` those refused by the rule.
    """

    counts: Mapping[str, Number]
    ballots_cast: Number
    blank: Number = 0
    invalid: Number = 0


# --- rule options -------------------------------------------------------------
#
# Every method module has ``OPTIONS: dict[str, Option]``: option name ->
# ``(kind, default, description)``. ``kind`` is one of ``bool``, ``int``,
# ``str``, ``Fraction`` (an exact number: an int, a Fraction, a string "2/3" or
# "0.5", or a float taken as the decimal it prints as), a tuple of the
# allowed strings, or a tuple of types (the value must be one of them; a
# tuple value becomes a list). A default of ``None`` means "not set", and then
# ``None`` is also an allowed value.

Option = tuple[Any, Any, str]


def parse_fraction(value: Any) -> Fraction:
    """An exact number from an option value; raises ValueError (or TypeError) otherwise."""
    if isinstance(value, bool):
        raise TypeError("a yes/no value is not a number")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, float):
        # TOML and JSON give 0.5 as a float: take the decimal exactly as written.
        return Fraction(repr(value))
    if isinstance(value, str):
        return Fraction(value.strip())
    raise TypeError(f"{type(value).__name__} is not a number")


def _check_option(kind: Any, default: Any, value: Any) -> tuple[Any, Text | None]:
    """The normalised value, or an explanation of why it is refused."""
    if value is None and default is None:
        return None, None
    if isinstance(kind, tuple) and kind and all(isinstance(k, type) for k in kind):
        if isinstance(value, kind) and not isinstance(value, bool):
            return (list(value) if isinstance(value, tuple) else value), None
        return None, say("must be one of the types %(kinds)s, not %(value)s",
                         kinds=", ".join(k.__name__ for k in kind), value=repr(value))
    if isinstance(kind, tuple):
        if value in kind:
            return value, None
        return None, say("must be one of %(known)s, not %(value)s", known=", ".join(repr(k) for k in kind),
                         value=repr(value))
    if kind is Fraction:
        try:
            return parse_fraction(value), None
        except (ValueError, TypeError, ZeroDivisionError):
            return None, say("must be an exact number such as 1/2 or 0.5, not %(value)s", value=repr(value))
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return None, say("must be a whole number, not %(value)s", value=repr(value))
    if kind is bool:
        if isinstance(value, bool):
            return value, None
        return None, say("must be true or false, not %(value)s", value=repr(value))
    if isinstance(kind, type):
        if isinstance(value, kind):
            return value, None
        return None, say("must be a %(kind)s, not %(value)s", kind=kind.__name__, value=repr(value))
    return value, None


def resolve_options(schema: Mapping[str, Option], given: Mapping[str, Any], *, method: str) -> dict[str, Any]:
    """``given`` checked against ``schema``, with every default filled in.

    Raises :class:`~vybory.errors.InvalidDefinition` listing every unknown
    option and every refused value, each named with the method.
    """
    from vybory.errors import InvalidDefinition

    problems: list[Text] = []
    for name in sorted(set(given) - set(schema)):
        known = ", ".join(sorted(schema)) or say("none")
        problems.append(option_problem(name, say("method %(method)s has no option %(name)s (its options: %(known)s)",
                                                 method=repr(method), name=repr(name), known=known)))
    resolved: dict[str, Any] = {}
    for name, (kind, default, _description) in schema.items():
        if name not in given:
            resolved[name] = default
            continue
        value, problem = _check_option(kind, default, given[name])
        if problem:
            problems.append(option_problem(name, say("option %(name)s of method %(method)s %(rule)s",
                                                     name=repr(name), method=repr(method), rule=problem)))
        resolved[name] = value
    if problems:
        raise InvalidDefinition(problems, field="options")
    return resolved


def check_contest(contest: Contest) -> None:
    """Refuses a contest that breaks its invariants (at least one seat and one
    candidate, distinct names, a non-negative exact number of registered voters)."""
    from vybory.errors import InvalidDefinition

    problems: list[str] = []
    if not isinstance(contest.seats, int) or isinstance(contest.seats, bool) or contest.seats < 1:
        problems.append(f"seats: must be a whole number of at least 1, not {contest.seats!r}")
    if not contest.candidates:
        problems.append("candidates: a contest needs at least one candidate")
    if len(set(contest.candidates)) != len(contest.candidates):
        doubles = sorted({c for c in contest.candidates if contest.candidates.count(c) > 1})
        problems.append(f"candidates: names must be distinct ({', '.join(doubles)} listed twice)")
    reg = contest.registered
    if reg is not None and (isinstance(reg, bool) or not isinstance(reg, (int, Fraction)) or reg < 0):
        problems.append(f"registered: must be an exact number of at least 0, not {reg!r}")
    if problems:
        raise InvalidDefinition(problems, field="contest")


def check_weight(ballot: Any, index: int) -> Number:
    """The ballot's weight, refused unless exact and not negative."""
    from vybory.errors import InvalidInput

    w = ballot.weight
    if isinstance(w, bool) or not isinstance(w, (int, Fraction)) or w < 0:
        raise InvalidInput(
            say("ballot %(number)s: weight must be an exact number (int or Fraction) of at least 0, not %(w)s", number=index + 1, w=repr(w)),
            field="ballots.weight",
        )
    return w


def one_input(ballots: Any, totals: Any, *, method: str, totals_allowed: bool = True) -> None:
    """Refuses a call with both or neither of ballots and totals."""
    from vybory.errors import InvalidInput

    if (ballots is None) == (totals is None):
        raise InvalidInput(say("method %(method)s: give either ballots or totals, not both and not neither", method=repr(method)),
                           field="ballots")
    if totals is not None and not totals_allowed:
        raise InvalidInput(say("method %(method)s needs the ballots themselves, not totals", method=repr(method)), field="totals")


def option_problem(name: str, rule: Text) -> Text:
    """``"options.<name>: rule"``: one refused option, its key and rule kept apart (parameters
    ``key`` and ``rule``) so the definition can name the contest's option."""
    return say("%(key)s: %(rule)s", key="options." + name, rule=rule)


def option_error(method: str, name: str, rule: str | Text) -> Any:
    """The error for one refused option value (an :class:`InvalidDefinition`),
    worded as :func:`resolve_options` words its problems."""
    from vybory.errors import InvalidDefinition

    return InvalidDefinition([option_problem(name, say("option %(name)s of method %(method)s %(rule)s",
                                                       name=repr(name), method=repr(method),
                                                       rule=rule if isinstance(rule, Text)
                                                       else say("%(words)s", words=rule)))],
                             field="options")
