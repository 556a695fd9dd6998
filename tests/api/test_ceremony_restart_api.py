"""The key ceremony's restart through the HTTP API and the commission's page: offered only when the
ceremony has failed, done only by the commission with its signed restart, refusals naming the field."""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Any

from apikit import ApiElection, create
from electionkit import SLUG, bad_shares_to, key_ceremony_steps, signed, signing_key

from vybory.crypto.group import Point
from vybory.model.definition import Trustee
from vybory.protocol import restart_key_ceremony


def fail_the_ceremony(election: ApiElection) -> None:
    """Trustees 1 and 2 send trustee 3 shares that do not open (posted through the service)."""
    service = election.service
    state = partial(service.state, SLUG)
    key_ceremony_steps(state, partial(service.submit_trustee_step, SLUG), election.clock(), "api-failing",
                       bad_shares_to(state, 3, (1, 2)))


def the_restart(election: ApiElection, replacements: dict[int, Trustee] | None = None) -> dict[str, Any]:
    state = election.service.state(SLUG)
    body = restart_key_ceremony(state, reason="two trustees sent bad shares", now=election.clock(),
                                replacements=replacements)
    return signed(state, "key_ceremony_restarted", body)


def test_the_api_restarts_a_failed_ceremony_for_the_commission_only(election: ApiElection) -> None:
    create(election)
    assert election.secretary is not None
    view = election.client.get(f"/api/elections/{SLUG}/key-ceremony").json()
    assert view["attempt"] == 1 and view["restartable"] is None
    # Before it fails: refused, with the reason and a code.
    early = election.secretary.call("POST", f"/api/elections/{SLUG}/key-ceremony/restart",
                                    json={"payload": {"attempt": 2}})
    assert early.status_code == 409 and early.json()["code"] == "key_ceremony_not_failed"
    fail_the_ceremony(election)
    view = election.client.get(f"/api/elections/{SLUG}/key-ceremony").json()
    assert view["restartable"]["result"] == "failed" and view["restartable"]["qualified"] == [3]
    payload = the_restart(election, {1: Trustee("alla", "Alla", "union",
                                                Point.from_hex(signing_key("trustee", "alla"), "k"))})
    # A trustee may not restart the ceremony.
    trustee = election.trustee("elena")
    assert trustee.call("POST", f"/api/elections/{SLUG}/key-ceremony/restart",
                        json={"payload": payload}).status_code == 403
    # A payload the server (or anyone) altered: the field and the rule named, nothing changes.
    altered = json.loads(json.dumps(payload))
    altered["reason"] = "the trustees resigned"
    response = election.secretary.call("POST", f"/api/elections/{SLUG}/key-ceremony/restart",
                                       json={"payload": altered})
    assert response.status_code == 409 and response.json()["code"] == "bad_signature"
    assert response.json()["field"] == "signed"
    garbage = election.secretary.call("POST", f"/api/elections/{SLUG}/key-ceremony/restart", json={"payload": 5})
    assert garbage.status_code == 422
    assert election.service.state(SLUG).attempt == 1
    done = election.secretary.ok("POST", f"/api/elections/{SLUG}/key-ceremony/restart", 201,
                                 json={"payload": payload})
    assert done["posted"][0]["kind"] == "key_ceremony_restarted"
    view = election.client.get(f"/api/elections/{SLUG}/key-ceremony").json()
    assert view["attempt"] == 2 and [t["id"] for t in view["trustees"]] == ["alla", "clara", "elena"]
    assert view["restartable"] is None
    # The new trustee can get a login; the one replaced cannot any more.
    election.trustee("alla")
    refused = election.secretary.call("POST", "/api/users", json={
        "username": "t-anna-2", "password": "correct horse battery", "role": "trustee", "election": SLUG,
        "subject": "anna"})
    assert refused.status_code == 422 and refused.json()["code"] == "unknown_subject"


def test_the_commission_page_offers_the_restart_only_when_it_failed(election: ApiElection) -> None:
    create(election)
    assert election.secretary is not None
    page = election.secretary.call("GET", f"/commission/elections/{SLUG}")
    assert page.status_code == 200 and 'id="restart-form"' not in page.text
    fail_the_ceremony(election)
    page = election.secretary.call("GET", f"/commission/elections/{SLUG}", params={"lang": "ru"})
    assert 'id="restart-form"' in page.text and "Эта попытка сорвалась" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    # A file that is not a signed restart: the page says so and nothing changes.
    bad = election.secretary.call("POST", f"/commission/elections/{SLUG}/key-ceremony/restart",
                                  data={"csrf_token": token},
                                  files={"statement": ("restart.json", b"[1, 2]", "application/json")})
    assert bad.status_code == 422 and election.service.state(SLUG).attempt == 1
    good = json.dumps(the_restart(election)).encode()
    posted = election.secretary.call("POST", f"/commission/elections/{SLUG}/key-ceremony/restart",
                                     data={"csrf_token": token}, follow_redirects=False,
                                     files={"statement": ("restart.json", good, "application/json")})
    assert posted.status_code == 303 and "keys_restarted" in posted.headers["location"]
    assert election.service.state(SLUG).attempt == 2
    page = election.secretary.call("GET", f"/commission/elections/{SLUG}")
    assert "Attempt 2." in page.text and 'id="restart-form"' not in page.text
