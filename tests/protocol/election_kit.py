"""A small in-memory board and a ready-made election for the protocol tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from vybory import protocol
from vybory.crypto.rng import DeterministicRng
from vybory.model.board import Event, EventKind, check_chain, next_event
from vybory.model.definition import Definition, parse_definition
from vybory.protocol.state import ElectionState, replay

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NOMINATIONS_CLOSE = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2025, 3, 20, 6, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2025, 3, 21, 20, 0, tzinfo=UTC)

COUNCIL = """
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
threshold = 3

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
title = "Councillor for the North"
district = "north"
method = "majority"

[[contests]]
id = "south-seat"
title = "Councillor for the South"
district = "south"
method = "majority"

[[contests]]
id = "south-recall"
title = "Recall the South's treasurer"
district = "south"
method = "motion"
[contests.options]
denominator = "registered"
"""


# One district, two organisations, two trustees (k = 2), one contest "chair".
COMMITTEE = """
slug = "committee"
title = "Factory committee"
seed = "00112233445566778899aabbccddeeff"
credential_authority = "Credentials office"

[deadlines]
nominations_close = 2025-05-01T12:00:00Z
voting_open = 2025-05-10T06:00:00Z
voting_close = 2025-05-11T18:00:00Z

[commission]
threshold = 2

[[districts]]
id = "plant"
name = "The plant"

[[organisations]]
id = "union"
name = "Union"
type = "trade_union"

[[organisations]]
id = "coop"
name = "Co-op"
type = "cooperative"

[[trustees]]
id = "t1"
name = "One"
organisation = "union"

[[trustees]]
id = "t2"
name = "Two"
organisation = "coop"

[[contests]]
id = "chair"
title = "Chair"
method = "majority"
"""


class Board:
    """An in-memory board: every append goes through ``protocol.check_append``."""

    def __init__(self, definition: Definition, now: datetime = T0):
        self.events: list[Event] = [
            next_event(None, EventKind.ELECTION_DEFINED, protocol.define(definition, now))]
        self.state: ElectionState = replay(self.events)

    def append(self, kind: EventKind | str, payload: dict[str, Any], now: datetime, **extra: Any) -> Event:
        checked = protocol.check_append(self.state, kind, payload, now=now, **extra)
        event = next_event(self.events[-1], kind, checked)
        self.events.append(event)
        self.state.apply(event)
        return event

    def replayed(self) -> ElectionState:
        check_chain(self.events)
        return replay(self.events)

    def ballots(self, round_number: int) -> list[Event]:
        return [e for e in self.events
                if e.kind is EventKind.BALLOT_CAST and e.payload["ballot"]["round"] == round_number]


def council() -> Definition:
    return parse_definition(COUNCIL)


def rng(label: str) -> DeterministicRng:
    return DeterministicRng(label.encode())


def run_key_ceremony(board: Board, now: datetime = T0) -> dict[int, Any]:
    """Every trustee runs every step; returns each trustee's secrets with its secret share."""
    state = board.state
    secrets = {}
    for t in state.definition.trustees:
        s = protocol.new_trustee_secrets(state, t.id, rng(f"trustee-{t.id}"))
        secrets[s.trustee] = s
    for s in secrets.values():
        board.append("trustee_key", protocol.publish_trustee_key(board.state, s, now=now, rng=rng("k")), now)
        board.append("dkg_commitment_hash", protocol.publish_commitment_hash(board.state, s, now=now), now)
    for s in secrets.values():
        board.append("dkg_commitments", protocol.publish_reveal(board.state, s, now=now, rng=rng("r")), now)
    for s in secrets.values():
        board.append("dkg_shares", protocol.publish_shares(board.state, s, now=now, rng=rng("s")), now)
    for s in secrets.values():
        board.append("dkg_complaint", protocol.publish_complaints(board.state, s, now=now), now)
    board.append("key_ceremony_completed", protocol.complete_key_ceremony(board.state, now=now), now)
    return {i: protocol.trustee_secret_share(board.state, s) for i, s in secrets.items()}


def nominate_all(board: Board, plan: dict[str, list[tuple[str, str]]], now: datetime = T0) -> None:
    """``plan``: contest -> [(organisation, name)]; every nomination registered, then closed."""
    for contest, entries in plan.items():
        for organisation, name in entries:
            board.append("nomination_submitted", protocol.nominate(
                board.state, organisation=organisation, contest=contest, name=name,
                details={"occupation": "fitter"}, consent=True, now=now), now)
            number = len(board.state.nominations)
            board.append("candidate_registered",
                         protocol.register_candidate(board.state, nomination=number, now=now), now)


def issue(board: Board, voters: dict[str, int], now: datetime = T0) -> dict[str, list[str]]:
    """``voters``: district -> how many; publishes the list; returns secrets per district."""
    out: dict[str, list[str]] = {}
    entries = []
    gen = rng("credentials")
    for district, n in voters.items():
        for _ in range(n):
            secret, public = protocol.generate_credential(gen)
            out.setdefault(district, []).append(secret)
            entries.append((public, district, 1))
    board.append("credentials_published", protocol.publish_credentials(board.state, entries, now=now), now)
    return out


def vote(board: Board, secret: str, choices: dict[str, Any], now: datetime, seed: str = "v") -> Event:
    form = protocol.ballot_form(board.state, protocol.public_credential(secret))
    ballot, _ = protocol.encrypt_ballot(form, secret, choices, rng(seed + secret))
    return board.append("ballot_cast", {"ballot": ballot.to_json()}, now)


def decrypt_round(board: Board, secrets: dict[int, Any], number: int, trustees: tuple[int, ...],
                  now: datetime) -> None:
    board.append("encrypted_tally", protocol.compute_encrypted_tally(
        board.state, round=number, ballots=board.ballots(number), now=now), now, ballots=board.ballots(number))
    for j in trustees:
        board.append("decryption_share", protocol.compute_decryption_share(
            board.state, secrets[j], round=number, now=now, rng=rng(f"share-{j}")), now)
    board.append("tally_decrypted", protocol.combine_shares(board.state, round=number, now=now), now)
    board.append("outcome_declared", protocol.declare_outcomes(board.state, round=number, now=now), now)


def at(base: datetime, **delta: float) -> datetime:
    return base + timedelta(**delta)
