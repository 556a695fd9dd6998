"""The OpenAPI document says what the API really answers: its 4xx statuses in vybory's error
shape, the downloads as what they are; and every body an address cannot read gets that shape.

Who relies on it: anyone writing a client (an observer's scraper, a trustee's tool) from the
document alone, and the fuzzer, which checks each answer against it.
"""

from __future__ import annotations

from typing import Any

from apikit import Caller, create

BODIES = [
    (b"not json", "text/plain"),
    (b"\xff\xfe\x00", "application/json"),
    (b"a=b&c=d", "application/x-www-form-urlencoded"),
    (b'{"a": 1', "application/json"),
    (b"[]", "application/json"),
    (b'"text"', "application/json"),
    (b'{"unexpected": 1}', "application/json"),
    (b"", "application/json"),
    # broken multipart (found by the schemathesis run: Starlette answered 400, undeclared)
    (b"--0d37\r\nTrue--0d37--\r\n", "multipart/form-data; boundary=0d37"),
]


def spec_of(client: Any) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_every_operation_declares_its_errors_in_the_error_shape(client) -> None:  # type: ignore[no-untyped-def]
    spec = spec_of(client)
    assert set(spec["components"]["schemas"]["Error"]["required"]) == {"code", "message", "field"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}, (method, path, status)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method != "get":
                assert "413" in responses, (method, path)
    paths = spec["paths"]
    # declared where they can happen, and only there (the schemathesis run checks the first half)
    login = paths["/api/session"]["post"]["responses"]
    assert "401" in login and "403" not in login and "409" not in login
    assert "409" in paths["/api/elections/{slug}/rounds/close"]["post"]["responses"]
    assert "409" not in paths["/api/elections/{slug}/receipt"]["post"]["responses"]
    # an election that does not post its roll refuses to show it (roll_not_public), found by the fuzzer
    assert "409" in paths["/api/elections/{slug}/roll/public"]["get"]["responses"]
    assert "403" not in paths["/api/elections/{slug}/ballots"]["post"]["responses"]
    assert {"401", "403"} <= set(paths["/api/elections/{slug}/roll"]["put"]["responses"])
    assert {"401", "403"} <= set(paths["/api/session"]["get"]["responses"])
    login = paths["/api/session"]["post"]["responses"]["429"]
    assert "Retry-After" in login["headers"]
    assert "429" in paths["/api/elections/{slug}/ballots"]["post"]["responses"]
    assert "429" in paths["/api/elections/{slug}/ballots/{tracking_code}"]["get"]["responses"]


def test_downloads_are_described_as_what_they_are(election) -> None:  # type: ignore[no-untyped-def]
    create(election)
    client, slug = election.client, election.slug
    paths = spec_of(client)["paths"]
    board = paths["/api/elections/{slug}/board.jsonl"]["get"]["responses"]["200"]["content"]
    record = paths["/api/elections/{slug}/record"]["get"]["responses"]["200"]["content"]
    assert list(board) == ["application/x-ndjson"] and list(record) == ["application/zip"]
    lines = client.get(f"/api/elections/{slug}/board.jsonl")
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    zipped = client.get(f"/api/elections/{slug}/record")
    assert zipped.headers["content-type"].startswith("application/zip") and zipped.content[:2] == b"PK"


def test_no_address_answers_an_unreadable_body_with_anything_but_the_error_shape(election) -> None:  # type: ignore[no-untyped-def]
    create(election)
    client = election.client
    secretary = Caller(client, "secretary")
    board = client.get(f"/api/elections/{election.slug}/board").json()["head"]
    operations = [(m, p) for p, ops in spec_of(client)["paths"].items() for m in ops if m in ("post", "put")]
    for body, content_type in BODIES:
        for method, path in operations:
            address = (path.replace("{slug}", election.slug).replace("{number}", "1")
                       .replace("{organisation}", "union").replace("{username}", "nobody"))
            if address.endswith(("/advance", "/disable", "/nominations/close", "/rounds/open", "/tally",
                                 "/publish", "/decide", "/key-ceremony/complete")):
                continue  # these read no body: what they do is tested elsewhere
            response = secretary.call(method.upper(), address, content=body,
                                      headers={"content-type": content_type})
            assert 400 < response.status_code < 500, (method, path, body, response.status_code, response.text)
            assert response.status_code != 400
            assert set(response.json()) >= {"code", "message", "field"}, (method, path, response.text)
    # nothing of it landed on the board
    assert client.get(f"/api/elections/{election.slug}/board").json()["head"] == board


def test_advance_on_an_unknown_election_is_404_not_an_empty_success(election) -> None:  # type: ignore[no-untyped-def]
    create(election)
    response = Caller(election.client, "secretary").call("POST", "/api/elections/no-such-election/advance")
    assert response.status_code == 404 and response.json()["code"] == "unknown_election"


def test_a_database_that_is_down_gives_503_with_retry_after_not_500(client, api_service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    def down() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(api_service, "list_elections", down)
    response = client.get("/api/elections")
    assert response.status_code == 503 and response.json()["code"] == "database_unavailable"
    assert response.headers["retry-after"] == "1" and "content-security-policy" in response.headers
    assert "connection refused" not in response.text
