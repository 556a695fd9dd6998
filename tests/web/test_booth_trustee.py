"""A trustee computes their decryption share in the browser from a key file that never leaves
it; the share verifies and decrypts the tally with another trustee's. In a round with a ranked
contest the share covers the mixed rows too, once k trustees have mixed them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from booth_kit import (
    DEFINITION,
    SLUG,
    VOTING_CLOSE,
    Election,
    ensure_booth_built,
    ready_to_vote,
    rng,
)
from playwright.sync_api import expect

from vybory import protocol
from vybory.protocol.tally import decryption_ciphertexts

PASSWORD = "olga-password-1937"


@pytest.fixture
def counted(live_server: Any, web_clock: Any) -> Election:
    """Three ballots cast, round closed, the encrypted tally on the board, a login for trustee 1."""
    from datetime import timedelta

    ensure_booth_built()
    e = ready_to_vote(live_server.service)
    e.vote(e.credentials["branch"][0], {"chair": ["Orlova"], "committee": {"Avdeev": "for"}, "budget": "yes"})
    e.vote(e.credentials["branch"][1], {"chair": ["Orlova"], "committee": {"Borisova": "for"}, "budget": "no"})
    e.vote(e.credentials["branch"][2], {"chair": ["Жукова"], "committee": {}, "budget": "yes"})
    web_clock.set(VOTING_CLOSE + timedelta(minutes=1))
    e.service.close_round(SLUG)
    e.service.compute_tally(SLUG)
    e.service.add_user("olga", PASSWORD, "trustee", election=SLUG, subject="olga")
    return e


def log_in(page: Any, live_server: Any) -> None:
    page.goto(live_server(f"/trustee/elections/{SLUG}/decrypt"))
    page.wait_for_selector("#username")
    page.fill("#username", "olga")
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#trustee-decrypt[data-ready=yes]")


def key_file(tmp_path: Path, e: Election, trustee: int, *, fingerprint: str | None = None) -> Path:
    """The key file as `vybory trustee` writes it."""
    from vybory.cli.trustee import key_file_json

    state = e.state()
    path = tmp_path / f"trustee-{trustee}.json"
    text = key_file_json(SLUG, bytes.fromhex(fingerprint) if fingerprint else state.fingerprint,
                         state.definition.trustees[trustee - 1].id, e.trustees[trustee])
    path.write_text(text, encoding="utf-8")
    return path


def test_a_trustee_decrypts_in_the_browser(page: Any, live_server: Any, counted: Election, tmp_path: Path,
                                           snap: Any) -> None:
    e = counted
    secret_share = e.trustees[1].to_json()["secret_share"]
    bodies: list[str] = []
    page.on("request", lambda request: bodies.append(request.post_data or ""))
    log_in(page, live_server)
    snap(page, "trustee-1-decrypt")
    page.set_input_files("#key-file", str(key_file(tmp_path, e, 1)))
    page.click("#compute-share")
    page.wait_for_selector("#share-ready")
    snap(page, "trustee-2-share-ready")
    page.click("#post-share")
    page.wait_for_selector("#share-posted")
    snap(page, "trustee-3-share-posted")
    assert page.vybory_errors == []
    # The key file was read in the page only: no request carried the secret share.
    assert bodies and not any(secret_share in body for body in bodies)

    [event] = e.service.events(SLUG, kinds=["decryption_share"])
    assert event.payload["trustee"] == 1 and event.payload["round"] == 1
    # Back on the page: the share is already posted.
    page.goto(live_server(f"/trustee/elections/{SLUG}/decrypt"))
    assert "already posted your decryption share for round 1" in page.locator("#trustee-decrypt").text_content()
    # Trustee 3 sends theirs from their own machine; the two decrypt the tally.
    state = e.state()
    e.service.submit_decryption_share(SLUG, protocol.compute_decryption_share(
        state, e.trustees[3], round=1, now=e.clock(), rng=rng("share-3")))
    decision = e.service.decide(SLUG)
    assert decision.shares_used == (1, 3) and decision.skipped == {}
    [decrypted] = e.service.events(SLUG, kinds=["tally_decrypted"])
    got = {c["contest"]: c["counts"] for c in decrypted.payload["contests"]}
    assert got["chair"] == {"Orlova": 2, "Zaitsev": 0, "Жукова": 1}
    assert got["budget"] == {"yes": 2, "no": 1, "abstain": 0}
    assert got["committee"]["Avdeev:for"] == 1 and got["committee"]["Borisova:for"] == 1

    page.goto(live_server(f"/trustee/elections/{SLUG}/decrypt"))
    assert "No tally is waiting for decryption" in page.locator("#trustee-decrypt").text_content()


def test_another_trustees_key_file_is_refused(page: Any, live_server: Any, counted: Election,
                                              tmp_path: Path) -> None:
    log_in(page, live_server)
    page.set_input_files("#key-file", str(key_file(tmp_path, counted, 2)))
    page.click("#compute-share")
    page.wait_for_selector("#decrypt-error:not([hidden])")
    assert "trustee 2" in page.locator("#decrypt-error").text_content()
    page.set_input_files("#key-file", str(key_file(tmp_path, counted, 1, fingerprint="ab" * 32)))
    page.click("#compute-share")
    expect(page.locator("#decrypt-error")).to_contain_text("another election")
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(dict(counted.trustees[1].to_json(), secret_share=None)), encoding="utf-8")
    page.set_input_files("#key-file", str(bare))
    page.click("#compute-share")
    expect(page.locator("#decrypt-error")).to_contain_text("no secret share yet")
    bad = tmp_path / "garbage.json"
    bad.write_text("not json", encoding="utf-8")
    page.set_input_files("#key-file", str(bad))
    page.click("#compute-share")
    expect(page.locator("#decrypt-error")).to_contain_text("not JSON")
    assert counted.service.events(SLUG, kinds=["decryption_share"]) == []


def test_the_decryption_page_needs_a_trustee_login(page: Any, live_server: Any, counted: Election) -> None:
    page.goto(live_server(f"/trustee/elections/{SLUG}/decrypt"))
    assert "/login" in page.url
    assert page.locator("#trustee-decrypt").count() == 0


RANKED_DEFINITION = DEFINITION.split("[[contests]]")[0] + """[[contests]]
id = "leader"
title = "Leader of the branch"
method = "irv"

[[contests]]
id = "budget"
title = "Adopt the budget"
method = "motion"
"""
RANKED_NOMINEES = {"leader": [("forge", "Orlova"), ("tools", "Zaitsev"), ("women", "Жукова")]}
RANKINGS = (["Жукова", "Orlova"], ["Orlova"], ["Zaitsev", "Orlova"], ["Жукова"], ["Orlova", "Жукова"])


def test_a_trustee_decrypts_a_round_with_a_ranked_contest_in_the_browser(
        page: Any, live_server: Any, web_clock: Any, tmp_path: Path, snap: Any) -> None:
    """The share covers the tally and the mixed rows (spec §14, §17): the page waits for the k
    mixes, then its share and another trustee's decrypt the rankings, and the decision is the
    plaintext count."""
    from datetime import timedelta

    from vybory import rules
    from vybory.protocol.decide import rules_contest
    from vybory.rules.base import RankedBallot
    from vybory.service.mixing import mix_contests

    ensure_booth_built()
    e = ready_to_vote(live_server.service, RANKED_DEFINITION, RANKED_NOMINEES)
    for i, ranking in enumerate(RANKINGS):
        e.vote(e.credentials["branch"][i], {"leader": ranking, "budget": "yes" if i % 2 else "no"}, seed=f"r{i}")
    web_clock.set(VOTING_CLOSE + timedelta(minutes=1))
    e.service.close_round(SLUG)
    e.service.compute_tally(SLUG)
    e.service.add_user("olga", PASSWORD, "trustee", election=SLUG, subject="olga")

    # Before the mixes the page says what it waits for and loads no script.
    page.goto(live_server(f"/trustee/elections/{SLUG}/decrypt"))
    page.fill("#username", "olga")
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page.locator("#mixing-waits")).to_contain_text("leader")
    assert page.locator("#key-form").count() == 0
    view = page.request.get(live_server(f"/api/elections/{SLUG}/tally/1")).json()
    assert view["mixing"] == ["leader"] and view["decryption_ciphertexts"] is None

    # Trustees 2 and 3 (k = 2) mix through the service; the API now gives the whole vector.
    for j in (2, 3):
        assert list(mix_contests(e.service, SLUG, e.trustees[j], rng=rng(f"mix-{j}"))) == ["leader"]
    state = e.state()
    view = page.request.get(live_server(f"/api/elections/{SLUG}/tally/1")).json()
    tally_size = sum(len(c["ciphertexts"]) for c in view["encrypted_tally"]["contests"])
    rows = state.rounds[1].mixed_rows["leader"]
    assert view["mixing"] == []
    assert len(view["decryption_ciphertexts"]) == tally_size + sum(len(row) for row in rows) > tally_size
    assert view["decryption_ciphertexts"] == [ct.to_json() for ct in decryption_ciphertexts(state, 1)]

    page.goto(live_server(f"/trustee/elections/{SLUG}/decrypt"))
    page.wait_for_selector("#trustee-decrypt[data-ready=yes]")
    page.set_input_files("#key-file", str(key_file(tmp_path, e, 1)))
    page.click("#compute-share")
    page.wait_for_selector("#share-ready")
    expect(page.locator("#share-ready")).to_contain_text(f"{len(view['decryption_ciphertexts'])} factors")
    page.click("#post-share")
    page.wait_for_selector("#share-posted")
    snap(page, "trustee-ranked-share-posted")
    assert page.vybory_errors == []
    [event] = e.service.events(SLUG, kinds=["decryption_share"])
    assert event.payload["trustee"] == 1
    assert len(event.payload["share"]["factors"]) == len(view["decryption_ciphertexts"])

    e.service.submit_decryption_share(SLUG, protocol.compute_decryption_share(
        e.state(), e.trustees[3], round=1, now=e.clock(), rng=rng("share-3")))
    decision = e.service.decide(SLUG)
    assert decision.shares_used == (1, 3) and decision.skipped == {}
    state = e.state()
    [leader] = [r for r in decision.results if r.contest == "leader"]
    plain = [RankedBallot(tuple((name,) for name in ranking), 1) for ranking in RANKINGS]
    expected = rules.count("irv", rules_contest(state, 1, state.rounds[1].contests["leader"]), ballots=plain)
    assert leader.outcome == expected.to_json()
    assert leader.winners == ("Orlova",) == tuple(expected.winners)
    [decrypted] = e.service.events(SLUG, kinds=["tally_decrypted"])
    got = {c["contest"]: c["counts"] for c in decrypted.payload["contests"]}
    assert got["budget"] == {"yes": 2, "no": 3, "abstain": 0}


def test_the_decryption_vector_code_passes_its_own_tests() -> None:
    from test_booth_vectors import counts, run_node_tests

    result = run_node_tests("tests/js/decryption.test.mjs")
    summary = counts(result.stdout)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert summary["fail"] == 0 and summary["skipped"] == 0 and summary["pass"] >= 4, summary


def test_a_lying_server_is_told_in_the_trustees_language(page: Any, live_server: Any, counted: Election,
                                                         tmp_path: Path, snap: Any) -> None:
    """The server (or whoever sits between it and the trustee) sends a tally whose ciphertext is not
    a group element, or refuses with its own words: the page refuses to compute, posts nothing,
    and says so in Russian."""
    log_in(page, live_server)
    page.goto(live_server(f"/trustee/elections/{SLUG}/decrypt?lang=ru"))
    page.wait_for_selector("#trustee-decrypt[data-ready=yes]")

    def forged(route: Any) -> None:
        view = route.fetch().json()
        bad = "ff" * 32
        view["encrypted_tally"]["contests"][0]["ciphertexts"][0]["alpha"] = bad
        view["decryption_ciphertexts"][0]["alpha"] = bad
        route.fulfill(status=200, content_type="application/json", body=json.dumps(view))

    page.route(f"**/api/elections/{SLUG}/tally/1", forged)
    page.set_input_files("#key-file", str(key_file(tmp_path, counted, 1)))
    page.click("#compute-share")
    expect(page.locator("#decrypt-error")).to_contain_text("не читается так, как должно; ничего не отправлено")
    snap(page, "trustee-forged-tally-ru")
    page.unroute(f"**/api/elections/{SLUG}/tally/1")
    refusal = {"code": "no_tally", "message": "round 1 has no encrypted tally",
               "words": {"id": "round %(round)s is already closed", "params": {"round": 1}}}
    page.route(f"**/api/elections/{SLUG}/tally/1",
               lambda route: route.fulfill(status=409, content_type="application/json", body=json.dumps(refusal)))
    page.set_input_files("#key-file", str(key_file(tmp_path, counted, 1)))
    page.click("#compute-share")
    expect(page.locator("#decrypt-error")).to_contain_text("тур 1 уже закрыт")
    assert counted.service.events(SLUG, kinds=["decryption_share"]) == []
    assert page.vybory_errors == []
