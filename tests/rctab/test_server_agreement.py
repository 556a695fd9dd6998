"""The server's IRV and RCTab's rules count a vybory election's ranked ballots alike.

A vybory election's IRV contest is decided on the server by ``vybory.rules.irv`` (through
``vybory.rules.count``, as ``vybory.protocol.decide`` calls it; ``vybory count --method
irv`` runs the same code). ``vybory export-rctab`` hands the same ballots, with the
contest's options in RCTab's words, to an office that recounts in RCTab; ``vybory count
--rules`` counts them by RCTab's rules (``vybory.rules.rctab``). The adversary: an office
that reports "RCTab disagrees" — or a server whose count would drift from RCTab's on some
option. Here random ballots as the booth casts them (one candidate or a skip at each rank,
repeats allowed) and random options are counted both ways, through the exported files,
and the rounds must be the same: the counts of every round, the ballots no longer
counted, who is eliminated when, and the winner. A tie settled by vybory's draw is
answered to RCTab as the export says (``--choice``).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import given, note, settings
from hypothesis import strategies as st

from vybory import rules as registry
from vybory.cli.rctab import count_rctab, to_outcome
from vybory.cli.rctab_export import RankedContest, export_contest, tie_choices
from vybory.errors import InvalidInput
from vybory.rules.base import Contest, RankedBallot

NAMES = ("Ada", "Boyd", "Cleo", "Dana", "Eve")


class _Titled:
    title = "Agreement"


@st.composite
def contests(draw: Any) -> tuple[tuple[str, ...], dict[str, Any], list[tuple[tuple[str | None, ...], int]], bytes]:
    n = draw(st.integers(2, 5))
    candidates = NAMES[:n]
    rank = st.one_of(st.sampled_from(candidates), st.none())
    ballots = draw(st.lists(st.tuples(st.lists(rank, max_size=n + 1).map(tuple), st.integers(1, 3)),
                            min_size=1, max_size=14))
    options: dict[str, Any] = {
        "tiebreak": draw(st.sampled_from(["candidate_order", "draw", "previous_rounds_then_draw"])),
        "duplicates": draw(st.sampled_from(["skip", "exhaust"])),
        "max_skipped_ranks": draw(st.sampled_from([None, 0, 1, 2])),
        "max_ranks": draw(st.sampled_from([None, *range(1, n + 1)])),
        "batch_elimination": draw(st.booleans()),
        "continue_until_two": draw(st.booleans()),
    }
    if n > 2 and draw(st.booleans()):
        options["withdrawn"] = [draw(st.sampled_from(candidates))]
    return candidates, options, ballots, draw(st.binary(min_size=1, max_size=4))


def _steps(rounds: list[tuple[dict[str, Fraction], Fraction, list[str]]]) -> list[Any]:
    """The rounds as (counts, no longer counted, eliminated after it), a round that only
    repeats the one before merged into it: with continueUntilTwoCandidatesRemain RCTab
    tallies the round where the winner is found once more before it eliminates on."""
    out: list[Any] = []
    for counts, exhausted, eliminated in rounds:
        counts = {k: v for k, v in counts.items() if v}
        if out and out[-1][0] == counts and out[-1][1] == exhausted and not out[-1][2]:
            out[-1] = (counts, exhausted, eliminated)
        else:
            out.append((counts, exhausted, eliminated))
    return out


@settings(max_examples=300, deadline=None)
@given(contests())
def test_the_server_and_rctab_count_the_same_rounds(case: Any) -> None:
    candidates, options, rankings, seed = case
    note(repr(case))
    contest = Contest(name="c", candidates=candidates, seats=1, options=options, seed=seed)
    server = registry.count("irv", contest, ballots=[RankedBallot(tuple(() if n is None else (n,) for n in r), w)
                                                     for r, w in rankings]).to_json()
    exported = RankedContest("c", "C", 1, candidates, "irv", options, tuple(rankings), server)
    with TemporaryDirectory() as folder:
        _, config = export_contest(_Titled(), exported, Path(folder))  # type: ignore[arg-type]
        try:
            rctab = to_outcome(count_rctab(config, choices=tuple(tie_choices(server))))
        except InvalidInput as refused:
            # No ballot counts for anyone: vybory declares no decision; RCTab elects one of
            # the last two, tied at 0, by its tiebreak, and asks its operator for a draw.
            assert server["status"] == "no_decision" and "needs the operator's choice" in refused.message
            return
    if server["status"] == "no_decision":
        assert not any(Fraction(v) for v in server["rounds"][0]["counts"].values())
        assert len(rctab.winners) == 1 and rctab.rounds[-1].ties[-1].purpose == "elect"
        return
    assert rctab.winners == server["winners"]
    ours = server["rounds"]
    mine = _steps([({k: Fraction(v) for k, v in r["counts"].items()}, Fraction(r["exhausted"]),
                    ours[i + 1]["eliminated"] if i + 1 < len(ours) else []) for i, r in enumerate(ours)])
    theirs = _steps([(dict(r.counts), Fraction(r.exhausted) + rctab.blank, list(r.eliminated))
                     for r in rctab.rounds])
    # When the last two candidates tie, vybory eliminates one in a further round where
    # RCTab elects the other; every round before is the same.
    if len(mine) == len(theirs) + 1:
        assert mine[-2][2] == [c for c in candidates if c in mine[-2][0] and c not in rctab.winners]
        mine = mine[:-1]
        mine[-1] = (*mine[-1][:2], [])
    assert [(c, e, sorted(x)) for c, e, x in mine] == [(c, e, sorted(x)) for c, e, x in theirs]


def test_the_export_cuts_what_the_server_does_not_count(tmp_path: Path) -> None:
    """vybory ignores the ranks after ``max_ranks``; RCTab refuses a record ranked past
    ``maxRankingsAllowed``. The export leaves those ranks out, and a ballot ranking someone
    twice, longer than the candidates are many, raises the limit to its length."""
    import json

    ballots: tuple[tuple[tuple[str | None, ...], int], ...] = ((("Boyd", "Ada"), 2), (("Ada", "Ada", "Boyd"), 3))
    for options, limit, ranks in (({"max_ranks": 1}, "1", [[1], [1]]), ({}, "3", [[1, 2], [1, 2, 3]])):
        contest = Contest(name="c", candidates=("Ada", "Boyd"), options=options)
        server = registry.count("irv", contest, ballots=[RankedBallot(tuple((n,) for n in r if n), w)
                                                         for r, w in ballots]).to_json()
        folder = tmp_path / limit
        cvr, config = export_contest(_Titled(), RankedContest("c", "C", 1, ("Ada", "Boyd"), "irv", options, ballots,
                                                              server), folder)  # type: ignore[arg-type]
        assert json.loads(config.read_text())["rules"]["maxRankingsAllowed"] == limit
        records = json.loads(cvr.read_text())["CVR"]
        given = [sorted(p["Rank"] for s in r["CVRSnapshot"][0]["CVRContest"][0]["CVRContestSelection"]
                        for p in s["SelectionPosition"]) for r in (records[0], records[2])]
        assert given == ranks
        rctab = to_outcome(count_rctab(config))
        assert rctab.winners == server["winners"] == ["Ada"]
        assert [{k: v for k, v in r.counts.items() if v} for r in rctab.rounds] == \
            [{k: Fraction(v) for k, v in r["counts"].items() if v} for r in server["rounds"]]
