"""A small election with two ranked contests (IRV and Scottish STV), five trustees (k = 3) and
twenty voters, brought up to the point where its only round is closed and tallied."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from election_kit import Board, at, nominate_all, rng, run_key_ceremony, vote

from vybory import protocol
from vybory.model.definition import parse_definition

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2025, 6, 20, 6, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2025, 6, 21, 20, 0, tzinfo=UTC)

RANKED = """
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
max_ranks = 3

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


class Election:
    """The board, the trustees' secrets (with their secret shares) and the credentials."""

    def __init__(self, board: Board, secrets: dict[int, Any], credentials: list[tuple[str, int]]):
        self.board = board
        self.secrets = secrets
        self.credentials = credentials

    def copy(self) -> Election:
        """An independent copy (the board's events are immutable; the state is replayed)."""
        board = copy.copy(self.board)
        board.events = list(self.board.events)
        board.state = board.replayed()
        return Election(board, self.secrets, self.credentials)

    @property
    def state(self) -> protocol.ElectionState:
        return self.board.state

    def mix(self, trustee: int, contest: str, now: datetime | None = None) -> dict[str, Any]:
        """Trustee ``trustee`` mixes ``contest`` of round 1 and the mix goes on the board."""
        now = now or at(VOTING_CLOSE, hours=2)
        payload = protocol.compute_mix(self.state, self.secrets[trustee], round=1, contest=contest, now=now,
                                       rng=rng(f"mix-{trustee}-{contest}"))
        self.board.append("ballots_mixed", payload, now)
        return payload

    def share(self, trustee: int, now: datetime | None = None) -> None:
        now = now or at(VOTING_CLOSE, hours=3)
        self.board.append("decryption_share", protocol.compute_decryption_share(
            self.state, self.secrets[trustee], round=1, now=now, rng=rng(f"share-{trustee}")), now)


def build() -> Election:
    """Up to round 1 closed and its encrypted tally published."""
    board = Board(parse_definition(RANKED), T0)
    nominate_all(board, CANDIDATES, T0)
    board.append("nominations_closed", protocol.close_nominations(board.state, now=at(T0, days=10)),
                 at(T0, days=10))
    secrets = run_key_ceremony(board, at(T0, days=10))
    gen = rng("ranked-credentials")
    credentials = [(protocol.generate_credential(gen)[0], weight) for weight, _ in VOTERS]
    entries = [(protocol.public_credential(secret), "works", weight) for secret, weight in credentials]
    now = at(T0, days=11)
    board.append("credentials_published", protocol.publish_credentials(board.state, entries, now=now), now)
    board.append("round_opened", protocol.open_round(board.state, now=VOTING_OPEN), VOTING_OPEN)
    vote(board, credentials[0][0], FIRST_THOUGHTS, at(VOTING_OPEN, hours=1), seed="first")
    for i, ((secret, _), (_, choices)) in enumerate(zip(credentials, VOTERS)):
        vote(board, secret, choices, at(VOTING_OPEN, hours=2, minutes=i))
    board.append("round_closed", protocol.close_round(board.state, round=1, now=VOTING_CLOSE), VOTING_CLOSE)
    ballots = board.ballots(1)
    now = at(VOTING_CLOSE, hours=1)
    board.append("encrypted_tally", protocol.compute_encrypted_tally(board.state, round=1, ballots=ballots,
                                                                     now=now), now, ballots=ballots)
    return Election(board, secrets, credentials)
