"""An election with ranked contests (IRV and Scottish STV) and a motion, run in memory with the
protocol up to its publication: the ranked ballots go through three trustees' mixes (k = 3)
before the round is decrypted. Its board lines make a record for the verifier's tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vybory import protocol
from vybory.crypto.rng import DeterministicRng
from vybory.model.board import Event, EventKind, next_event
from vybory.model.canonical import canonical_json
from vybory.model.definition import parse_definition
from vybory.protocol.state import ElectionState, replay
from vybory.verify.record import FileEntry, Manifest, readme_text

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2025, 6, 20, 6, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2025, 6, 21, 20, 0, tzinfo=UTC)

DEFINITION = """
slug = "ranked-committee"
title = "Works committee, ranked"
seed = "0123456789abcdef0123456789abcdef"
credential_authority = "Credentials office"

[deadlines]
nominations_close = 2025-06-10T12:00:00Z
voting_open = 2025-06-20T06:00:00Z
voting_close = 2025-06-21T20:00:00Z

[commission]
threshold = 3

[[districts]]
id = "works"
name = "The works"

[[organisations]]
id = "union"
name = "Union"
type = "trade_union"

[[organisations]]
id = "coop"
name = "Co-op"
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
id = "chair"
title = "Chair"
method = "irv"
[contests.options]
max_ranks = 2

[[contests]]
id = "board"
title = "Board"
method = "stv-scottish"
seats = 2

[[contests]]
id = "canteen"
title = "Keep the canteen open"
method = "motion"
"""

CANDIDATES = {
    "chair": [("union", "Ada"), ("coop", "Boyd"), ("youth", "Cleo")],
    "board": [("union", "Ewa"), ("coop", "Fyodor"), ("youth", "Gale")],
}

# (weight, choices); weighted credentials keep their weight through the mix.
VOTERS: list[tuple[int, dict[str, Any]]] = [
    (1, {"chair": ["Ada", "Boyd"], "board": ["Ewa", "Fyodor"], "canteen": "yes"}),
    (1, {"chair": ["Ada"], "board": ["Ewa", "Gale", "Fyodor"], "canteen": "yes"}),
    (2, {"chair": ["Boyd", "Ada"], "board": ["Fyodor", "Ewa", "Gale"], "canteen": "no"}),
    (1, {"chair": ["Cleo", "Boyd"], "board": ["Gale"], "canteen": "yes"}),
    (1, {"chair": ["Cleo"], "board": ["Gale", "Ewa"], "canteen": "abstain"}),
    (1, {"chair": ["Boyd"], "board": ["Fyodor", "Gale"], "canteen": "yes"}),
    (3, {"chair": ["Cleo", "Ada"], "board": ["Gale", "Ewa"], "canteen": "yes"}),
    (1, {"chair": [], "board": [], "canteen": "abstain"}),
]
FIRST_THOUGHTS = {"chair": ["Cleo"], "board": ["Gale"], "canteen": "no"}
MIXERS = (2, 4, 1)  # k = 3 of the five trustees mix each contest, not in their numbers' order


def rng(label: str) -> DeterministicRng:
    return DeterministicRng(label.encode())


class Board:
    """An in-memory board: every append goes through ``protocol.check_append``."""

    def __init__(self, toml: str, now: datetime):
        definition = parse_definition(toml)
        self.events: list[Event] = [next_event(None, EventKind.ELECTION_DEFINED, protocol.define(definition, now))]
        self.state: ElectionState = replay(self.events)

    def append(self, kind: str, payload: dict[str, Any], now: datetime, **extra: Any) -> Event:
        checked = protocol.check_append(self.state, kind, payload, now=now, **extra)
        event = next_event(self.events[-1], kind, checked)
        self.events.append(event)
        self.state.apply(event)
        return event


@dataclass
class Ranked:
    board: Board
    trustees: dict[int, Any]
    credentials: list[str]
    receipts: list[str]

    def lines(self) -> list[bytes]:
        return [e.to_line() + b"\n" for e in self.board.events]


def build() -> Ranked:
    b = Board(DEFINITION, T0)
    now = T0
    for contest, entries in CANDIDATES.items():
        for organisation, name in entries:
            b.append("nomination_submitted", protocol.nominate(b.state, organisation=organisation, contest=contest,
                                                               name=name, consent=True, now=now), now)
            b.append("candidate_registered", protocol.register_candidate(
                b.state, nomination=len(b.state.nominations), now=now), now)
    closing = T0 + timedelta(days=10)
    b.append("nominations_closed", protocol.close_nominations(b.state, now=closing), closing)
    secrets = {}
    for t in b.state.definition.trustees:
        s = protocol.new_trustee_secrets(b.state, t.id, rng(f"ranked-{t.id}"))
        secrets[s.trustee] = s
    for s in secrets.values():
        b.append("trustee_key", protocol.publish_trustee_key(b.state, s, now=closing, rng=rng("k")), closing)
        b.append("dkg_commitment_hash", protocol.publish_commitment_hash(b.state, s, now=closing), closing)
    for s in secrets.values():
        b.append("dkg_commitments", protocol.publish_reveal(b.state, s, now=closing, rng=rng("r")), closing)
    for s in secrets.values():
        b.append("dkg_shares", protocol.publish_shares(b.state, s, now=closing, rng=rng("s")), closing)
    for s in secrets.values():
        b.append("dkg_complaint", protocol.publish_complaints(b.state, s, now=closing), closing)
    b.append("key_ceremony_completed", protocol.complete_key_ceremony(b.state, now=closing), closing)
    trustees = {i: protocol.trustee_secret_share(b.state, s) for i, s in secrets.items()}

    gen = rng("ranked-credentials")
    credentials = [protocol.generate_credential(gen)[0] for _ in VOTERS]
    entries = [(protocol.public_credential(c), "works", w) for c, (w, _) in zip(credentials, VOTERS)]
    now = T0 + timedelta(days=11)
    b.append("credentials_published", protocol.publish_credentials(b.state, entries, now=now), now)
    b.append("round_opened", protocol.open_round(b.state, now=VOTING_OPEN), VOTING_OPEN)
    receipts = []

    def vote(secret: str, choices: dict[str, Any], at: datetime, seed: str) -> None:
        form = protocol.ballot_form(b.state, protocol.public_credential(secret))
        ballot, _ = protocol.encrypt_ballot(form, secret, choices, rng(seed + secret))
        receipts.append(b.append("ballot_cast", {"ballot": ballot.to_json()}, at).payload["tracking_code"])

    vote(credentials[0], FIRST_THOUGHTS, VOTING_OPEN + timedelta(hours=1), "first")
    for i, (secret, (_, choices)) in enumerate(zip(credentials, VOTERS)):
        vote(secret, choices, VOTING_OPEN + timedelta(hours=2, minutes=i), "v")
    b.append("round_closed", protocol.close_round(b.state, round=1, now=VOTING_CLOSE), VOTING_CLOSE)
    ballots = [e for e in b.events if e.kind is EventKind.BALLOT_CAST]
    now = VOTING_CLOSE + timedelta(hours=1)
    b.append("encrypted_tally", protocol.compute_encrypted_tally(b.state, round=1, ballots=ballots, now=now), now,
             ballots=ballots)
    for contest in ("chair", "board"):
        for j in MIXERS:
            b.append("ballots_mixed", protocol.compute_mix(b.state, trustees[j], round=1, contest=contest, now=now,
                                                           rng=rng(f"mix-{j}-{contest}")), now)
    for j in (3, 1, 2):
        b.append("decryption_share", protocol.compute_decryption_share(b.state, trustees[j], round=1, now=now,
                                                                       rng=rng(f"share-{j}")), now)
    b.append("tally_decrypted", protocol.combine_shares(b.state, round=1, now=now), now)
    b.append("outcome_declared", protocol.declare_outcomes(b.state, round=1, now=now), now)
    b.append("election_published", protocol.publish_election(b.state, now=now), now)
    return Ranked(b, trustees, credentials, receipts)


def files_of(lines: list[bytes], slug: str = "ranked-committee") -> dict[str, bytes]:
    """The files of a record holding these board lines (as `vybory export` writes them)."""
    import json

    first = json.loads(lines[0])
    definition = canonical_json(first["payload"]["definition"])
    events = b"".join(lines)
    head = json.loads(lines[-1])["hash"]
    fp = hashlib.sha256(definition).hexdigest()
    readme = readme_text(election=slug, title=slug, fingerprint=fp, events=len(lines), head=head).encode()
    manifest = Manifest(slug, fp, len(lines), head, {
        "definition.json": FileEntry(hashlib.sha256(definition).hexdigest(), len(definition)),
        "events.jsonl": FileEntry(hashlib.sha256(events).hexdigest(), len(events)),
        "README.md": FileEntry(hashlib.sha256(readme).hexdigest(), len(readme)),
    })
    return {"manifest.json": canonical_json(manifest.to_json()), "definition.json": definition,
            "events.jsonl": events, "README.md": readme}


__all__ = ["Ranked", "build", "files_of"]
