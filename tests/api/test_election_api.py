"""A whole election through the HTTP API: every endpoint, its answers and its refusals."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from apikit import (
    DEFINITION,
    NOMINATIONS_CLOSE,
    ROLL,
    VOTING_CLOSE,
    ApiElection,
    cast,
    create,
    make_ballot,
    nominate_all,
    ready_to_vote,
)

from vybory.model.board import Event, check_chain
from vybory.model.canonical import parse_json


def test_create_refuses_a_bad_definition_naming_every_problem(election: ApiElection) -> None:
    create(election)
    bad = DEFINITION.replace('method = "majority"', 'method = "borda-count"').replace(
        "threshold = 2", "threshold = 7"
    )
    response = election.secretary.call(
        "POST",
        "/api/elections",
        json={"definition": bad.replace('slug = "council-2025"', 'slug = "other"')},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_definition"
    assert len(body["problems"]) >= 3  # two contests' methods and the threshold, all at once
    assert any("borda-count" in p for p in body["problems"])
    assert any("threshold" in p for p in body["problems"])
    assert "Traceback" not in response.text


def test_create_refuses_a_taken_slug_and_a_bad_roll(election: ApiElection) -> None:
    create(election)
    again = election.secretary.call("POST", "/api/elections", json={"definition": DEFINITION})
    assert again.status_code == 409 and again.json()["code"] in ("slug_taken", "definition_exists")
    other = DEFINITION.replace('slug = "council-2025"', 'slug = "second"')
    bad_roll = "id,name,district,weight\nx1,X,atlantis,1\n"
    response = election.secretary.call(
        "POST", "/api/elections", json={"definition": other, "roll": bad_roll}
    )
    assert response.status_code == 422
    assert "atlantis" in response.json()["message"]
    assert [e["slug"] for e in election.client.get("/api/elections").json()["elections"]] == [
        "council-2025"
    ]


def test_upload_creates_from_files(election: ApiElection) -> None:
    create(election)
    other = DEFINITION.replace('slug = "council-2025"', 'slug = "uploaded"')
    response = election.secretary.call(
        "POST",
        "/api/elections/upload",
        files={
            "definition": ("election.toml", other.encode(), "text/plain"),
            "roll": ("roll.csv", ROLL.encode(), "text/csv"),
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["voters_on_roll"] == 12
    assert election.secretary.ok("GET", "/api/elections/uploaded/roll")["districts"]["north"] == {
        "voters": 6,
        "weight": 6,
    }


def test_roll_replace_and_refusals(election: ApiElection) -> None:
    create(election)
    slug = election.slug
    refused = election.secretary.call("PUT", f"/api/elections/{slug}/roll", json={"roll": ROLL})
    assert refused.status_code == 409 and refused.json()["code"] == "roll_exists"
    smaller = "id,name,district,weight\nn1,A,north,2\n"
    assert election.secretary.ok(
        "PUT", f"/api/elections/{slug}/roll", json={"roll": smaller, "replace": True}
    ) == {"voters": 1}
    broken = election.secretary.call(
        "PUT",
        f"/api/elections/{slug}/roll",
        json={"roll": "id,name,district,weight\nn1,A,north,heavy\n", "replace": True},
    )
    assert broken.status_code == 422 and "line" in broken.json()["message"]
    assert election.secretary.ok("GET", f"/api/elections/{slug}/roll")["voters"] == 1


def test_nominations_refusal_appeal_and_who_has_not_acted(election: ApiElection) -> None:
    create(election)
    slug = election.slug
    waiting = election.client.get(f"/api/elections/{slug}/waiting").json()["waiting"]
    assert {w["who"] for w in waiting if w["role"] == "organisation"} == {"union", "coop", "youth"}
    assert {w["who"] for w in waiting if w["role"] == "trustee"} == {"anna", "clara", "elena"}

    union = election.organisation("union")
    # An organisation nominates only for itself.
    other = union.call(
        "POST",
        f"/api/elections/{slug}/nominations",
        json={"organisation": "coop", "contest": "north-seat", "name": "X", "consent": True},
    )
    assert other.status_code == 403 and other.json()["field"] == "organisation"
    no_consent = union.call(
        "POST",
        f"/api/elections/{slug}/nominations",
        json={"organisation": "union", "contest": "north-seat", "name": "Ivanov", "consent": False},
    )
    assert no_consent.status_code in (409, 422)
    number = union.ok(
        "POST",
        f"/api/elections/{slug}/nominations",
        201,
        json={"organisation": "union", "contest": "north-seat", "name": "Ivanov", "consent": True},
    )["nomination"]
    # Only the commission registers or refuses.
    assert (
        union.call("POST", f"/api/elections/{slug}/nominations/{number}/register").status_code
        == 403
    )
    election.secretary.ok(
        "POST",
        f"/api/elections/{slug}/nominations/{number}/refuse",
        json={"reason": "signatures missing"},
    )
    union.ok(
        "POST",
        f"/api/elections/{slug}/nominations/{number}/appeal",
        json={"grounds": "they were filed"},
    )
    election.secretary.ok(
        "POST",
        f"/api/elections/{slug}/nominations/{number}/appeal/decision",
        json={"upheld": True, "reason": "the signatures were filed in time"},
    )
    nominations = election.client.get(f"/api/elections/{slug}/nominations").json()["nominations"]
    assert nominations[0]["status"] == "registered"
    assert nominations[0]["reason"] == "signatures missing"
    assert nominations[0]["appeal_reason"] == "the signatures were filed in time"
    missing = election.secretary.call("POST", f"/api/elections/{slug}/nominations/99/register")
    assert missing.status_code == 404 and missing.json()["code"] == "no_such_nomination"
    organisations = election.client.get(f"/api/elections/{slug}/organisations").json()[
        "organisations"
    ]
    assert [o["nominations"] for o in organisations] == [[1], [], []]
    # Nominations cannot close before their deadline.
    early = election.secretary.call("POST", f"/api/elections/{slug}/nominations/close")
    assert early.status_code == 409


def test_trustees_post_only_their_own_messages(election: ApiElection) -> None:
    create(election)
    slug = election.slug
    message = election.trustee_step("anna", "keygen")
    stolen = election.trustee("clara").call(
        "POST",
        f"/api/elections/{slug}/key-ceremony/messages",
        json={"kind": message["kind"], "payload": message["payload"]},
    )
    assert stolen.status_code == 403 and stolen.json()["code"] == "not_your_message"
    secretary = election.secretary.call(
        "POST",
        f"/api/elections/{slug}/key-ceremony/messages",
        json={"kind": message["kind"], "payload": message["payload"]},
    )
    assert secretary.status_code == 403
    unknown = election.trustee("anna").call(
        "POST",
        f"/api/elections/{slug}/key-ceremony/messages",
        json={"kind": "ballot_cast", "payload": message["payload"]},
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_step"
    election.trustee("anna").ok(
        "POST",
        f"/api/elections/{slug}/key-ceremony/messages",
        201,
        json={"kind": message["kind"], "payload": message["payload"]},
    )
    ceremony = election.client.get(f"/api/elections/{slug}/key-ceremony").json()
    assert ceremony["trustees"][0]["messaging_key"] is True
    assert ceremony["trustees"][1]["messaging_key"] is False
    assert {w["who"] for w in ceremony["waiting"]} == {
        "anna",
        "clara",
        "elena",
    }  # anna still owes step 1


def test_voting_board_tally_and_results(election: ApiElection) -> None:
    ready_to_vote(election)
    slug = election.slug
    client = election.client

    booth = client.get(f"/api/elections/{slug}/booth").json()
    assert (
        booth["phase"] == "voting"
        and len(booth["fingerprint"]) == 64
        and len(booth["public_key"]) == 64
    )
    north = booth["districts"][0]
    assert north["id"] == "north" and north["round"]["open"] is True
    assert north["contests"][0]["candidates"] == ["Ivanov", "Petrova", "Sidorov"]
    assert north["contests"][0]["constraints"] == [
        {"indices": [0, 1, 2], "minimum": 0, "maximum": 1}
    ]
    assert (
        client.get(f"/api/elections/{slug}/booth?district=south").json()["districts"][0]["id"]
        == "south"
    )
    assert client.get(f"/api/elections/{slug}/booth?district=mars").status_code == 422
    assert client.get("/api/elections/nope/booth").json()["code"] == "unknown_election"

    north_voters, south_voters = election.credentials["north"], election.credentials["south"]
    receipts = []
    for secret in north_voters[:4]:
        response = cast(election, secret, {"north-seat": ["Ivanov"]})
        assert response.status_code == 201, response.text
        receipts.append(response.json())
    for secret in north_voters[4:6]:
        assert cast(election, secret, {"north-seat": ["Petrova"]}).status_code == 201
    for secret in south_voters[:4]:
        assert cast(election, secret, {"south-seat": ["Volkov"]}).status_code == 201
    # Re-voting: the last ballot counts and names the one it replaced.
    revote = cast(election, north_voters[0], {"north-seat": ["Sidorov"]}, seed="again").json()
    assert revote["replaced"] == receipts[0]["tracking_code"]
    first = client.get(f"/api/elections/{slug}/ballots/{receipts[0]['tracking_code']}").json()
    assert first["counts"] is False and first["superseded_by"] == revote["tracking_code"]
    assert client.get(f"/api/elections/{slug}/ballots/{'0' * 64}").status_code == 404

    # Refused ballots change nothing.
    head = client.get(f"/api/elections/{slug}").json()["head_position"]
    replay = make_ballot(election, north_voters[1], {"north-seat": ["Ivanov"]}, seed="replay")
    replay_response = client.post(f"/api/elections/{slug}/ballots", content=json.dumps(replay))
    assert replay_response.status_code == 201
    again = client.post(f"/api/elections/{slug}/ballots", content=json.dumps(replay))
    assert again.status_code == 201 and again.json() == replay_response.json()  # idempotent
    tampered = make_ballot(election, north_voters[2], {"north-seat": ["Ivanov"]}, seed="t")
    tampered["round"] = 2
    bad = client.post(f"/api/elections/{slug}/ballots", content=json.dumps(tampered))
    assert bad.status_code in (409, 422) and bad.json()["field"]
    garbage = client.post(f"/api/elections/{slug}/ballots", content=b"\xff\xfe")
    assert garbage.status_code == 422 and garbage.json()["code"] == "invalid_encoding"
    empty = client.post(f"/api/elections/{slug}/ballots", content=b"")
    assert empty.status_code == 422 and empty.json()["code"] == "empty_body"
    assert client.get(f"/api/elections/{slug}").json()["head_position"] == head + 1

    # The board: pages, kinds, one event, the whole chain.
    page = client.get(f"/api/elections/{slug}/board?start=1&limit=5").json()
    assert [e["position"] for e in page["events"]] == [1, 2, 3, 4, 5] and page["next"] == 6
    ballots = client.get(f"/api/elections/{slug}/board?kind=ballot_cast&limit=500").json()["events"]
    assert len(ballots) == 12 and all(e["kind"] == "ballot_cast" for e in ballots)
    assert client.get(f"/api/elections/{slug}/board?kind=nonsense").status_code == 422
    assert client.get(f"/api/elections/{slug}/board/1").json()["kind"] == "election_defined"
    assert client.get(f"/api/elections/{slug}/board/9999").status_code == 404
    lines = client.get(f"/api/elections/{slug}/board.jsonl").text.splitlines()
    events = [Event.from_json(parse_json(line)) for line in lines]
    assert (
        check_chain(events).hex() == page["head"]["hash"] or len(events) > page["head"]["position"]
    )

    # The count: too early, then at the deadline; shares from two of three trustees.
    late = make_ballot(election, north_voters[5], {"north-seat": ["Ivanov"]}, seed="late")
    early = election.secretary.call("POST", f"/api/elections/{slug}/tally")
    assert early.status_code == 409
    election.clock.set(VOTING_CLOSE + timedelta(minutes=1))
    kinds = [
        p["kind"] for p in election.secretary.ok("POST", f"/api/elections/{slug}/tally")["posted"]
    ]
    assert kinds == ["round_closed", "encrypted_tally"]
    after = client.post(f"/api/elections/{slug}/ballots", content=json.dumps(late))
    assert after.status_code == 409, after.text
    share = election.trustee_step("anna", "decrypt")
    election.trustee("anna").ok(
        "POST", f"/api/elections/{slug}/shares", 201, json={"payload": share["payload"]}
    )
    not_yet = election.secretary.call("POST", f"/api/elections/{slug}/decide")
    assert not_yet.status_code == 409 and not_yet.json()["code"] == "threshold_not_met"
    stolen = election.trustee_step("clara", "decrypt")
    refused = election.trustee("elena").call(
        "POST", f"/api/elections/{slug}/shares", json={"payload": stolen["payload"]}
    )
    assert refused.status_code == 403
    election.trustee("clara").ok(
        "POST", f"/api/elections/{slug}/shares", 201, json={"payload": stolen["payload"]}
    )
    tally = client.get(f"/api/elections/{slug}/tally/1").json()
    assert tally["shares"] == [1, 2] and tally["threshold"] == 2
    decision = election.secretary.ok("POST", f"/api/elections/{slug}/decide")
    by_contest = {r["contest"]: r for r in decision["results"]}
    # North: four for Ivanov, one of whom re-voted for Sidorov (the last ballot counts); two for Petrova.
    assert by_contest["south-seat"]["winners"] == ["Volkov"]
    assert by_contest["north-seat"]["counts"] == {"Ivanov": 3, "Petrova": 2, "Sidorov": 1}

    results = client.get(f"/api/elections/{slug}/results").json()
    assert results["rounds"][0]["decided"] is True
    words = {r["contest"]: r["explanation"] for r in results["rounds"][0]["results"]}
    assert words["south-seat"].startswith("Volkov is elected")

    record = client.get(f"/api/elections/{slug}/record")
    assert record.status_code == 200 and record.headers["content-type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(record.content)).namelist()


def test_rounds_and_advance_need_the_commission(election: ApiElection) -> None:
    create(election)
    nominate_all(election)
    slug = election.slug
    for path in (
        "rounds/open",
        "rounds/close",
        "advance",
        "tally",
        "decide",
        "publish",
        "key-ceremony/complete",
        "nominations/close",
    ):
        response = election.organisation("union").call("POST", f"/api/elections/{slug}/{path}")
        assert response.status_code == 403, path
        assert response.json()["code"] == "forbidden"
    election.clock.set(NOMINATIONS_CLOSE + timedelta(hours=1))
    done = election.secretary.ok("POST", f"/api/elections/{slug}/advance")["posted"]
    assert [p["kind"] for p in done] == ["nominations_closed"]
    refused = election.secretary.call("POST", f"/api/elections/{slug}/rounds/open")
    assert refused.status_code == 409 and refused.json()["message"]


def test_the_signed_roll_and_list_through_the_api(election: ApiElection) -> None:
    """The server's API takes the roll and the list only as their signers signed them."""
    from electionkit import credential_statement, credentials_for, roll_statement

    create(election)
    slug = election.slug
    service = election.service
    roll = service.roll(slug)
    statement = roll_statement(service.state(slug), roll)
    head = service.head(slug)
    unsigned = {k: v for k, v in statement.items() if k != "signed"}
    for payload, code in ((unsigned, "missing_signature"), ({"districts": "many"}, "roll_districts"),
                          ({**statement, "districts": statement["districts"][::-1]}, "roll_districts")):
        refused = election.secretary.call("POST", f"/api/elections/{slug}/roll/statement", json={"payload": payload})
        assert refused.status_code in (409, 422) and refused.json()["code"] == code, refused.text
    secrets, entries = credentials_for(roll)
    early = election.secretary.call("POST", f"/api/elections/{slug}/credentials",
                                    json={"payload": credential_statement(service.state(slug), roll, entries)})
    assert early.json()["code"] == "roll_missing"
    assert service.head(slug) == head  # nothing was written
    anonymous = election.client.post(f"/api/elections/{slug}/roll/statement", json={"payload": statement})
    assert anonymous.status_code in (401, 403)
    election.secretary.ok("POST", f"/api/elections/{slug}/roll/statement", 201, json={"payload": statement})
    election.secretary.ok("POST", f"/api/elections/{slug}/credentials", 201,
                          json={"payload": credential_statement(service.state(slug), roll, entries)})
    assert len(service.state(slug).credentials) == len(roll) == sum(len(s) for s in secrets.values())
