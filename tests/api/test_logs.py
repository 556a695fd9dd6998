"""No secret reaches a log line, and every line of a request carries that request's id.

The adversary is whoever reads the logs: the hosting company's operator, a log collector, a
backup of /var/log, a support ticket with a pasted excerpt. A password, a voter's credential, a
trustee's key, a session cookie or CSRF token in a log line would let them log in as the
commission, vote as the voter or decrypt as the trustee. A whole election runs through the
HTTP API (logins, a wrong password, the key ceremony, credentials, ballots, a refused ballot,
the tally, the shares, the decision, the record) with every log line vybory writes captured
as the server writes it (JSON), and none holds any of those secrets.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from apikit import PASSWORD, ApiElection, cast, make_ballot, ready_to_vote
from electionkit import VOTING_CLOSE
from serverkit import Served, seed

from vybory.api.logs import JsonFormatter


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Lines]:
    lines = Lines()
    loggers = [logging.getLogger(name) for name in ("", "vybory", "uvicorn", "sqlalchemy")]
    saved = [(lg, lg.level, lg.propagate) for lg in loggers]
    for logger in loggers:
        logger.addHandler(lines)
        logger.setLevel(logging.DEBUG if logger.name != "sqlalchemy" else logging.WARNING)
    try:
        yield lines
    finally:
        for logger, level, propagate in saved:
            logger.removeHandler(lines)
            logger.setLevel(level)
            logger.propagate = propagate


def secrets_of_file(value: Any, found: set[str]) -> None:
    """Every long string under a key that names a secret, anywhere in a key file."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, str) and len(inner) >= 16 and any(w in key for w in ("secret", "private", "seed")):
                found.add(inner)
            secrets_of_file(inner, found)
    elif isinstance(value, list):
        for inner in value:
            secrets_of_file(inner, found)


def test_a_whole_election_through_the_api_logs_no_secret(election: ApiElection, captured: Lines) -> None:
    client = election.client
    e = ready_to_vote(election)
    slug = e.slug
    wrong = client.post("/api/session", json={"username": "secretary", "password": "my other password 1"})
    assert wrong.status_code == 401
    voters = [s for district in e.credentials.values() for s in district]
    for i, secret in enumerate(voters[:4]):
        choice = {"north-seat": ["Ivanov"]} if secret in e.credentials["north"] else {"south-seat": ["Volkov"]}
        assert cast(e, secret, choice, seed=f"s{i}").status_code == 201
    forged = make_ballot(e, voters[4], {"north-seat": ["Ivanov"]} if voters[4] in e.credentials["north"]
                         else {"south-seat": ["Volkov"]}, seed="f")
    forged["round"] = 7
    assert client.post(f"/api/elections/{slug}/ballots", json=forged).status_code in (409, 422)
    e.clock.set(VOTING_CLOSE + timedelta(minutes=1))
    assert e.secretary is not None
    e.secretary.ok("POST", f"/api/elections/{slug}/tally")
    for trustee in ("anna", "clara"):
        share = e.trustee_step(trustee, "decrypt")
        e.trustee(trustee).ok("POST", f"/api/elections/{slug}/shares", 201, json={"payload": share["payload"]})
    e.secretary.ok("POST", f"/api/elections/{slug}/decide")
    assert client.get(f"/api/elections/{slug}/record").status_code == 200

    secrets: set[str] = {PASSWORD, "my other password 1", "api-test-secret", *voters}
    callers = [e.secretary, *e.trustees.values(), *e.organisations.values()]
    for caller in callers:
        assert caller is not None
        secrets |= {caller.csrf, *caller.cookies.values()}
    for path in e.folder.glob("*.json"):
        secrets_of_file(json.loads(path.read_text()), secrets)
    assert len(secrets) > 20
    access = [json.loads(line) for line in captured.lines if '"logger": "vybory.access"' in line]
    assert len(access) > 30 and all(entry["request_id"] and entry["status"] for entry in access)
    for line in captured.lines:
        for secret in secrets:
            assert secret not in line, f"a secret in a log line: {line[:300]}"


def test_the_served_log_is_json_with_request_ids_and_no_password(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'vybory.sqlite'}"
    demo = seed(url, tmp_path / "seed", voters=4)
    password = demo.logins["secretary"][1]
    with Served(url, tmp_path / "serve.log") as served:
        right = httpx.post(f"{served.url}/api/session", json={"username": "secretary", "password": password})
        assert right.status_code == 200
        cookie = right.cookies["vybory_session"]
        wrong = httpx.post(f"{served.url}/api/session", json={"username": "secretary", "password": password + "x"},
                           headers={"x-request-id": "trace-42"})
        assert wrong.status_code == 401 and wrong.headers["x-request-id"] == "trace-42"
        # a request id that would forge a field in a text line, or a very long one, is replaced
        for bad in ('trace-1 status=200 level="info"', "t" * 65):
            forged = httpx.get(f"{served.url}/api", headers={"x-request-id": bad})
            assert forged.status_code == 200 and forged.headers["x-request-id"] != bad
        # a query string is never logged, whatever a careless client puts in it
        httpx.get(f"{served.url}/api/elections/{demo.slug}", params={"password": password})
    text = served.log.read_text()
    lines = [line for line in text.splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    requests = [e for e in entries if e["logger"] == "vybory.access"]
    assert {"method", "path", "status", "ms", "request_id"} <= set(requests[0])
    assert any(e["request_id"] == "trace-42" and e["status"] == 401 for e in requests)
    for line in text.splitlines():
        assert password not in line and cookie not in line
