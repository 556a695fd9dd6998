"""A small election for the service tests, and the people who run it.

Trustees, the credential authority and voters compute their steps from a
copy of the state (as they would on their own machines) and hand only the
public payloads to the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vybory import protocol
from vybory.crypto.rng import DeterministicRng
from vybory.service import ElectionService, ManualClock, Receipt

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NOMINATIONS_CLOSE = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2025, 3, 20, 6, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2025, 3, 21, 20, 0, tzinfo=UTC)
SLUG = "council-2025"

DEFINITION = """
slug = "council-2025"
title = "Town council election"
seed = "5eed5eed5eed5eed5eed5eed5eed5eed"
credential_authority = "Credentials office"

[deadlines]
nominations_close = 2025-03-10T12:00:00Z
voting_open = 2025-03-20T06:00:00Z
voting_close = 2025-03-21T20:00:00Z
runoff_days = 7
repeat_days = 14

[commission]
threshold = 2

[[districts]]
id = "north"
name = "North"

[[districts]]
id = "south"
name = "South"

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
id = "clara"
name = "Clara"
organisation = "coop"

[[trustees]]
id = "elena"
name = "Elena"
organisation = "youth"

[[contests]]
id = "north-seat"
title = "Councillor for the North"
district = "north"
method = "majority"

[[contests]]
id = "south-seat"
title = "Councillor for the South"
district = "south"
method = "majority"
"""

ROLL = "id,name,district,weight\n" + "".join(
    f"{d[0]}{i},Voter {d} {i},{d},1\n" for d in ("north", "south") for i in range(1, 7))

NOMINEES = {"north-seat": [("union", "Ivanov"), ("coop", "Petrova"), ("youth", "Sidorov")],
            "south-seat": [("union", "Kuznetsova"), ("coop", "Volkov")]}


def rng(label: str) -> DeterministicRng:
    return DeterministicRng(label.encode())


@dataclass
class Election:
    """A service with a manual clock, and the secrets its trustees and voters keep at home."""

    service: ElectionService
    clock: ManualClock
    slug: str = SLUG
    trustees: dict[int, Any] = field(default_factory=dict)
    credentials: dict[str, list[str]] = field(default_factory=dict)

    def state(self):  # type: ignore[no-untyped-def]
        return self.service.state(self.slug)


def new_election(service: ElectionService, clock: ManualClock, definition: str = DEFINITION,
                 roll: str | None = ROLL) -> Election:
    clock.set(T0)
    summary = service.create_election(definition, roll_csv=roll)
    return Election(service, clock, summary.slug)


def nominate_all(e: Election, plan: dict[str, list[tuple[str, str]]] = NOMINEES) -> None:
    for contest, entries in plan.items():
        for organisation, name in entries:
            posted = e.service.nominate(e.slug, organisation=organisation, contest=contest, name=name,
                                        consent=True, details={"occupation": "fitter"})
            number = e.service.state(e.slug).nominations[-1].number
            assert posted.kind == "nomination_submitted"
            e.service.register_candidate(e.slug, number)


def key_ceremony(e: Election) -> dict[int, Any]:
    """Every trustee runs every step at home; returns each trustee's secrets with its share."""
    state = e.state()
    secrets = {}
    for t in state.definition.trustees:
        s = protocol.new_trustee_secrets(state, t.id, rng(f"trustee-{t.id}"))
        secrets[s.trustee] = s
    for s in secrets.values():
        e.service.submit_trustee_step(e.slug, "trustee_key",
                                      protocol.publish_trustee_key(e.state(), s, now=e.clock(), rng=rng("k")))
        e.service.submit_trustee_step(e.slug, "dkg_commitment_hash",
                                      protocol.publish_commitment_hash(e.state(), s, now=e.clock()))
    for s in secrets.values():
        e.service.submit_trustee_step(e.slug, "dkg_commitments",
                                      protocol.publish_reveal(e.state(), s, now=e.clock(), rng=rng("r")))
    for s in secrets.values():
        e.service.submit_trustee_step(e.slug, "dkg_shares",
                                      protocol.publish_shares(e.state(), s, now=e.clock(), rng=rng("s")))
    for s in secrets.values():
        e.service.submit_trustee_step(e.slug, "dkg_complaint",
                                      protocol.publish_complaints(e.state(), s, now=e.clock()))
    state = e.state()
    assert state.keys.completed is not None
    e.trustees = {i: protocol.trustee_secret_share(state, s) for i, s in secrets.items()}
    return e.trustees


def issue_credentials(e: Election) -> dict[str, list[str]]:
    """The credential authority: one secret per voter of the roll, only public parts published."""
    issued = protocol.issue_credentials(e.service.roll(e.slug), rng("credentials"))
    for voter, secret, _public in issued:
        e.credentials.setdefault(voter.district, []).append(secret)
    e.service.publish_credentials(e.slug, [(public, voter.district, voter.weight)
                                           for voter, _secret, public in issued])
    return e.credentials


def ready_to_vote(e: Election) -> Election:
    """Nominations registered and closed, key ceremony done, credentials published, round 1 open."""
    nominate_all(e)
    key_ceremony(e)
    e.clock.set(NOMINATIONS_CLOSE + timedelta(days=3))
    e.service.close_nominations(e.slug)
    issue_credentials(e)
    e.service.open_round(e.slug)
    e.clock.set(VOTING_OPEN + timedelta(hours=1))
    return e


def make_ballot(e: Election, secret: str, choices: dict[str, Any], seed: str = "v") -> Any:
    form = e.service.ballot_form(e.slug, protocol.public_credential(secret))
    ballot, _ = protocol.encrypt_ballot(form, secret, choices, rng(seed + secret))
    return ballot


def vote(e: Election, secret: str, choices: dict[str, Any], seed: str = "v") -> Receipt:
    return e.service.cast_ballot(e.slug, make_ballot(e, secret, choices, seed).to_json())


def decrypt(e: Election, trustees: tuple[int, ...], round: int | None = None) -> None:
    state = e.state()
    number = round or state.current_round.number
    for j in trustees:
        e.service.submit_decryption_share(e.slug, protocol.compute_decryption_share(
            state, e.trustees[j], round=number, now=e.clock(), rng=rng(f"share-{j}")))


def bump(scalar_hex: str) -> str:
    """Another canonical scalar (the next one): a well-formed but wrong response."""
    from vybory.crypto.group import Scalar

    return Scalar.from_int(int(Scalar.from_hex(scalar_hex, "s")) + 1).to_hex()


def board_snapshot(service: ElectionService, slug: str = SLUG) -> tuple[Any, ...]:
    """Everything a refused operation must leave unchanged: the board and the index tables."""
    from sqlalchemy import func, select

    from vybory.store.tables import BallotEntry, BoardEvent, CiphertextEntry, CredentialEntry

    head = service.head(slug)
    with service.database.transaction(write=False) as session:
        counts = tuple(session.scalar(select(func.count()).select_from(t))
                       for t in (BoardEvent, BallotEntry, CiphertextEntry, CredentialEntry))
    return head, counts
