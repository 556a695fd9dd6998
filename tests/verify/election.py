"""A small but complete election, run through the service on SQLite, for the verifier's tests.

Two districts and a recall motion; five trustees (k = 3) of whom two never
decrypt, one of them sending a share with a bad proof in round 1 (skipped and
named on the board); a refused nomination upheld on appeal; a weighted voter;
re-votes; the North forced into a runoff and the South (below quorum) into a
repeat round; then publication. The people's secrets are kept so that tests
can make sure none of them reaches the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vybory import protocol
from vybory.crypto.group import Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.service import ElectionService, ManualClock
from vybory.store import Database

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NOMINATIONS_CLOSE = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2025, 3, 20, 6, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2025, 3, 21, 20, 0, tzinfo=UTC)

DEFINITION = """
slug = "{slug}"
title = "Works council election"
seed = "{seed}"
credential_authority = "Credentials office"

[deadlines]
nominations_close = 2025-03-10T12:00:00Z
voting_open = 2025-03-20T06:00:00Z
voting_close = 2025-03-21T20:00:00Z
runoff_days = 7
repeat_days = 14

[commission]
threshold = 3

[[districts]]
id = "north"
name = "North shop"

[[districts]]
id = "south"
name = "South shop"

[[organisations]]
id = "union"
name = "Metalworkers' union"
type = "trade_union"

[[organisations]]
id = "coop"
name = "Consumer co-operative"
type = "cooperative"

[[organisations]]
id = "youth"
name = "Youth league"
type = "youth"

[[trustees]]
id = "anna"
name = "Anna"
organisation = "union"

[[trustees]]
id = "boris"
name = "Boris"
organisation = "union"

[[trustees]]
id = "clara"
name = "Clara"
organisation = "coop"

[[trustees]]
id = "dmitri"
name = "Dmitri"
organisation = "coop"

[[trustees]]
id = "elena"
name = "Elena"
organisation = "youth"

[[contests]]
id = "north-seat"
title = "Delegate for the North shop"
district = "north"
method = "majority"

[[contests]]
id = "south-seat"
title = "Delegate for the South shop"
district = "south"
method = "majority"

[[contests]]
id = "south-recall"
title = "Recall the South shop's treasurer"
district = "south"
method = "motion"
[contests.options]
denominator = "registered"
"""

NORTH = 8
SOUTH = 9


def roll_csv() -> str:
    lines = ["id,name,district,weight"]
    lines += [f"N-{i:03},Worker Nordström {i},north,1" for i in range(1, NORTH + 1)]
    # One South voter carries two votes (a delegate of two members).
    lines += [f"S-{i:03},Worker Southey {i},south,{2 if i == 1 else 1}" for i in range(1, SOUTH + 1)]
    return "\n".join(lines) + "\n"


def rng(label: str) -> DeterministicRng:
    return DeterministicRng(label.encode())


@dataclass
class Election:
    """The service, its clock, and the secrets its people keep at home."""

    service: ElectionService
    clock: ManualClock
    slug: str
    roll: str
    trustees: dict[int, Any] = field(default_factory=dict)
    credentials: dict[str, list[str]] = field(default_factory=dict)
    receipts: list[Any] = field(default_factory=list)

    def state(self) -> Any:
        return self.service.state(self.slug)

    def vote(self, district: str, i: int, choices: dict[str, Any], seed: str = "v") -> Any:
        secret = self.credentials[district][i]
        form = self.service.ballot_form(self.slug, protocol.public_credential(secret))
        ballot, _ = protocol.encrypt_ballot(form, secret, choices, rng(seed + secret))
        receipt = self.service.cast_ballot(self.slug, ballot.to_json())
        self.receipts.append(receipt)
        return receipt

    def share(self, j: int, *, bad: bool = False) -> None:
        state = self.state()
        payload = protocol.compute_decryption_share(state, self.trustees[j], round=state.current_round.number,
                                                    now=self.clock(), rng=rng(f"share-{j}"))
        if bad:
            response = Scalar.from_hex(payload["share"]["proof"]["response"], "r")
            payload["share"]["proof"]["response"] = Scalar.from_int(int(response) + 1).to_hex()
        self.service.submit_decryption_share(self.slug, payload)

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


def build(directory: Path, *, slug: str = "works-2025", seed: str = "5eed5eed5eed5eed5eed5eed5eed5eed",
          published: bool = True) -> Election:
    """Runs the whole election in ``directory`` (its SQLite file); see the module's docstring."""
    clock = ManualClock(T0)
    service = ElectionService(Database(f"sqlite:///{directory / 'vybory.sqlite'}", upgrade=True), clock=clock)
    roll = roll_csv()
    service.create_election(DEFINITION.format(slug=slug, seed=seed), roll_csv=roll)
    e = Election(service, clock, slug, roll)

    plan = [("north-seat", "union", "Ivanov"), ("north-seat", "coop", "Petrova"), ("north-seat", "youth", "Sidorov"),
            ("south-seat", "union", "Kuznetsova"), ("south-seat", "coop", "Volkov")]
    for contest, organisation, name in plan:
        service.nominate(slug, organisation=organisation, contest=contest, name=name, consent=True,
                         details={"occupation": "fitter"})
        service.register_candidate(slug, e.state().nominations[-1].number)
    service.nominate(slug, organisation="youth", contest="south-seat", name="Orlova", consent=True)
    number = e.state().nominations[-1].number
    service.refuse_candidate(slug, number, "the nomination papers were not signed")
    service.lodge_appeal(slug, number, "the papers were signed; the signature page was misfiled")
    service.decide_appeal(slug, number, upheld=True, reason="the signed page was found")

    state = e.state()
    secrets = {}
    for t in state.definition.trustees:
        s = protocol.new_trustee_secrets(state, t.id, rng(f"{slug}-trustee-{t.id}"))
        secrets[s.trustee] = s
    for s in secrets.values():
        service.submit_trustee_step(slug, "trustee_key", protocol.publish_trustee_key(e.state(), s, now=clock(),
                                                                                      rng=rng("k")))
        service.submit_trustee_step(slug, "dkg_commitment_hash",
                                    protocol.publish_commitment_hash(e.state(), s, now=clock()))
    for s in secrets.values():
        service.submit_trustee_step(slug, "dkg_commitments", protocol.publish_reveal(e.state(), s, now=clock(),
                                                                                    rng=rng("r")))
    for s in secrets.values():
        service.submit_trustee_step(slug, "dkg_shares", protocol.publish_shares(e.state(), s, now=clock(),
                                                                                rng=rng("s")))
    for s in secrets.values():
        service.submit_trustee_step(slug, "dkg_complaint", protocol.publish_complaints(e.state(), s, now=clock()))
    state = e.state()
    e.trustees = {i: protocol.trustee_secret_share(state, s) for i, s in secrets.items()}

    clock.set(NOMINATIONS_CLOSE + timedelta(days=3))
    service.close_nominations(slug)
    issued = protocol.issue_credentials(service.roll(slug), rng(f"{slug}-credentials"))
    for voter, secret, _ in issued:
        e.credentials.setdefault(voter.district, []).append(secret)
    service.publish_credentials(slug, [(public, voter.district, voter.weight) for voter, _, public in issued])
    service.open_round(slug)

    # Round 1. North: everyone votes Sidorov, then re-votes 3-3-2 (no absolute majority: runoff).
    clock.set(VOTING_OPEN + timedelta(hours=1))
    for i in range(NORTH):
        e.vote("north", i, {"north-seat": ["Sidorov"]}, seed="first")
    clock.advance(timedelta(minutes=30))
    for i, name in enumerate(["Ivanov"] * 3 + ["Petrova"] * 3 + ["Sidorov"] * 2):
        e.vote("north", i, {"north-seat": [name]}, seed="second")
    # South: only voters 1 (weight 2) and 2 take part: 3 of 10 registered votes, below the quorum.
    e.vote("south", 0, {"south-seat": ["Volkov"], "south-recall": "yes"})
    e.vote("south", 1, {"south-seat": ["Orlova"], "south-recall": "no"})
    clock.set(VOTING_CLOSE)
    service.close_round(slug)
    service.compute_tally(slug)
    e.share(1)
    e.share(4, bad=True)  # trustee 4's share has a bad proof: skipped and named
    e.share(2)
    e.share(3)
    service.decide(slug)  # declares the outcomes and opens round 2 (runoff + repeat)

    # Round 2: the runoff in the North, the repeat election in the South.
    state = e.state()
    runoff = list(state.rounds[2].contests["north-seat"].candidates)
    clock.advance(timedelta(hours=1))
    for i in range(NORTH):
        e.vote("north", i, {"north-seat": [runoff[0] if i < 5 else runoff[1]]}, seed="r2")
    for i in range(SOUTH):
        e.vote("south", i, {"south-seat": ["Kuznetsova" if i < 6 else "Volkov"]}, seed="r2")
    e.vote("south", 8, {"south-seat": ["Kuznetsova"]}, seed="r2-again")
    clock.set(state.rounds[2].closes_at)
    service.close_round(slug)
    service.compute_tally(slug)
    e.share(3)
    e.share(2)
    e.share(1)
    service.decide(slug)
    if published:
        service.publish(slug)
    return e


__all__ = ["Election", "build", "roll_csv"]
