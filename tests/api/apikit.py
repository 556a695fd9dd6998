"""A small election driven through the HTTP API, and the people who run it.

Trustees compute their messages from the board they download
(``board.jsonl``) with the offline tool, as an air-gapped trustee would; the
credential authority and voters use the protocol's functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vybory import protocol
from vybory.crypto.rng import DeterministicRng
from vybory.web import offline

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NOMINATIONS_CLOSE = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2025, 3, 20, 6, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2025, 3, 21, 20, 0, tzinfo=UTC)
SLUG = "council-2025"
PASSWORD = "correct horse battery"

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
    f"{d[0]}{i},Voter {d} {i},{d},1\n" for d in ("north", "south") for i in range(1, 7)
)

NOMINEES = {
    "north-seat": [("union", "Ivanov"), ("coop", "Petrova"), ("youth", "Sidorov")],
    "south-seat": [("union", "Kuznetsova"), ("coop", "Volkov")],
}


def rng(label: str) -> DeterministicRng:
    return DeterministicRng(label.encode())


class Caller:
    """A TestClient logged in as one user: ``call(method, path, json=...)`` sends the CSRF header."""

    def __init__(self, client: Any, username: str, password: str = PASSWORD):
        self.client = client
        response = client.post("/api/session", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        self.csrf = response.json()["csrf_token"]
        self.cookies = dict(response.cookies)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        headers.setdefault("x-csrf-token", self.csrf)
        self.client.cookies.clear()
        for name, value in self.cookies.items():
            self.client.cookies.set(name, value)
        try:
            return self.client.request(method, path, headers=headers, **kwargs)
        finally:
            self.client.cookies.clear()

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json()


@dataclass
class ApiElection:
    client: Any
    service: Any
    clock: Any
    folder: Path
    slug: str = SLUG
    secretary: Caller | None = None
    trustees: dict[str, Caller] = field(default_factory=dict)
    organisations: dict[str, Caller] = field(default_factory=dict)
    credentials: dict[str, list[str]] = field(default_factory=dict)

    def organisation(self, org: str) -> Caller:
        """The organisation's login (created on first use: argon2 hashing is slow on purpose)."""
        if org not in self.organisations:
            assert self.secretary is not None
            self.secretary.ok(
                "POST",
                f"/api/elections/{self.slug}/organisations/{org}/login",
                201,
                json={"username": f"org-{org}", "password": PASSWORD},
            )
            self.organisations[org] = Caller(self.client, f"org-{org}")
        return self.organisations[org]

    def trustee(self, trustee: str) -> Caller:
        if trustee not in self.trustees:
            assert self.secretary is not None
            self.secretary.ok(
                "POST",
                "/api/users",
                201,
                json={
                    "username": f"t-{trustee}",
                    "password": PASSWORD,
                    "role": "trustee",
                    "election": self.slug,
                    "subject": trustee,
                },
            )
            self.trustees[trustee] = Caller(self.client, f"t-{trustee}")
        return self.trustees[trustee]

    def board_state(self) -> Any:
        """The state a trustee's offline machine rebuilds from the downloaded board."""
        text = self.client.get(f"/api/elections/{self.slug}/board.jsonl").text
        return offline.read_board(text)

    def trustee_step(self, trustee: str, step: str, **kwargs: Any) -> dict[str, Any]:
        """Computes a trustee's step offline and returns its message (kind and payload)."""
        key = self.folder / f"{trustee}.json"
        message, new_key = offline.compute_step(
            step,
            self.board_state(),
            None if step == "keygen" else key,
            trustee_id=trustee,
            **kwargs,
        )
        if new_key is not None:
            key.write_text(new_key, encoding="utf-8")
        return message


def make_users(service: Any) -> None:
    service.add_user("secretary", PASSWORD, "commission")


def create(e: ApiElection) -> None:
    e.clock.set(T0)
    e.secretary = Caller(e.client, "secretary")
    e.secretary.ok("POST", "/api/elections", 201, json={"definition": DEFINITION, "roll": ROLL})


def nominate_all(e: ApiElection) -> None:
    for contest, entries in NOMINEES.items():
        for organisation, name in entries:
            number = e.organisation(organisation).ok(
                "POST",
                f"/api/elections/{e.slug}/nominations",
                201,
                json={
                    "organisation": organisation,
                    "contest": contest,
                    "name": name,
                    "consent": True,
                },
            )["nomination"]
            e.secretary.ok("POST", f"/api/elections/{e.slug}/nominations/{number}/register")


def key_ceremony(e: ApiElection) -> None:
    for step in ("keygen", "commit", "reveal", "shares", "complain"):
        for trustee in ("anna", "clara", "elena"):
            message = e.trustee_step(trustee, step)
            e.trustee(trustee).ok(
                "POST",
                f"/api/elections/{e.slug}/key-ceremony/messages",
                201,
                json={"kind": message["kind"], "payload": message["payload"]},
            )


def issue_credentials(e: ApiElection) -> None:
    issued = protocol.issue_credentials(e.service.roll(e.slug), rng("credentials"))
    for voter, secret, _public in issued:
        e.credentials.setdefault(voter.district, []).append(secret)
    e.secretary.ok(
        "POST",
        f"/api/elections/{e.slug}/credentials",
        201,
        json={
            "credentials": [
                {"credential": public.to_hex(), "district": voter.district, "weight": voter.weight}
                for voter, _secret, public in issued
            ]
        },
    )


def ready_to_vote(e: ApiElection) -> ApiElection:
    create(e)
    nominate_all(e)
    key_ceremony(e)
    e.clock.set(NOMINATIONS_CLOSE + timedelta(days=3))
    e.secretary.ok("POST", f"/api/elections/{e.slug}/nominations/close")
    issue_credentials(e)
    e.secretary.ok("POST", f"/api/elections/{e.slug}/rounds/open")
    e.clock.set(VOTING_OPEN + timedelta(hours=1))
    return e


def make_ballot(
    e: ApiElection, secret: str, choices: dict[str, Any], seed: str = "v"
) -> dict[str, Any]:
    form = e.service.ballot_form(e.slug, protocol.public_credential(secret))
    ballot, _ = protocol.encrypt_ballot(form, secret, choices, rng(seed + secret))
    return ballot.to_json()


def cast(e: ApiElection, secret: str, choices: dict[str, Any], seed: str = "v") -> Any:
    return e.client.post(
        f"/api/elections/{e.slug}/ballots",
        content=json.dumps(make_ballot(e, secret, choices, seed)),
        headers={"content-type": "application/json"},
    )
