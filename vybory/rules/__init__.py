"""vybory.rules: the counting methods, and one registry of them.

``METHODS`` maps a method's name to its :class:`Method`; :func:`count` applies
a method to one contest, given either ballots or totals. Each method lives in
its own module (``vybory.rules.plurality`` ...), which has an ``OPTIONS``
schema and a ``count(contest, *, ballots=None, totals=None) -> Outcome``.
Modules are imported when first used, so the registry never fails to import
because one method cannot be loaded; using that method then raises a clear
error.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from vybory.errors import InvalidDefinition, InvalidInput
from vybory.rules.base import (
    Ballot,
    Contest,
    MarkBallot,
    Option,
    RankedBallot,
    ScoreBallot,
    Totals,
    check_contest,
    resolve_options,
)
from vybory.rules.outcome import Outcome
from vybory.text import say

BallotKind = Literal["mark", "ranked", "score"]

BALLOT_TYPES: dict[str, type] = {"mark": MarkBallot, "ranked": RankedBallot, "score": ScoreBallot}


@dataclass(frozen=True, slots=True)
class Method:
    """One counting method as the registry lists it.

    Invariants: ``module`` names a module of ``vybory.rules`` that defines
    ``OPTIONS`` and ``count``; ``ballot_kind`` is the ballot type its ballots
    must have; at least one of ``accepts_totals`` / ``accepts_ballots`` holds.
    """

    name: str
    module: str
    accepts_totals: bool
    accepts_ballots: bool
    ballot_kind: BallotKind
    summary: str

    def _load(self) -> Any:
        try:
            return importlib.import_module(self.module)
        except ModuleNotFoundError as exc:
            if exc.name != self.module:
                raise
            raise InvalidDefinition(
                [f"method {self.name!r} is not available in this build (module {self.module} is missing)"],
                field="method",
            ) from None

    @property
    def count(self) -> Callable[..., Outcome]:
        """The module's ``count(contest, *, ballots=None, totals=None)``."""
        return self._load().count

    @property
    def options(self) -> dict[str, Option]:
        """Option name -> ``(kind, default, description)``."""
        return self._load().OPTIONS

    def resolve_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """``given`` checked against this method's schema, defaults filled in."""
        return resolve_options(self.options, given, method=self.name)


def _m(name: str, module: str, kind: BallotKind, totals: bool, summary: str) -> Method:
    return Method(name, f"vybory.rules.{module}", totals, True, kind, summary)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        _m("plurality", "plurality", "mark", True, "one mark; most votes win"),
        _m("block", "block", "mark", True, "up to k marks for k seats; most votes win"),
        _m("approval", "approval", "mark", True, "mark every acceptable candidate (min/max marks)"),
        _m("strikeout", "strikeout", "mark", True,
           "1937 ballot: cross out names, leave at most k standing; absolute majority"),
        _m("majority", "majority", "mark", True,
           "absolute majority with quorum and runoff (1937 rules 10-12)"),
        _m("for-against", "for_against", "score", True,
           "each candidate voted on separately, for or against (1937 rules 15-16)"),
        _m("motion", "motion", "score", True,
           "yes/no/abstain; referendum, recall, supermajority (1937 rule 13)"),
        _m("irv", "irv", "ranked", False, "instant-runoff voting"),
        _m("stv-scottish", "stv_scottish", "ranked", False, "Scottish STV (WIGM, 5 decimals)"),
        _m("stv-meek", "stv_meek", "ranked", False, "Meek STV"),
        _m("stv-irish", "stv_irish", "ranked", False, "Irish Dáil STV (whole papers)"),
        _m("schulze", "schulze", "ranked", False, "Condorcet: Schulze beatpath"),
        _m("ranked-pairs", "ranked_pairs", "ranked", False, "Condorcet: ranked pairs (Tideman)"),
        _m("majority-judgment", "majority_judgment", "score", True,
           "grades; highest median grade wins"),
        _m("score", "score", "score", True, "scores; highest sum (or average) wins"),
    )
}


def get_method(name: str) -> Method:
    """The registered method ``name``; a clear error for an unknown one."""
    try:
        return METHODS[name]
    except KeyError:
        raise InvalidDefinition(
            [f"unknown counting method {name!r} (known: {', '.join(METHODS)})"], field="method"
        ) from None


def check_ballots(method: Method, ballots: Iterable[Ballot]) -> list[Ballot]:
    """The ballots as a list, each of the kind ``method`` counts."""
    expected = BALLOT_TYPES[method.ballot_kind]
    result = list(ballots)
    for i, ballot in enumerate(result):
        if not isinstance(ballot, expected):
            raise InvalidInput(
                say("ballot %(number)s is a %(kind)s; method %(method)s counts %(expected)s ballots", number=i + 1, kind=type(ballot).__name__, method=repr(method.name), expected=expected.__name__),
                field="ballots",
            )
    return result


def count(
    method: str,
    contest: Contest,
    *,
    ballots: Iterable[Ballot] | None = None,
    totals: Totals | None = None,
) -> Outcome:
    """Applies ``method`` to ``contest`` with either ``ballots`` or ``totals``.

    Checks the method name, the kind of input and every option in
    ``contest.options`` (unknown names and bad values are refused, naming the
    option and the rule) before counting.
    """
    m = get_method(method)
    check_contest(contest)
    if (ballots is None) == (totals is None):
        raise InvalidInput(say("give either ballots or totals, not both and not neither"), field="ballots")
    if totals is not None:
        if not m.accepts_totals:
            raise InvalidInput(
                say("method %(name)s needs the %(ballot_kind)s ballots themselves, not totals", name=repr(m.name), ballot_kind=m.ballot_kind),
                field="totals",
            )
        if not isinstance(totals, Totals):
            raise InvalidInput(say("totals must be a Totals, not %(kind)s", kind=type(totals).__name__), field="totals")
    options = m.resolve_options(contest.options)
    prepared = replace(contest, options=options)
    if ballots is not None:
        return m.count(prepared, ballots=check_ballots(m, ballots))
    return m.count(prepared, totals=totals)


__all__ = [
    "BALLOT_TYPES",
    "METHODS",
    "Method",
    "check_ballots",
    "count",
    "get_method",
]
