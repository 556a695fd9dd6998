"""The roll posted for inspection through the API and the pages (SQLite and PostgreSQL): anyone looks
up a roll number and files a complaint, limited per address; the commission answers with its signed
statement. The liar: a database operator who drops a complaint from the board and re-hashes the
chain is caught by the complainant's head line (``vybory verify --heads``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from apikit import ApiElection, Caller, key_ceremony, nominate_all
from electionkit import NOMINATIONS_CLOSE, PUBLIC_COUNCIL, T0, rewrite_board, roll_statement, signed

from vybory import protocol
from vybory.cli.record import open_record
from vybory.verify import verify_record
from vybory.verify.heads import read_heads


def public_election(e: ApiElection) -> ApiElection:
    from electionkit import ROLL

    e.clock.set(T0)
    e.secretary = Caller(e.client, "secretary")
    e.secretary.ok("POST", "/api/elections", 201, json={"definition": PUBLIC_COUNCIL, "roll": ROLL})
    nominate_all(e)
    key_ceremony(e)
    e.clock.set(NOMINATIONS_CLOSE + timedelta(days=3))
    e.secretary.ok("POST", f"/api/elections/{e.slug}/nominations/close")
    e.secretary.ok("POST", f"/api/elections/{e.slug}/roll/statement", 201,
                   json={"payload": roll_statement(e.service.state(e.slug), e.service.roll(e.slug))})
    return e


def complain(e: ApiElection, voter: str, kind: str = "left_off", reason: str = "I live here", **extra: Any) -> Any:
    return e.client.post(f"/api/elections/{e.slug}/roll/complaints",
                         json={"complaint": kind, "voter": voter, "district": "north", "reason": reason, **extra})


def test_anyone_looks_up_a_roll_number_and_files_a_complaint(election: ApiElection, database_url: str,
                                                            tmp_path: Path) -> None:
    e = public_election(election)
    roll = e.client.get(f"/api/elections/{e.slug}/roll/public", params={"voter": "n1"}).json()
    assert roll["lookup"] == {"voter": "n1", "listed": True, "district": "north", "weight": 1}
    assert roll["districts"][0]["entries"][0] == ["n1", 1] and roll["open"] is True
    missing = e.client.get(f"/api/elections/{e.slug}/roll/public", params={"voter": "n7"}).json()
    assert missing["lookup"]["listed"] is False
    bad = e.client.get(f"/api/elections/{e.slug}/roll/public", params={"voter": " n1"})
    assert bad.status_code == 422 and bad.json()["field"] == "voter"

    # Anyone, without a login, files a complaint; the answer is a line for a heads file.
    e.client.cookies.clear()
    filed = complain(e, "n7")
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["kind"] == "roll_complaint"
    assert body["head_line"] == f"{body['position']} {body['hash']} roll complaint"
    listed = e.client.get(f"/api/elections/{e.slug}/roll/public").json()["complaints"]
    assert listed == [{"position": body["position"], "complaint": "left_off", "voter": "n7", "district": "north",
                       "reason": "I live here", "answer": None}]
    # Bad input: the field and the rule, nothing changes.
    head = e.service.head(e.slug)
    for answer, field in ((complain(e, "n8", reason=""), "reason"), (complain(e, "n8", kind="gone"), "complaint"),
                          (complain(e, "n8", color="red"), "color")):
        assert answer.status_code == 422 and answer.json()["field"] == field, answer.text
    assert e.service.head(e.slug) == head

    # Only the commission answers, and only with its signed statement.
    answers = signed(e.service.state(e.slug), "roll_complaints_answered",
                     protocol.answer_complaints([(body["position"], "rejected", "not a resident")]))
    e.client.cookies.clear()
    assert e.client.post(f"/api/elections/{e.slug}/roll/answers", json={"payload": answers}).status_code == 401
    unsigned = {k: v for k, v in answers.items() if k != "signed"}
    refused = e.secretary.call("POST", f"/api/elections/{e.slug}/roll/answers", json={"payload": unsigned})
    assert refused.status_code == 409 and refused.json()["code"] == "missing_signature", refused.text
    e.secretary.ok("POST", f"/api/elections/{e.slug}/roll/answers", 201, json={"payload": answers})
    answered = e.client.get(f"/api/elections/{e.slug}/roll/public").json()["complaints"][0]["answer"]
    assert answered == {"decision": "rejected", "reason": "not a resident"}

    # The record holds the complaint at the complainant's head ...
    heads = read_heads(body["head_line"] + "\n", source="my-heads.txt")
    record = tmp_path / "record.zip"
    record.write_bytes(e.client.get(f"/api/elections/{e.slug}/record").content)
    with open_record(record) as files:
        assert verify_record(files, heads=heads).check("board").status.value == "passed"
    # ... until the database operator drops the complaint (and the answer) and re-hashes the chain.
    rewrite_board(database_url, lambda rows: rows.__setitem__(slice(None), [
        r for r in rows if r["kind"] not in ("roll_complaint", "roll_complaints_answered")]))
    record.write_bytes(e.client.get(f"/api/elections/{e.slug}/record").content)
    with open_record(record) as files:
        report = verify_record(files, heads=heads)
    assert {f.code for f in report.failures} & {"heads_mismatch", "heads_beyond_record"}


def test_complaints_are_limited_per_address(election: ApiElection, api_service: Any) -> None:
    from fastapi.testclient import TestClient

    from vybory.api import create_app
    from vybory.api.throttle import Policy, Throttles

    e = public_election(election)
    app = create_app(service=api_service, secret_key=b"t", secure_cookies=False,
                     throttles=Throttles(complaints=Policy(free=2, base=60.0)))
    with TestClient(app, raise_server_exceptions=False) as client:
        def post(voter: str) -> Any:
            return client.post(f"/api/elections/{e.slug}/roll/complaints",
                               json={"complaint": "left_off", "voter": voter, "district": "north", "reason": "r"})

        assert post("x1").status_code == 201
        assert post("n1").status_code == 409  # refused complaints count too
        head = api_service.head(e.slug)
        third = post("x3")
        assert third.status_code == 429 and third.json()["code"] == "too_many_attempts"
        assert int(third.headers["retry-after"]) >= 1
        assert api_service.head(e.slug) == head


def test_the_roll_page_looks_up_and_files(election: ApiElection) -> None:
    e = public_election(election)
    page = e.client.get(f"/elections/{e.slug}/roll", params={"voter": "n2"})
    assert page.status_code == 200 and 'data-listed="true"' in page.text
    assert 'data-listed="false"' in e.client.get(f"/elections/{e.slug}/roll", params={"voter": "zz"}).text
    assert f'href="/elections/{e.slug}/roll"' in e.client.get(f"/elections/{e.slug}").text
    filed = e.client.post(f"/elections/{e.slug}/roll/complaints",
                          data={"complaint": "not_eligible", "voter": "n2", "district": "north", "reason": "moved"})
    assert filed.status_code == 200 and 'id="complaint-filed"' in filed.text
    assert e.service.state(e.slug).open_complaints()[0].complaint.voter == "n2"
    head = e.service.head(e.slug)
    bad = e.client.post(f"/elections/{e.slug}/roll/complaints",
                        data={"complaint": "left_off", "voter": "n9", "district": "north", "reason": ""})
    assert bad.status_code == 422 and "<code>reason</code>" in bad.text and "Nothing was changed" in bad.text
    ru = e.client.post(f"/elections/{e.slug}/roll/complaints?lang=ru",
                       data={"complaint": "left_off", "voter": "n1", "district": "north", "reason": "x"})
    assert ru.status_code == 409 and "внесён в список округа" in ru.text
    assert e.service.head(e.slug) == head


def test_the_page_holds_a_complainer_to_the_apis_limits(election: ApiElection, api_service: Any) -> None:
    """Anyone may file, so the page is no way around the API's limits: a body past the API's size
    is refused before it is read, and complaints filed through the page and the API count together
    against one address."""
    from fastapi.testclient import TestClient

    from vybory.api import create_app
    from vybory.api.elections import MAX_COMPLAINT_BYTES
    from vybory.api.throttle import Policy, Throttles

    e = public_election(election)
    app = create_app(service=api_service, secret_key=b"t", secure_cookies=False,
                     throttles=Throttles(complaints=Policy(free=2, base=60.0)))
    with TestClient(app, raise_server_exceptions=False) as client:
        head = api_service.head(e.slug)
        form = {"complaint": "left_off", "voter": "x1", "district": "north"}
        big = client.post(f"/elections/{e.slug}/roll/complaints", data={**form, "reason": "r" * MAX_COMPLAINT_BYTES})
        assert big.status_code == 413, big.text
        assert api_service.head(e.slug) == head
        assert client.post(f"/elections/{e.slug}/roll/complaints", data={**form, "reason": "r"}).status_code == 200
        assert client.post(f"/api/elections/{e.slug}/roll/complaints",
                           json={**form, "voter": "x2", "reason": "r"}).status_code == 201
        head = api_service.head(e.slug)
        third = client.post(f"/elections/{e.slug}/roll/complaints", data={**form, "voter": "x3", "reason": "r"})
        assert third.status_code == 429 and "too many complaints" in third.text
        assert api_service.head(e.slug) == head
