"""A commission secretary runs an election through the pages: create, nominations, open, close, tally."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from electionkit import credential_statement, credentials_for, rng, roll_statement, signing_key
from webkit import (
    NOMINATIONS_CLOSE,
    PASSWORD,
    ROLL,
    SLUG,
    VOTING_CLOSE,
    VOTING_OPEN,
    fill_election_form,
    key_ceremony,
    vote,
)

from vybory import protocol

FORM = {
    "#title": "Town council election",
    "#slug": SLUG,
    "#nominations_close": "2025-03-10T12:00",
    "#voting_open": "2025-03-20T06:00",
    "#voting_close": "2025-03-21T20:00",
    "#authority_key": signing_key("authority"),
    "#commission_key": signing_key("commission"),
    "#threshold": "2",
    "#credential_authority": "Credentials office",
}
ROWS = {
    "districts": [{"name": "North", "id": "north"}, {"name": "South", "id": "south"}],
    "organisations": [
        {"name": "Metalworkers' union", "type": "trade union", "id": "union"},
        {"name": "Consumer co-operative", "type": "co-operative", "id": "coop"},
        {"name": "Youth league", "type": "youth organisation", "id": "youth"},
    ],
    "trustees": [{"name": t.title(), "organisation": o, "signing_key": signing_key("trustee", t), "id": t}
                 for t, o in (("anna", "union"), ("clara", "coop"), ("elena", "union"))],
    "contests": [
        {"title": "Councillor for the North", "district": "north", "id": "north-seat",
         "method": "Absolute majority with runoff (1937)"},
        {"title": "Councillor for the South", "district": "south", "id": "south-seat",
         "method": "Absolute majority with runoff (1937)", "seats": "1"},
    ],
}


def log_in(page: Any, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.narrow button[type=submit]")


def nominate(page: Any, organisation: str, contest: str, name: str) -> None:
    page.select_option("#nom-organisation", organisation)
    page.select_option("#nom-contest", contest)
    page.fill("#nom-name", name)
    page.check("#nom-consent")
    page.click("#nomination-form button[type=submit]")
    assert "The nomination is recorded on the board." in page.inner_text("main")


def test_a_secretary_creates_and_runs_an_election(
    live_server, web_service, web_clock, page, snap, tmp_path: Path
) -> None:
    web_service.add_user("secretary", PASSWORD, "commission")
    log_in(page, live_server.url, "secretary")
    assert page.url.endswith("/commission")
    page.click("text=Create an election")
    snap(page, "commission-new-election")

    # A form with a problem: refused, every problem named, the values kept.
    fill_election_form(page, FORM, ROWS)
    roll = tmp_path / "roll.csv"
    roll.write_text(ROLL, encoding="utf-8")
    page.set_input_files("#roll", str(roll))
    page.click("button[value=create]")
    error = page.inner_text("#error")
    assert "organisation 'union' alone holds 2 trustees" in error
    assert "organisation 'union' alone holds 2 trustees" in page.inner_text(
        "#allow_organisation_threshold-problems")
    assert page.input_value("#title") == "Town council election"
    snap(page, "commission-new-election-refused")

    # The roll chosen before is kept; the third trustee goes to the youth league.
    assert "A roll of 13 lines is kept" in page.inner_text("#election-form")
    page.fill("#trustees-2-organisation", "Youth league")
    page.click("button[value=create]")
    assert page.url.endswith(f"/commission/elections/{SLUG}?done=created")
    assert "The election is created." in page.inner_text("main")
    assert "12 voters on the roll" in page.inner_text("#roll")
    waiting = page.inner_text("#waiting")
    # Names, not ids, and the deadline each step blocks.
    assert "may still nominate candidates" in waiting and "Anna" in waiting
    assert "publish the messaging key (key ceremony step 0)\t2025-03-20 06:00 UTC" in waiting

    for organisation, contest, name in [
        ("union", "north-seat", "Ivanov"),
        ("coop", "north-seat", "Petrova"),
        ("youth", "north-seat", "Smirnov"),
        ("union", "south-seat", "Kuznetsova"),
        ("coop", "south-seat", "Volkov"),
    ]:
        nominate(page, organisation, contest, name)
    assert "register or refuse nomination 3 (Smirnov, Councillor for the North)" in page.inner_text("#waiting")
    for number in (1, 2, 4, 5):
        page.click(f"#nomination-{number} button:has-text('Register')")
        assert "The candidate is registered." in page.inner_text("main")
    page.fill("#reason-3", "the consent form is not signed")
    page.click("#nomination-3 button:has-text('Refuse')")
    assert "refused: the consent form is not signed" in page.inner_text("#nomination-3")
    snap(page, "commission-nominations")

    # Trustees and the credential authority act on their own machines.
    key_ceremony(web_service, tmp_path)
    page.click("#close-nominations button")
    assert "nominations" in page.inner_text(
        "#error"
    )  # before the deadline: refused, nothing changed
    web_clock.set(NOMINATIONS_CLOSE + timedelta(hours=1))
    page.goto(live_server(f"/commission/elections/{SLUG}"))
    page.click("#close-nominations button")
    assert "The nominations are closed" in page.inner_text("main")
    # The commission signs the roll on its own machine and uploads the signed file with the roll.
    state = web_service.state(SLUG)
    voters = web_service.roll(SLUG)
    statement = roll_statement(state, voters)
    forged = copy.deepcopy(statement)
    forged["districts"][0]["voters"] += 3
    forged["districts"][0]["weight"] += 3
    forged["districts"][0]["weights"][0][1] += 3
    (tmp_path / "roll-forged.json").write_text(json.dumps(forged))
    (tmp_path / "roll-signed.json").write_text(json.dumps(statement))
    page.goto(live_server(f"/commission/elections/{SLUG}"))
    page.set_input_files("#roll-statement", str(tmp_path / "roll-forged.json"))
    page.click("#signed-roll-form button")
    assert "signature" in page.inner_text("#error")
    assert web_service.state(SLUG).roll is None  # refused: nothing on the board
    page.set_input_files("#roll-statement", str(tmp_path / "roll-signed.json"))
    page.set_input_files("#roll-described", str(roll))
    page.click("#signed-roll-form button")
    assert "The signed roll is on the board." in page.inner_text("main")
    assert "north" in page.inner_text("#signed-roll") and "6" in page.inner_text("#signed-roll")
    # The credential authority gives the commission its signed list; one with a phantom is refused.
    secrets, entries = credentials_for(voters)
    signed_list = credential_statement(web_service.state(SLUG), voters, entries)
    padded = copy.deepcopy(signed_list)
    padded["credentials"][0]["credential"] = protocol.generate_credential(rng("phantom"))[1].to_hex()
    padded["credentials"].sort(key=lambda e: e["credential"])
    (tmp_path / "padded.json").write_text(json.dumps(padded))
    (tmp_path / "credentials.json").write_text(json.dumps(signed_list))
    page.set_input_files("#credentials-file", str(tmp_path / "padded.json"))
    page.click("#credentials-form button")
    assert "signature" in page.inner_text("#error")
    assert not web_service.state(SLUG).credentials_published
    page.set_input_files("#credentials-file", str(tmp_path / "credentials.json"))
    page.click("#credentials-form button")
    assert "12 public credentials published" in page.inner_text("main")
    credentials = secrets
    web_clock.set(VOTING_OPEN)
    page.click("#open-round")
    assert "The round is open." in page.inner_text("main")
    assert page.inner_text("#phase") == "voting"
    snap(page, "commission-voting")

    web_clock.set(VOTING_OPEN + timedelta(hours=2))
    for secret in credentials["north"][:4]:
        vote(web_service, secret, {"north-seat": ["Ivanov"]})
    for secret in credentials["south"][:4]:
        vote(web_service, secret, {"south-seat": ["Kuznetsova"]})
    page.goto(live_server(f"/commission/elections/{SLUG}"))
    assert "8 ballots cast" in page.inner_text("#rounds")
    # Voting is open and not everyone has voted: closing and the tally would be refused, so
    # neither is offered, and the page says when the round can close.
    assert page.locator("#close-round").count() == 0 and page.locator("#start-tally").count() == 0
    rule = page.inner_text("#close-rule")
    assert "every voter has voted: 8 of 12 have so far" in rule and "2025-03-21 20:00" in rule, rule
    web_clock.set(VOTING_CLOSE + timedelta(minutes=1))
    page.goto(live_server(f"/commission/elections/{SLUG}"))
    assert page.locator("#close-rule").count() == 0
    # Irreversible: the button does nothing until the box is ticked ...
    page.click("#start-tally")
    assert page.locator("#confirm-tally").evaluate("box => box.validity.valueMissing")
    assert page.locator("#error").count() == 0 and not web_service.status(SLUG).rounds[0].closed
    # ... and the server refuses a form sent without it, changing nothing.
    token = page.locator("#tally-form input[name=csrf_token]").get_attribute("value")
    refused = page.request.post(live_server(f"/commission/elections/{SLUG}/tally"),
                                form={"csrf_token": token}, max_redirects=0)
    assert refused.status == 422 and "confirmation_needed" in refused.text()
    assert not web_service.status(SLUG).rounds[0].closed
    page.check("#confirm-tally")
    page.click("#start-tally")
    assert "The encrypted tally is published" in page.inner_text("main")
    assert page.inner_text("#phase") == "decryption"
    waiting = page.inner_text("#waiting")
    assert "publish a decryption share for round 1" in waiting
    snap(page, "commission-tally")
    assert web_service.status(SLUG).rounds[0].closed
    assert page.vybory_errors == []
