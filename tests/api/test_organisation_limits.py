"""One nominating organisation, through the API: it nominates only in its own name, and can neither
register its own candidate, refuse another organisation's, nor appeal in another's name; every such
attempt is refused with 403 and changes nothing (docs/security.md, "one nominating organisation")."""

from __future__ import annotations

from apikit import ApiElection, create


def test_an_organisation_acts_only_for_itself_and_decides_nothing(election: ApiElection) -> None:
    create(election)
    slug = election.slug
    union = election.organisation("union")
    mine = union.ok("POST", f"/api/elections/{slug}/nominations", 201,
                    json={"organisation": "union", "contest": "north-seat", "name": "Ivanov", "consent": True})
    theirs = election.organisation("coop").ok(
        "POST", f"/api/elections/{slug}/nominations", 201,
        json={"organisation": "coop", "contest": "north-seat", "name": "Petrova", "consent": True})
    head = election.service.head(slug)
    attempts = [
        ("POST", f"/api/elections/{slug}/nominations",
         {"organisation": "coop", "contest": "north-seat", "name": "Stooge", "consent": True}),
        ("POST", f"/api/elections/{slug}/nominations/{mine['nomination']}/register", None),
        ("POST", f"/api/elections/{slug}/nominations/{theirs['nomination']}/refuse", {"reason": "rival"}),
        ("POST", f"/api/elections/{slug}/nominations/{theirs['nomination']}/appeal", {"grounds": "x"}),
    ]
    for method, path, body in attempts:
        response = union.call(method, path, json=body) if body is not None else union.call(method, path)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == "forbidden"
    assert election.service.head(slug) == head
    statuses = {n.number: n.status.value for n in election.service.state(slug).nominations}
    assert statuses == {mine["nomination"]: "submitted", theirs["nomination"]: "submitted"}
