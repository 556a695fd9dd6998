"""The booth's look-up of a public credential on the published list, by its first 4 hex digits."""

from __future__ import annotations

from apikit import SLUG, ApiElection, create, ready_to_vote

from vybory import protocol


def test_the_list_is_looked_up_by_a_prefix_and_names_the_district(election: ApiElection) -> None:
    e = ready_to_vote(election)
    secret = e.credentials["south"][0]
    mine = protocol.public_credential(secret).to_hex()
    answer = e.client.get(f"/api/elections/{SLUG}/credentials", params={"prefix": mine[:4].upper()})
    assert answer.status_code == 200
    body = answer.json()
    assert body["prefix"] == mine[:4]
    assert {"credential": mine, "district": "south", "weight": 1} in body["credentials"]
    assert all(entry["credential"].startswith(mine[:4]) for entry in body["credentials"])
    assert [entry["credential"] for entry in body["credentials"]] == sorted(
        entry["credential"] for entry in body["credentials"])
    # a credential not on the list is simply absent from the answer
    _stranger, public = protocol.generate_credential()
    other = e.client.get(f"/api/elections/{SLUG}/credentials", params={"prefix": public.to_hex()[:4]}).json()
    assert public.to_hex() not in {entry["credential"] for entry in other["credentials"]}
    # only 4 digits are asked and answered: the whole list is not handed out
    listed = e.service.state(SLUG).credentials
    assert len(body["credentials"]) <= len(listed)
    for bad in ("", "abc", "abcde", "zzzz", mine, "ab cd"):
        refused = e.client.get(f"/api/elections/{SLUG}/credentials", params={"prefix": bad})
        assert refused.status_code == 422 and refused.json()["code"] == "bad_prefix", bad
        assert refused.json()["field"] == "prefix"


def test_before_the_list_is_published_the_look_up_is_refused(election: ApiElection) -> None:
    create(election)
    refused = election.client.get(f"/api/elections/{SLUG}/credentials", params={"prefix": "abcd"})
    assert refused.status_code == 409 and refused.json()["code"] == "credentials_not_published"
    missing = election.client.get("/api/elections/nope/credentials", params={"prefix": "abcd"})
    assert missing.status_code == 404
