"""The voting booth in Debian's Chromium: a voter votes, audits, strikes names out, uses the
keyboard alone and a phone-sized screen; the ballots the browser made are checked and counted
by the Python side.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from booth_kit import SLUG, Election, ensure_booth_built, ready_to_vote, tally
from russiankit import data_words, english_left
from test_readable_pages import SIZES, axe, sideways
from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.cli.record import export_record
from vybory.model.ballot import Ballot
from vybory.verify.ballot import check_ballot
from vybory.web.booth.manifest import load_manifest


@pytest.fixture
def election(live_server: Any) -> Election:
    ensure_booth_built()
    return ready_to_vote(live_server.service)


def counts(e: Election) -> dict[str, dict[str, int]]:
    [event] = e.service.events(e.slug, kinds=["tally_decrypted"])
    return {c["contest"]: c["counts"] for c in event.payload["contests"]}


def ballots_on_board(e: Election) -> list[dict[str, Any]]:
    return [event.payload for event in e.service.events(e.slug, kinds=["ballot_cast"])]


def open_booth(page: Any, live_server: Any) -> None:
    page.goto(live_server(f"/elections/{SLUG}/booth"))
    page.wait_for_selector("#step-choose")


def choose(page: Any, *, standing: str, committee: dict[str, str], budget: str) -> None:
    """Fills the ballot: strike out every chair candidate but ``standing``; committee; budget."""
    for box in page.locator("fieldset[data-contest=chair] input[type=checkbox]").all():
        if box.get_attribute("data-candidate") != standing:
            box.check()
    committee_set = page.locator("fieldset[data-contest=committee]")
    for name, side in committee.items():
        committee_set.locator(f"input[data-candidate='{name}'][value='{side}']").check()
    page.locator(f"fieldset[data-contest=budget] input[value='{budget}']").check()


def cast(page: Any, credential: str) -> str:
    page.click("#cast")
    page.wait_for_selector("#step-cast")
    page.fill("#credential", credential.lower().replace("-", " "))
    page.click("#sign-and-cast")
    page.wait_for_selector("#step-receipt")
    return page.locator("#tracking-code").get_attribute("data-code")


def test_a_voter_votes_and_the_ballot_is_counted(page: Any, live_server: Any, election: Election, snap: Any) -> None:
    open_booth(page, live_server)
    booth = load_manifest()["booth"]
    # The page loads the pinned script with SRI and shows its hash; the board recorded the same.
    script = page.locator(f"script[src='{booth.url}']")
    assert script.get_attribute("integrity") == booth.integrity
    assert page.locator("#booth-sha256").text_content() == booth.sha256
    assert page.locator(".recorded-booth[data-round='1']").text_content() == booth.sha256
    [opened] = election.service.events(SLUG, kinds=["round_opened"])
    assert opened.payload["booth"] == booth.sha256
    snap(page, "booth-1-choose")

    choose(page, standing="Жукова", committee={"Avdeev": "for", "Borisova": "against"}, budget="yes")
    assert page.locator("fieldset[data-contest=chair] .choice.struck").count() == 2
    snap(page, "booth-1-choose-struck-out")
    page.click("#to-review")
    page.wait_for_selector("#step-review")
    review = page.locator("#step-review").text_content()
    assert "Left standing: Жукова" in review and "Avdeev: For" in review and "Borisova: Against" in review
    snap(page, "booth-2-review")
    page.click("#encrypt")
    page.wait_for_selector("#step-encrypted")
    encryption_code = page.locator("#encryption-code").text_content().replace(" ", "")
    assert re.fullmatch(r"[0-9a-f]{64}", encryption_code)
    snap(page, "booth-3-encrypted")
    code = cast(page, election.credentials["branch"][0])
    snap(page, "booth-4-receipt")
    assert page.locator("#find-on-board").get_attribute("href").endswith(f"code={code}")
    assert page.vybory_errors == []

    [payload] = ballots_on_board(election)
    assert payload["tracking_code"] == code
    ballot = Ballot.from_json(payload["ballot"])
    state = election.state()
    rnd = state.rounds[1]
    check_ballot(ballot, fingerprint=state.fingerprint, public_key=state.public_key, round=1,
                 layouts=[rnd.layouts[c] for c in ("chair", "committee", "budget")])
    assert election.service.find_ballot(SLUG, code).counts

    decision = tally(election)
    assert decision.shares_used == (1, 2)
    got = counts(election)
    assert got["chair"] == {"Orlova": 0, "Zaitsev": 0, "Жукова": 1}
    assert got["committee"] == {"Avdeev:for": 1, "Avdeev:against": 0, "Borisova:for": 0, "Borisova:against": 1}
    assert got["budget"] == {"yes": 1, "no": 0, "abstain": 0}


def test_an_audited_ballot_opens_to_the_choices_and_is_not_counted(page: Any, live_server: Any,
                                                                     election: Election, snap: Any,
                                                                     tmp_path: Path) -> None:
    open_booth(page, live_server)
    choose(page, standing="Orlova", committee={"Avdeev": "against"}, budget="no")
    page.click("#to-review")
    page.click("#encrypt")
    page.wait_for_selector("#step-encrypted")
    audited_code = page.locator("#encryption-code").text_content()
    page.click("#audit")
    page.wait_for_selector("#step-audit")
    snap(page, "booth-5-audit")
    result = page.locator("#audit-result")
    assert result.get_attribute("data-matches") == "yes"
    opened = page.locator("#step-audit dl.review")
    assert opened.locator("dd[data-contest=chair]").text_content() == "Left standing: Orlova"
    assert opened.locator("dd[data-contest=committee]").text_content() == "Avdeev: Against; Borisova: Neither"
    assert opened.locator("dd[data-contest=budget]").text_content() == "No"
    assert audited_code == page.locator("#audit-encryption-code").text_content()
    # Plain words: no ciphertexts or randomness outside the "details", and no claim that the booth is honest.
    words = page.locator("#step-audit").inner_text()
    assert "randomness" not in words and "faithfully" not in words
    # The audit information holds the randomness of every selection: 3 + 4 + 3 scalars.
    audit_json = page.locator("#audit-json").text_content()
    assert len(re.findall(r'"[0-9a-f]{64}"', audit_json)) >= 10
    assert ballots_on_board(election) == []

    # The voter downloads the audit file and checks it on "another device": the command the page
    # shows, run on the election's record, opens the ballot with the election's key.
    with page.expect_download() as info:
        page.click("#audit-download")
    download = info.value
    audit_file = tmp_path / download.suggested_filename
    download.save_as(audit_file)
    assert json.loads(audit_file.read_text()) == json.loads(audit_json)
    command = page.locator("#audit-command").text_content()
    assert command == f"vybory verify-ballot {SLUG}-record.zip --audit {download.suggested_filename}"
    assert page.locator("#record-download").get_attribute("href") == f"/elections/{SLUG}/record"
    record = tmp_path / f"{SLUG}-record.zip"
    export_record(election.service, SLUG, record)
    result = CliRunner().invoke(app, ["verify-ballot", str(record), "--audit", str(audit_file), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["choices"] == {"chair": ["Orlova"], "committee": {"Avdeev": "against"},
                                                    "budget": "no"}

    # Vote again: the choices made before are still filled in; change one and cast.
    page.click("#vote-again")
    page.wait_for_selector("#step-choose")
    assert page.locator("fieldset[data-contest=budget] input[value='no']").is_checked()
    page.locator("fieldset[data-contest=budget] input[value='yes']").check()
    page.click("#to-review")
    page.click("#encrypt")
    page.wait_for_selector("#step-encrypted")
    assert page.locator("#encryption-code").text_content() != audited_code
    code = cast(page, election.credentials["branch"][1])
    assert [p["tracking_code"] for p in ballots_on_board(election)] == [code]
    assert page.vybory_errors == []

    tally(election)
    got = counts(election)
    assert got["chair"] == {"Orlova": 1, "Zaitsev": 0, "Жукова": 0}
    assert got["committee"]["Avdeev:against"] == 1
    assert got["budget"] == {"yes": 1, "no": 0, "abstain": 0}


def test_strike_out_rules_and_keyboard_alone(page: Any, live_server: Any, election: Election, snap: Any) -> None:
    open_booth(page, live_server)
    # Leaving two names standing is refused by the form (Art. 80: one name left per seat).
    page.locator("fieldset[data-contest=chair] input[data-candidate='Orlova']").check()
    page.locator("fieldset[data-contest=budget] input[value='abstain']").check()
    page.click("#to-review")
    error = page.locator("#c0-error")
    assert error.is_visible()
    assert "not 2" in error.text_content()
    assert page.locator("fieldset[data-contest=chair]").get_attribute("aria-invalid") == "true"
    snap(page, "booth-6-strikeout-refused")

    # Start again and vote with the keyboard alone: the step heading has the focus.
    open_booth(page, live_server)
    assert page.evaluate("document.activeElement.id") == "choose-heading"
    keys = page.keyboard
    keys.press("Tab")          # chair: Orlova's box
    keys.press("Tab")          # Zaitsev
    keys.press("Space")        # cross out Zaitsev
    keys.press("Tab")          # Жукова
    keys.press("Space")        # cross out Жукова
    keys.press("Tab")          # committee, Avdeev: the checked radio (Neither)
    keys.press("ArrowUp")      # Against
    keys.press("ArrowUp")      # For
    keys.press("Tab")          # Borisova (Neither): leave it
    keys.press("Tab")          # budget: no radio checked yet, Tab lands on the first
    keys.press("Space")        # yes
    keys.press("Tab")
    assert page.evaluate("document.activeElement.id") == "to-review"
    keys.press("Enter")
    page.wait_for_selector("#step-review")
    review = page.locator("#step-review").text_content()
    assert "Left standing: Orlova" in review and "Avdeev: For" in review and "Borisova: Neither" in review
    keys.press("Tab")          # Change my choices
    keys.press("Tab")          # Encrypt my ballot
    keys.press("Enter")
    page.wait_for_selector("#step-encrypted")
    keys.press("Tab")          # "Encryption code" (details, closed)
    keys.press("Tab")          # Audit
    keys.press("Tab")          # Cast
    keys.press("Enter")
    page.wait_for_selector("#step-cast")
    keys.press("Tab")          # the credential field
    keys.type(election.credentials["branch"][2])
    keys.press("Enter")
    page.wait_for_selector("#step-receipt")
    snap(page, "booth-7-keyboard-receipt")
    assert len(ballots_on_board(election)) == 1
    tally(election)
    assert counts(election)["chair"] == {"Orlova": 1, "Zaitsev": 0, "Жукова": 0}


def test_refused_ballots_say_why_and_change_nothing(page: Any, live_server: Any, election: Election) -> None:
    open_booth(page, live_server)
    choose(page, standing="Orlova", committee={}, budget="yes")
    page.click("#to-review")
    page.click("#encrypt")
    page.click("#cast")
    page.fill("#credential", "ABCD-EFGH")
    page.click("#sign-and-cast")
    assert "24 letters and digits" in page.locator("#credential-error").text_content()
    # A well-formed credential that is not on the list: the booth finds it missing from the
    # published list and says so before signing; nothing is sent, nothing is stored.
    page.fill("#credential", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    page.click("#sign-and-cast")
    page.wait_for_selector("#credential-error[data-code=unknown_credential]")
    assert "not on the published list" in page.locator("#credential-error").text_content()
    assert ballots_on_board(election) == []
    # The look-up is a convenience, not the check: an answer claiming the credential is listed
    # (a faulty or lying server) gets the ballot signed and sent, and the board still refuses it.
    import json as _json

    from vybory import protocol
    public = protocol.public_credential("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF").to_hex()
    page.route("**/credentials?prefix=*", lambda route: route.fulfill(
        status=200, content_type="application/json",
        body=_json.dumps({"prefix": public[:4], "credentials": [
            {"credential": public, "district": "branch", "weight": 1}]})))
    page.click("#sign-and-cast")
    page.locator("#credential-error", has_text="refused").wait_for()
    assert page.locator("#credential-error").get_attribute("data-code") == "unknown_credential"
    assert ballots_on_board(election) == []
    page.unroute("**/credentials?prefix=*")
    # The same encrypted ballot can then be cast with the right credential.
    page.fill("#credential", election.credentials["branch"][3])
    page.click("#sign-and-cast")
    page.wait_for_selector("#step-receipt")
    assert len(ballots_on_board(election)) == 1


def test_phone_sized_screen_in_russian(browser: Any, live_server: Any, election: Election, snap: Any) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(live_server(f"/elections/{SLUG}/booth?lang=ru"))
        page.wait_for_selector("#step-choose")
        assert page.locator("html").get_attribute("lang") == "ru"
        assert page.locator("#choose-heading").text_content() == "Шаг 1 из 3: сделайте выбор"
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"the page scrolls sideways by {wide}px on a phone"
        for box in page.locator("fieldset[data-contest=chair] input[type=checkbox]").all():
            assert box.bounding_box()["width"] >= 20
        snap(page, "booth-8-phone-ru")
        choose(page, standing="Zaitsev", committee={"Borisova": "for"}, budget="abstain")
        page.click("#to-review")
        page.click("#encrypt")
        page.wait_for_selector("#step-encrypted")
        snap(page, "booth-9-phone-ru-encrypted")
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0
        # The audit step in Russian: the check on another device, the file to download, nothing sideways.
        page.click("#audit")
        page.wait_for_selector("#step-audit")
        assert "Проверьте на другом устройстве" in page.locator("#step-audit").inner_text()
        assert page.locator("#audit-download").text_content() == "Скачать файл проверки"
        assert page.locator("#audit-command").text_content().startswith("vybory verify-ballot ")
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        snap(page, "booth-10-phone-ru-audit")
    finally:
        context.close()


@pytest.mark.parametrize(("lang", "size"), [("en", "desktop"), ("ru", "phone"), ("ru", "desktop"), ("en", "phone")])
def test_the_audit_step_passes_axe(browser: Any, live_server: Any, election: Election, snap: Any,
                                   lang: str, size: str) -> None:
    # The audit step with everything opened (the encryption code's and the file's "details"):
    # axe-core finds no violation of any impact, nothing scrolls sideways, and the Russian step
    # holds no English word that is not the election's own data.
    context = browser.new_context(viewport=SIZES[size], locale=lang, bypass_csp=True,
                                  is_mobile=size == "phone", has_touch=size == "phone")
    try:
        page = context.new_page()
        page.goto(live_server(f"/elections/{SLUG}/booth?lang={lang}"))
        page.wait_for_selector("#step-choose")
        choose(page, standing="Zaitsev", committee={"Borisova": "for"}, budget="abstain")
        page.click("#to-review")
        page.click("#encrypt")
        page.wait_for_selector("#step-encrypted")
        page.click("#audit")
        page.wait_for_selector("#step-audit")
        assert page.locator("#audit-result").get_attribute("data-matches") == "yes"
        page.evaluate("document.querySelectorAll('#step-audit details').forEach(d => d.open = true)")
        assert page.locator("#audit-json").is_visible()
        assert sideways(page) <= 0
        snap(page, f"booth-audit-{lang}-{size}")
        violations = axe(page)
        assert violations == [], violations
        if lang == "ru":
            state = election.service.state(SLUG)
            names = {n.name for n in state.nominations}
            shown = page.locator("#step-audit").evaluate("e => e.outerHTML")
            assert english_left(shown, data_words(state.definition.to_json()) | names) == []
    finally:
        context.close()
