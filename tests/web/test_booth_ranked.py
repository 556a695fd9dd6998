"""The ranked form: the voter numbers candidates in order of preference and the browser encrypts
the candidate x rank 0/1 matrix of docs/spec.md (labels "<name>:<rank>", one constraint per
candidate, then one per rank). The booth view is served by the test here (page.route) with a
ranked contest under the test's own key, so that the cast ballot can be checked and decrypted.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from booth_kit import DEFINITION, SLUG, ensure_booth_built, ready_to_vote
from playwright.sync_api import expect

from vybory.crypto import elgamal
from vybory.crypto.group import Point, Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.model.ballot import Ballot, tracking_code
from vybory.model.layout import Constraint, Layout
from vybory.protocol.credentials import generate_credential
from vybory.verify.ballot import check_ballot

NAMES = ("Avdeev", "Borisova", "Chernov", "Dyachenko")
RANKS = len(NAMES)
FINGERPRINT = bytes(range(32, 64))


def ranked_layout() -> Layout:
    labels = tuple(f"{name}:{k}" for name in NAMES for k in range(1, RANKS + 1))
    rows = tuple(Constraint(tuple(range(c * RANKS, (c + 1) * RANKS)), 0, 1) for c in range(len(NAMES)))
    columns = tuple(Constraint(tuple(c * RANKS + k for c in range(len(NAMES))), 0, 1) for k in range(RANKS))
    return Layout("leader", "irv", NAMES, labels, (1,) * len(labels), rows + columns)


@pytest.fixture
def ranked(page: Any, live_server: Any) -> dict[str, Any]:
    ensure_booth_built()
    ready_to_vote(live_server.service)
    secret_key = Scalar.random(DeterministicRng("ranked/key"))
    public_key = Point.base_mul(secret_key)
    layout = ranked_layout()
    window = {"number": 1, "opens_at": "2025-03-20T06:00:00Z", "closes_at": "2025-03-21T20:00:00Z",
              "open": True, "closed": False}
    contest = dict(layout.to_json(), title="Leader of the branch", description="", district="branch", seats=1,
                   kind="first", options={}, min=0, max=1)
    view = {"election": SLUG, "title": "Ranked", "fingerprint": FINGERPRINT.hex(), "public_key": public_key.to_hex(),
            "phase": "voting", "now": "2025-03-20T07:00:00Z", "revote": True, "round": window,
            "districts": [{"id": "branch", "name": "Branch 14", "round": window, "contests": [contest]}]}
    cast: list[dict[str, Any]] = []
    secret, public = generate_credential()
    looked_up: list[str] = []

    def booth(route: Any) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(view))

    def ballots(route: Any) -> None:
        ballot = json.loads(route.request.post_data)
        cast.append(ballot)
        receipt = {"election": SLUG, "round": 1, "tracking_code": tracking_code(Ballot.from_json(ballot)),
                   "position": 99, "event_hash": "00" * 32, "replaced": None}
        route.fulfill(status=201, content_type="application/json", body=json.dumps(receipt))

    def credentials(route: Any) -> None:
        # The test's election has its own published list: the one credential it casts with.
        prefix = route.request.url.rsplit("prefix=", 1)[1]
        looked_up.append(prefix)
        listed = [{"credential": public.to_hex(), "district": "branch", "weight": 1}]
        body = {"credentials": [c for c in listed if c["credential"].startswith(prefix)]}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(f"**/api/elections/{SLUG}/booth", booth)
    page.route(f"**/api/elections/{SLUG}/ballots", ballots)
    page.route(f"**/api/elections/{SLUG}/credentials?prefix=*", credentials)
    return {"secret_key": secret_key, "public_key": public_key, "layout": layout, "cast": cast,
            "secret": secret, "public": public, "looked_up": looked_up}


def rank(page: Any, order: dict[str, str]) -> None:
    for name in NAMES:
        page.locator(f"select[data-candidate='{name}']").select_option(order.get(name, ""))


def test_the_ranked_form_makes_the_right_ballot(page: Any, live_server: Any, ranked: dict[str, Any],
                                                snap: Any) -> None:
    page.goto(live_server(f"/elections/{SLUG}/booth"))
    page.wait_for_selector("#step-choose")
    # Two candidates with the same number, or a gap, are refused before anything is encrypted.
    rank(page, {"Avdeev": "1", "Borisova": "1"})
    page.click("#to-review")
    expect(page.locator("#c0-error")).to_contain_text("same number")
    rank(page, {"Avdeev": "1", "Borisova": "3"})
    page.click("#to-review")
    expect(page.locator("#c0-error")).to_contain_text("without gaps")
    rank(page, {"Borisova": "1", "Dyachenko": "2", "Avdeev": "3"})
    snap(page, "booth-ranked-1-choose")
    page.click("#to-review")
    expect(page.locator("#step-review dd[data-contest=leader]")).to_have_text("1. Borisova; 2. Dyachenko; 3. Avdeev")
    page.click("#encrypt")
    page.click("#audit")
    expect(page.locator("#audit-result")).to_have_attribute("data-matches", "yes")
    expect(page.locator("#step-audit dd[data-contest=leader]")).to_have_text("1. Borisova; 2. Dyachenko; 3. Avdeev")
    snap(page, "booth-ranked-2-audit")
    page.click("#vote-again")
    page.click("#to-review")
    page.click("#encrypt")
    page.click("#cast")
    page.fill("#credential", ranked["secret"])
    page.click("#sign-and-cast")
    page.wait_for_selector("#step-receipt")
    assert page.vybory_errors == []
    # The booth asked for the first 4 hex digits of the public credential only.
    assert ranked["looked_up"] == [ranked["public"].to_hex()[:4]]

    [raw] = ranked["cast"]
    ballot = Ballot.from_json(raw)
    assert ballot.credential == ranked["public"]
    layout = ranked["layout"]
    check_ballot(ballot, fingerprint=FINGERPRINT, public_key=ranked["public_key"], round=1, layouts=[layout])
    [part] = ballot.contests
    values = [elgamal.decrypt(ranked["secret_key"], s.ciphertext, 1) for s in part.selections]
    order = ["Borisova", "Dyachenko", "Avdeev"]
    expected = [1 if k <= len(order) and order[k - 1] == name else 0 for name in NAMES for k in range(1, RANKS + 1)]
    assert values == expected
    assert page.locator("#tracking-code").get_attribute("data-code") == tracking_code(ballot)


LEADER = DEFINITION.replace('slug = "branch-vote"', 'slug = "leader-vote"').split("[[contests]]")[0] + """
[[contests]]
id = "leader"
title = "Leader of the branch"
method = "irv"
"""


def test_a_ranked_ballot_cast_on_the_real_server(page: Any, live_server: Any, snap: Any) -> None:
    """The server's own ranked layout: the browser's ballot is accepted, and the trustees' keys
    open it to the ranking the voter entered."""
    ensure_booth_built()
    e = ready_to_vote(live_server.service, LEADER,
                      {"leader": [("forge", "Orlova"), ("tools", "Zaitsev"), ("women", "Жукова")]})
    page.goto(live_server(f"/elections/{e.slug}/booth"))
    page.wait_for_selector("#step-choose")
    page.locator("select[data-candidate='Жукова']").select_option("1")
    page.locator("select[data-candidate='Orlova']").select_option("2")
    page.click("#to-review")
    expect(page.locator("#step-review dd[data-contest=leader]")).to_have_text("1. Жукова; 2. Orlova")
    page.click("#encrypt")
    page.click("#cast")
    page.fill("#credential", e.credentials["branch"][0])
    page.click("#sign-and-cast")
    page.wait_for_selector("#step-receipt")
    snap(page, "booth-ranked-3-receipt")
    [event] = e.service.events(e.slug, kinds=["ballot_cast"])
    ballot = Ballot.from_json(event.payload["ballot"])
    # The election key from trustees 1 and 2: x = 2·x_1 − x_2 (Lagrange at 0 for {1, 2}).
    x1 = Scalar.from_hex(e.trustees[1].to_json()["secret_share"], "x1")
    x2 = Scalar.from_hex(e.trustees[2].to_json()["secret_share"], "x2")
    x = x1 + x1 - x2
    assert Point.base_mul(x) == e.state().public_key
    layout = e.state().rounds[1].layouts["leader"]
    values = [elgamal.decrypt(x, s.ciphertext, 1) for s in ballot.contests[0].selections]
    assert list(layout.labels) == [f"{n}:{k}" for n in layout.candidates for k in (1, 2, 3)]
    marked = sorted(label for label, v in zip(layout.labels, values) if v)
    assert marked == ["Orlova:2", "Жукова:1"]
