"""A small election with two ranked contests (IRV and Scottish STV), five trustees (k = 3) and
twenty voters, brought up to the point where its only round is closed and tallied."""

from __future__ import annotations

from typing import Any

from electionkit import RANKED_T0 as T0
from electionkit import RANKED_VOTING_CLOSE as VOTING_CLOSE
from electionkit import RANKED_VOTING_OPEN as VOTING_OPEN
from electionkit import RankedElection as Election
from electionkit import ranked_committee, ranked_election

RANKED = ranked_committee(max_ranks=3)

CANDIDATES = {
    "chair": [("union", "Ada"), ("coop", "Boyd"), ("youth", "Cleo"), ("union", "Dov")],
    "board": [("union", "Ewa"), ("coop", "Fyodor"), ("youth", "Gale"), ("coop", "Hana")],
}

# Twenty voters: (weight, choices). Weighted credentials keep their weight through the mix.
VOTERS: list[tuple[int, dict[str, Any]]] = [
    (1, {"chair": ["Ada", "Boyd", "Cleo"], "board": ["Ewa", "Fyodor"], "canteen": "yes"}),
    (1, {"chair": ["Ada"], "board": ["Ewa", "Gale", "Hana"], "canteen": "yes"}),
    (2, {"chair": ["Boyd", "Ada"], "board": ["Fyodor", "Ewa", "Gale", "Hana"], "canteen": "no"}),
    (1, {"chair": ["Cleo", "Boyd"], "board": ["Gale"], "canteen": "yes"}),
    (1, {"chair": ["Dov", "Cleo", "Boyd"], "board": ["Hana", "Gale"], "canteen": "abstain"}),
    (1, {"chair": ["Boyd"], "board": ["Fyodor", "Hana"], "canteen": "yes"}),
    (1, {"chair": ["Ada", "Dov"], "board": ["Ewa"], "canteen": "no"}),
    (3, {"chair": ["Cleo", "Ada"], "board": ["Gale", "Ewa"], "canteen": "yes"}),
    (1, {"chair": ["Boyd", "Cleo", "Ada"], "board": ["Fyodor"], "canteen": "yes"}),
    (1, {"chair": [], "board": [], "canteen": "abstain"}),
    (1, {"chair": ["Dov"], "board": ["Hana", "Ewa", "Fyodor"], "canteen": "yes"}),
    (1, {"chair": ["Ada", "Cleo"], "board": ["Ewa", "Hana"], "canteen": "no"}),
    (1, {"chair": ["Cleo"], "board": ["Gale", "Fyodor"], "canteen": "yes"}),
    (2, {"chair": ["Dov", "Ada"], "board": ["Hana"], "canteen": "yes"}),
    (1, {"chair": ["Boyd", "Dov"], "board": ["Fyodor", "Gale"], "canteen": "no"}),
    (1, {"chair": ["Ada", "Boyd"], "board": ["Ewa", "Fyodor", "Gale"], "canteen": "yes"}),
    (1, {"chair": ["Cleo", "Dov", "Ada"], "board": ["Gale", "Hana"], "canteen": "yes"}),
    (1, {"chair": ["Ada"], "board": ["Ewa"], "canteen": "abstain"}),
    (1, {"chair": ["Boyd", "Ada", "Dov"], "board": ["Fyodor", "Ewa"], "canteen": "yes"}),
    (1, {"chair": ["Dov", "Boyd"], "board": ["Hana", "Fyodor"], "canteen": "no"}),
]
# The first voter changes their mind: only the second ballot counts.
FIRST_THOUGHTS = {"chair": ["Dov"], "board": ["Hana"], "canteen": "no"}


def build() -> Election:
    """Up to round 1 closed and its encrypted tally published."""
    return ranked_election(RANKED, CANDIDATES, VOTERS, FIRST_THOUGHTS)


__all__ = ["CANDIDATES", "FIRST_THOUGHTS", "RANKED", "T0", "VOTERS", "VOTING_CLOSE", "VOTING_OPEN", "Election",
           "build"]
