"""Trustees countersign the board's head through the API, from their own machines (SQLite and
PostgreSQL): `vybory trustee witness --server` downloads the board, checks it, holds the head the
server shows to it, signs and posts. "Who has not yet acted" names each trustee whose witness of the
latest phase is missing.

The liars: a server that shows the trustee one head and serves another board (the tool refuses,
nothing is signed or posted); a server that serves a board rewritten after the trustee's witness (the
tool refuses by the trustee's heads file); a trustee who posts another trustee's witness."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from apikit import ApiElection, ready_to_vote
from electionkit import PASSWORD, identity_secret, rewrite_board
from fastapi.testclient import TestClient

from vybory.api import create_app
from vybory.cli.remote import log_in, witness_through
from vybory.errors import Refused
from vybory.service import ElectionService


def trustee_client(app: Any, e: ApiElection, trustee: str) -> tuple[TestClient, str]:
    """A trustee's own machine talking to ``app``: logged in with the trustee's login."""
    e.trustee(trustee)  # the login exists
    client = TestClient(app, raise_server_exceptions=False)
    return client, log_in(client, f"t-{trustee}", PASSWORD)


def witness(app: Any, e: ApiElection, trustee: str, heads: Any = ()) -> Any:
    client, csrf = trustee_client(app, e, trustee)
    with client:
        return witness_through(client, e.slug, csrf, trustee_id=trustee,
                               signing_secret=identity_secret("trustee", trustee), heads=heads)


def waiting_witnesses(e: ApiElection) -> set[str]:
    waiting = e.client.get(f"/api/elections/{e.slug}/waiting").json()["waiting"]
    return {w["who"] for w in waiting if w["role"] == "witness"}


def test_trustees_witness_through_the_api_and_the_waiting_list_names_the_others(election: ApiElection) -> None:
    e = ready_to_vote(election)
    assert waiting_witnesses(e) == {"anna", "clara", "elena"}
    made, answer = witness(e.client.app, e, "anna")
    head = e.service.head(e.slug)
    assert answer["posted"][0] == {"position": head.position, "kind": "head_witnessed", "hash": head.hash}
    assert made.head.label == "round 1 opened" and made.head.position == head.position - 1
    assert waiting_witnesses(e) == {"clara", "elena"}
    # Clara posts Anna's witness: refused, nothing appended.
    client, csrf = trustee_client(e.client.app, e, "clara")
    with client:
        refused = client.post(f"/api/elections/{e.slug}/witnesses", json={"payload": made.payload},
                              headers={"x-csrf-token": csrf})
    assert refused.status_code == 403 and refused.json()["code"] == "not_your_message"
    assert e.service.head(e.slug) == head
    # The trustees' pages say whose countersignature of the latest phase is missing, and give the command.
    for trustee, due in (("anna", "false"), ("clara", "true")):
        client, _csrf = trustee_client(e.client.app, e, trustee)
        with client:
            page = client.get(f"/trustee/elections/{e.slug}").text
        assert f'data-due="{due}"' in page and "vybory trustee witness council-2025" in page
        assert "This page does not sign the head for you" in page
    # Without a login: 401.
    anonymous = TestClient(e.client.app, raise_server_exceptions=False)
    assert anonymous.post(f"/api/elections/{e.slug}/witnesses", json={"payload": made.payload}).status_code == 401


class SwappedHead(ElectionService):
    """A server that shows, on the election's page, a head other than the board it serves."""

    def status(self, slug: str) -> Any:
        real = super().status(slug)
        return dataclasses.replace(real, head_hash="ab" * 32)


def test_a_server_that_swaps_the_head_it_shows_gets_no_signature(election: ApiElection, database: Any,
                                                                api_clock: Any) -> None:
    e = ready_to_vote(election)
    lying = SwappedHead(database, clock=api_clock)
    app = create_app(service=lying, secret_key=b"lying", secure_cookies=False)
    before = e.service.head(e.slug)
    with pytest.raises(Refused) as info:
        witness(app, e, "anna")
    assert info.value.code == "head_mismatch" and "nothing is signed" in info.value.message
    assert e.service.head(e.slug) == before
    assert "anna" in waiting_witnesses(e)


def test_a_board_rewritten_after_the_witness_is_refused_by_the_heads_file(election: ApiElection,
                                                                         database_url: str) -> None:
    e = ready_to_vote(election)
    made, _answer = witness(e.client.app, e, "elena")

    # The database operator changes a nominee's details and re-hashes the whole chain, witnesses included.
    def new_details(rows: list[dict[str, Any]]) -> None:
        next(r for r in rows if r["kind"] == "nomination_submitted")["payload"]["candidate"]["details"] = {
            "occupation": "director"}

    rewrite_board(database_url, new_details)
    before = e.service.head(e.slug)
    with pytest.raises(Refused) as info:
        witness(e.client.app, e, "elena", heads=[made.head])
    assert info.value.code in {"history_rewritten", "board_broken"}
    assert e.service.head(e.slug) == before
