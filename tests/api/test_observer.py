"""The observer's login: it may read what observers may see, and it can change nothing.

The adversary is an observer's login in the wrong hands (a password shared in a newsroom, a
laptop left open), or an observer who wants to do more than watch: close a round, register a
candidate, add a login, post a trustee's message. Every state-changing operation of the API
refuses an observer's session with 403 ``read_only`` before it reads the body, and the
database is unchanged afterwards; the observer reads the public pages, the board, the results
and the roll's size per district.
"""

from __future__ import annotations

from typing import Any

from apikit import PASSWORD, Caller, create

SELF_SERVICE = {("delete", "/api/session"), ("put", "/api/session/password"), ("post", "/api/session")}
"""What any login does for itself: log in, log out, change its own password."""


def fingerprint(service: Any) -> list[Any]:
    """Every row of every table but the sessions and the attempt counts."""
    from sqlalchemy import text

    rows = []
    with service.database.transaction(write=False) as session:
        for table in service.database.table_names():
            if table in ("login_sessions", "attempts", "alembic_version"):
                continue
            rows.append((table, sorted(map(repr, session.execute(text(f'SELECT * FROM "{table}"')).all()))))
    return rows


def test_an_observer_reads_and_every_change_refuses_it(election) -> None:  # type: ignore[no-untyped-def]
    create(election)
    client, slug, service = election.client, election.slug, election.service
    service.add_user("gazette", PASSWORD, "observer", election=slug)
    observer = Caller(client, "gazette")
    assert observer.ok("GET", "/api/session")["login"]["role"] == "observer"
    # what observers may see
    for path in (f"/api/elections/{slug}", f"/api/elections/{slug}/board", f"/api/elections/{slug}/results",
                 f"/api/elections/{slug}/nominations", f"/api/elections/{slug}/board.jsonl"):
        assert observer.call("GET", path).status_code == 200, path
    roll = observer.ok("GET", f"/api/elections/{slug}/roll")
    assert roll["voters"] > 0 and "districts" in roll
    # and nothing it may change
    before = fingerprint(service)
    spec = client.get("/openapi.json").json()
    changes = [(m, p) for p, ops in spec["paths"].items() for m, op in ops.items()
               if m != "get" and (m, p) not in SELF_SERVICE and "401" in op["responses"]]
    assert len(changes) >= 20
    for method, path in changes:
        address = (path.replace("{slug}", slug).replace("{number}", "1").replace("{organisation}", "union")
                   .replace("{username}", "secretary"))
        response = observer.call(method.upper(), address, json={})
        assert response.status_code == 403, (method, path, response.status_code, response.text)
        assert response.json()["code"] == "read_only", (method, path, response.text)
    assert fingerprint(service) == before
    # the commission's pages are not the observer's either
    page = observer.call("POST", f"/commission/elections/{slug}/close", data={"csrf_token": observer.csrf,
                                                                             "confirm": "yes"},
                         headers={"accept": "text/html"})
    assert page.status_code == 403
    assert fingerprint(service) == before
    # its own session it may end
    assert observer.call("DELETE", "/api/session").status_code == 200


def test_an_observer_of_one_election_does_not_read_anothers_roll(election) -> None:  # type: ignore[no-untyped-def]
    create(election)
    election.service.add_user("elsewhere", PASSWORD, "observer", election=None)
    anywhere = Caller(election.client, "elsewhere")
    assert anywhere.call("GET", f"/api/elections/{election.slug}/roll").status_code == 200
    election.service.add_user("narrow", PASSWORD, "observer", election=election.slug)
    assert Caller(election.client, "narrow").call("GET", "/api/elections/no-such/roll").status_code in (403, 404)


def test_an_observer_logs_in_on_the_page_and_reads_the_public_pages_only(election) -> None:  # type: ignore[no-untyped-def]
    import re

    create(election)
    client, slug = election.client, election.slug
    election.service.add_user("gazette", PASSWORD, "observer", election=slug)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    login = client.post("/login", data={"username": "gazette", "password": PASSWORD, "csrf_token": token},
                        headers={"accept": "text/html"}, follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"] == "/"
    assert client.get(f"/elections/{slug}", headers={"accept": "text/html"}).status_code == 200
    for page in ("/commission", f"/commission/elections/{slug}", "/trustee", "/organisation"):
        assert client.get(page, headers={"accept": "text/html"}, follow_redirects=False).status_code == 403, page
