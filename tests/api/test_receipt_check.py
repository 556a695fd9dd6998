"""A voter checks a receipt against the live board, through the API and the board page (pasted or
uploaded): it holds on the honest board, and is broken by name once the database operator has
rewritten the board (a changed event, the chain re-hashed) or cut it short."""

from __future__ import annotations

import json
from typing import Any

from apikit import ApiElection, cast, ready_to_vote
from electionkit import rewrite_board


def voted(election: ApiElection) -> list[dict[str, Any]]:
    ready_to_vote(election)
    receipts = []
    for secret in election.credentials["north"][:3]:
        response = cast(election, secret, {"north-seat": ["Ivanov"]})
        assert response.status_code == 201, response.text
        receipts.append(response.json())
    return receipts


def check(election: ApiElection, receipt: Any) -> Any:
    body = receipt if isinstance(receipt, str) else json.dumps(receipt)
    return election.client.post(f"/api/elections/{election.slug}/receipt", content=body,
                                headers={"content-type": "application/json"})


def test_a_receipt_holds_on_the_honest_board_and_breaks_on_a_rewritten_one(election: ApiElection,
                                                                            database_url: str) -> None:
    receipts = voted(election)
    head = election.service.head(election.slug)
    for receipt in receipts:
        answer = check(election, receipt).json()
        assert answer["holds"] is True and answer["findings"] == [] and answer["position"] == receipt["position"]
        assert answer["head"] == {"position": head.position, "kind": head.kind, "hash": head.hash}
    other = {**receipts[0], "fingerprint": "ab" * 32}
    assert [f["code"] for f in check(election, other).json()["findings"]] == ["receipt_other_election"]

    # The operator changes a nominee's details in the database and re-hashes the whole chain.
    def new_details(rows: list[dict[str, Any]]) -> None:
        next(r for r in rows if r["kind"] == "nomination_submitted")["payload"]["candidate"]["details"] = {
            "occupation": "director"}

    rewrite_board(database_url, new_details)
    for receipt in receipts:
        answer = check(election, receipt).json()
        assert answer["holds"] is False
        assert {f["code"] for f in answer["findings"]} == {"receipt_event_changed", "receipt_previous_changed"}

    # Then cuts the board short before the last ballot: that voter's receipt names it.
    rewrite_board(database_url, lambda rows: rows.__delitem__(slice(receipts[-1]["position"] - 1, None)))
    answer = check(election, receipts[-1]).json()
    assert [f["code"] for f in answer["findings"]] == ["receipt_event_missing"]
    assert f"before the receipt's event {receipts[-1]['position']}" in answer["findings"][0]["message"]


def test_a_bad_receipt_is_refused_naming_the_field(election: ApiElection) -> None:
    receipt = voted(election)[0]
    cases = {"": "receipt", "[1]": "receipt", "{}": "receipt.election",
             json.dumps({**receipt, "position": 0}): "receipt.position",
             json.dumps({**receipt, "head": {"position": receipt["position"], "hash": "zz"}}): "receipt.head.hash"}
    for body, field in cases.items():
        response = check(election, body)
        assert response.status_code == 422 and response.json()["field"] == field, (body, response.text)
    assert check(election, "x" * 20_000).status_code == 413
    assert election.client.post("/api/elections/nope/receipt", content=json.dumps(receipt)).status_code == 404


def test_the_board_page_checks_a_pasted_or_uploaded_receipt(election: ApiElection, database_url: str) -> None:
    receipt = voted(election)[1]
    client, slug = election.client, election.slug
    board = client.get(f"/elections/{slug}/board")
    assert board.status_code == 200 and 'id="receipt-form"' in board.text
    page = client.post(f"/elections/{slug}/receipt", data={"receipt": json.dumps(receipt)})
    assert page.status_code == 200 and 'data-holds="true"' in page.text and "Your receipt holds" in page.text
    uploaded = client.post(f"/elections/{slug}/receipt",
                           files={"receipt_file": ("receipt.json", json.dumps(receipt).encode(), "application/json")})
    assert 'data-holds="true"' in uploaded.text
    bad = client.post(f"/elections/{slug}/receipt", data={"receipt": '{"election": 1}'})
    assert bad.status_code == 422 and "receipt.election" in bad.text and 'id="receipt-form"' in bad.text
    russian = client.post(f"/elections/{slug}/receipt", data={"receipt": json.dumps(receipt)},
                          headers={"accept-language": "ru"})
    assert "квитанци" in russian.text

    # The operator swaps this voter's ballot with the first one cast, and re-hashes the chain.
    first = election.service.events(slug, kinds=["ballot_cast"])[0].payload["tracking_code"]

    def swap(rows: list[dict[str, Any]]) -> None:
        i, j = (next(k for k, r in enumerate(rows) if r["payload"].get("tracking_code") == code)
                for code in (receipt["tracking_code"], first))
        rows[i], rows[j] = rows[j], rows[i]

    rewrite_board(database_url, swap)
    page = client.post(f"/elections/{slug}/receipt", data={"receipt": json.dumps(receipt)})
    assert 'data-holds="false"' in page.text and "receipt_event_changed" in page.text
    assert "receipt_not_this_ballot" in page.text
    # A Russian-speaking voter reads the same findings in Russian; the API carries their words.
    russian = client.post(f"/elections/{slug}/receipt", data={"receipt": json.dumps(receipt)},
                          headers={"accept-language": "ru"}).text
    assert "доска до этого бюллетеня была переписана" in russian and f"не бюллетень {receipt['tracking_code']}" in russian
    assert "the board up to the ballot was rewritten" not in russian
    answer = check(election, receipt).json()
    words = {f["code"]: f["words"]["id"] for f in answer["findings"]}
    assert words["receipt_not_this_ballot"] == "event %(position)s is not the ballot %(code)s"
