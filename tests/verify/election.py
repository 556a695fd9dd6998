"""A small but complete election, run through the service on SQLite, for the verifier's tests.

Two districts and a recall motion; five trustees (k = 3) of whom two never
decrypt, one of them sending a share with a bad proof in round 1 (skipped and
named on the board); a refused nomination upheld on appeal; a weighted voter;
re-votes; the North forced into a runoff and the South (below quorum) into a
repeat round; then publication. Trustees 1, 2 and 3 witness the board's head at
every phase change, trustee 5 until round 1 closes. The people's secrets are kept
so that tests can make sure none of them reaches the record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from electionkit import (
    COUNCIL_DEFINITION,
    NOMINATIONS_CLOSE,
    T0,
    VOTING_CLOSE,
    VOTING_OPEN,
    ServiceElection,
    signed,
)

from vybory.crypto.group import Scalar
from vybory.service import ElectionService, ManualClock
from vybory.store import Database

NORTH = 8
SOUTH = 9


def roll_csv() -> str:
    lines = ["id,name,district,weight"]
    lines += [f"N-{i:03},Worker Nordström {i},north,1" for i in range(1, NORTH + 1)]
    # One South voter carries two votes (a delegate of two members).
    lines += [f"S-{i:03},Worker Southey {i},south,{2 if i == 1 else 1}" for i in range(1, SOUTH + 1)]
    return "\n".join(lines) + "\n"


@dataclass
class Election(ServiceElection):
    """The service, and the secrets its people keep at home; ``roll`` is the voter roll given."""

    roll: str = ""

    def secrets(self) -> list[str]:
        """Every secret a person of this election holds: credentials and the trustees' key files."""
        out = [s for secrets in self.credentials.values() for s in secrets]
        out += [s.replace("-", "") for s in out]
        for t in self.trustees.values():
            data = t.to_json()
            out.append(data["messaging_secret"])
            out += list(data["coefficients"])
            out.append(data["secret_share"])
        return out


def post_bad_share(e: Election, j: int) -> None:
    """Trustee ``j``'s decryption share with a wrong (well-formed) proof response."""
    payload = e.decryption_share(j)
    response = Scalar.from_hex(payload["share"]["proof"]["response"], "r")
    payload["share"]["proof"]["response"] = Scalar.from_int(int(response) + 1).to_hex()
    e.service.submit_decryption_share(e.slug, signed(e.state(), "decryption_share", payload))


def build(directory: Path, *, slug: str = "works-2025", seed: str = "5eed5eed5eed5eed5eed5eed5eed5eed",
          published: bool = True) -> Election:
    """Runs the whole election (the shared kit's council under ``slug`` and ``seed``) in
    ``directory`` (its SQLite file); see the module's docstring."""
    clock = ManualClock(T0)
    service = ElectionService(Database(f"sqlite:///{directory / 'vybory.sqlite'}", upgrade=True), clock=clock)
    roll = roll_csv()
    e = Election.create(service, replace(COUNCIL_DEFINITION, slug=slug, seed=seed).text(), roll)
    e.roll = roll

    def vote(district: str, i: int, choices: dict[str, object], seed: str = "v") -> None:
        e.vote(e.credentials[district][i], choices, seed)

    e.nominate_all()
    service.nominate(slug, organisation="youth", contest="south-seat", name="Orlova", consent=True)
    number = e.state().nominations[-1].number
    service.refuse_candidate(slug, number, "the nomination papers were not signed")
    service.lodge_appeal(slug, number, "the papers were signed; the signature page was misfiled")
    service.decide_appeal(slug, number, upheld=True, reason="the signed page was found")
    e.key_ceremony(label=f"{slug}-trustee")
    e.witness(1, 2, 3, 5)

    clock.set(NOMINATIONS_CLOSE + timedelta(days=3))
    service.close_nominations(slug)
    e.witness(1, 2, 3, 5)
    e.issue_credentials(label=f"{slug}-credentials")
    service.open_round(slug)
    e.witness(1, 2, 3, 5)

    # Round 1. North: everyone votes Sidorov, then re-votes 3-3-2 (no absolute majority: runoff).
    clock.set(VOTING_OPEN + timedelta(hours=1))
    for i in range(NORTH):
        vote("north", i, {"north-seat": ["Sidorov"]}, seed="first")
    clock.advance(timedelta(minutes=30))
    for i, name in enumerate(["Ivanov"] * 3 + ["Petrova"] * 3 + ["Sidorov"] * 2):
        vote("north", i, {"north-seat": [name]}, seed="second")
    # South: only voters 1 (weight 2) and 2 take part: 3 of 10 registered votes, below the quorum.
    vote("south", 0, {"south-seat": ["Volkov"], "south-recall": "yes"})
    vote("south", 1, {"south-seat": ["Orlova"], "south-recall": "no"})
    clock.set(VOTING_CLOSE)
    service.close_round(slug)
    e.witness(1, 2, 3, 5)
    service.compute_tally(slug)
    e.witness(1, 2, 3)
    e.decrypt((1,))
    post_bad_share(e, 4)  # trustee 4's share has a bad proof: skipped and named
    e.decrypt((2, 3))
    service.decide(slug)  # declares the outcomes and opens round 2 (runoff + repeat)
    e.witness(1, 2, 3)

    # Round 2: the runoff in the North, the repeat election in the South.
    state = e.state()
    runoff = list(state.rounds[2].contests["north-seat"].candidates)
    clock.advance(timedelta(hours=1))
    for i in range(NORTH):
        vote("north", i, {"north-seat": [runoff[0] if i < 5 else runoff[1]]}, seed="r2")
    for i in range(SOUTH):
        vote("south", i, {"south-seat": ["Kuznetsova" if i < 6 else "Volkov"]}, seed="r2")
    vote("south", 8, {"south-seat": ["Kuznetsova"]}, seed="r2-again")
    clock.set(state.rounds[2].closes_at)
    service.close_round(slug)
    e.witness(1, 2, 3)
    service.compute_tally(slug)
    e.witness(1, 2, 3)
    e.decrypt((3, 2, 1))
    service.decide(slug)
    e.witness(1, 2, 3)
    if published:
        service.publish(slug)
        e.witness(1, 2, 3)
    return e


__all__ = ["Election", "build", "roll_csv"]
