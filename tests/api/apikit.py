"""A small election driven through the HTTP API, and the people who run it.

Trustees compute their messages from the board they download
(``board.jsonl``) with the offline tool, as an air-gapped trustee would; the
credential authority and voters use the protocol's functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from electionkit import (
    NOMINATIONS_CLOSE,
    NOMINEES,
    OFFLINE_KEY_CEREMONY,
    PASSWORD,
    ROLL,
    SLUG,
    T0,
    VOTING_CLOSE,
    VOTING_OPEN,
    credential_statement,
    credentials_for,
    offline_step,
    roll_statement,
    sealed_ballot,
)
from electionkit import SMALL_COUNCIL as DEFINITION

from vybory import protocol
from vybory.web import offline


class Caller:
    """A TestClient logged in as one user: ``call(method, path, json=...)`` sends the CSRF header."""

    def __init__(self, client: Any, username: str, password: str = PASSWORD):
        self.client = client
        client.cookies.clear()  # each caller is a browser of its own
        response = client.post("/api/session", json={"username": username, "password": password})
        client.cookies.clear()
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

    def board_events(self) -> list[Any]:
        """The events of the downloaded board, as a trustee's offline machine reads them."""
        return offline.board_events(self.client.get(f"/api/elections/{self.slug}/board.jsonl").text)

    def board_state(self) -> Any:
        """The state a trustee's offline machine rebuilds from the downloaded board."""
        return protocol.replay(self.board_events())

    def trustee_step(self, trustee: str, step: str, **kwargs: Any) -> dict[str, Any]:
        """Computes a trustee's step offline and returns its message (kind and payload)."""
        events = self.board_events()
        if step == "decrypt":
            kwargs.setdefault("ballots", events)
        return offline_step(protocol.replay(events), self.folder / f"{trustee}.json", trustee, step, **kwargs)


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
    for step in OFFLINE_KEY_CEREMONY:
        for trustee in ("anna", "clara", "elena"):
            message = e.trustee_step(trustee, step)
            e.trustee(trustee).ok(
                "POST",
                f"/api/elections/{e.slug}/key-ceremony/messages",
                201,
                json={"kind": message["kind"], "payload": message["payload"]},
            )


def issue_credentials(e: ApiElection) -> None:
    roll = e.service.roll(e.slug)
    e.secretary.ok(
        "POST",
        f"/api/elections/{e.slug}/roll/statement",
        201,
        json={"payload": roll_statement(e.service.state(e.slug), roll)},
    )
    e.credentials, entries = credentials_for(roll)
    e.secretary.ok(
        "POST",
        f"/api/elections/{e.slug}/credentials",
        201,
        json={"payload": credential_statement(e.service.state(e.slug), roll, entries)},
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
    return sealed_ballot(form, secret, choices, seed).to_json()


def cast(e: ApiElection, secret: str, choices: dict[str, Any], seed: str = "v") -> Any:
    return e.client.post(
        f"/api/elections/{e.slug}/ballots",
        content=json.dumps(make_ballot(e, secret, choices, seed)),
        headers={"content-type": "application/json"},
    )


__all__ = ["DEFINITION", "NOMINATIONS_CLOSE", "PASSWORD", "ROLL", "SLUG", "T0", "VOTING_CLOSE", "ApiElection",
           "Caller", "cast", "create", "make_ballot", "make_users", "nominate_all", "ready_to_vote"]
