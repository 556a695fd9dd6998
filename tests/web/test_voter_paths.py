"""A first-time voter's path in Chromium: the tracking code exactly as the receipt prints it
(spaced groups, copied by hand or pasted) finds the ballot on the board; a code with one digit
changed does not.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from booth_kit import SLUG, Election, ensure_booth_built, ready_to_vote


@pytest.fixture
def election(live_server: Any) -> Election:
    ensure_booth_built()
    return ready_to_vote(live_server.service)


def vote(page: Any, live_server: Any, credential: str) -> str:
    """Votes with the defaults filled in; returns the tracking code as the receipt shows it."""
    page.goto(live_server(f"/elections/{SLUG}/booth"))
    page.wait_for_selector("#step-choose")
    for box in page.locator("fieldset[data-contest=chair] input[type=checkbox]").all():
        if box.get_attribute("data-candidate") != "Orlova":
            box.check()
    page.locator("fieldset[data-contest=committee] input[data-candidate='Avdeev'][value='for']").check()
    page.locator("fieldset[data-contest=budget] input[value='yes']").check()
    page.click("#to-review")
    page.wait_for_selector("#step-review")
    page.click("#encrypt")
    page.wait_for_selector("#step-encrypted")
    page.click("#cast")
    page.wait_for_selector("#step-cast")
    page.fill("#credential", credential)
    page.click("#sign-and-cast")
    page.wait_for_selector("#step-receipt")
    return page.locator("#tracking-code").inner_text()


def test_the_tracking_code_as_printed_is_found_on_the_board(page: Any, live_server: Any,
                                                             election: Election, snap: Any) -> None:
    shown = vote(page, live_server, election.credentials["branch"][0])
    [event] = election.service.events(SLUG, kinds=["ballot_cast"])
    code = event.payload["tracking_code"]
    assert " " in shown.strip() and shown.replace(" ", "").replace("\n", "") == code

    # Pasted into the board's search exactly as the receipt shows it.
    page.goto(live_server(f"/elections/{SLUG}/board"))
    page.fill("#code", shown)
    page.click("form[role=search] button[type=submit]")
    found = page.locator("#lookup")
    assert found.get_attribute("role") == "status", found.text_content()
    assert f"position {event.position}" in found.text_content()
    snap(page, "board-found-spaced-code")

    # Typed by hand in upper case with dashes between groups, and given in the address.
    groups = [code[i:i + 4].upper() for i in range(0, 64, 4)]
    page.goto(live_server(f"/elections/{SLUG}/board?code={quote('-'.join(groups))}"))
    assert page.locator("#lookup").get_attribute("role") == "status"
    page.goto(live_server(f"/elections/{SLUG}/board?code={quote(' '.join(groups))}"))
    assert page.locator("#lookup").get_attribute("role") == "status"

    # One digit wrong: not found, said plainly.
    wrong = ("0" if code[5] != "0" else "1").join((code[:5], code[6:]))
    page.goto(live_server(f"/elections/{SLUG}/board?code={quote(wrong)}"))
    assert page.locator("#lookup").get_attribute("role") == "alert"
    assert "No ballot with this tracking code" in page.locator("#lookup").text_content()
    # The API answers the same for the spaced form.
    answer = page.request.get(live_server(f"/api/elections/{SLUG}/ballots/{quote(shown)}"))
    assert answer.ok and answer.json()["position"] == event.position
    assert page.vybory_errors == []


def cast_in_district(page: Any, district: str, contest: str, candidate: str, credential: str) -> None:
    """In the council's booth at the district choice: picks ``district``, marks ``candidate`` in
    ``contest``, encrypts, and signs and casts with ``credential``."""
    page.wait_for_selector("#step-district")
    page.check(f"#district-form label:has-text('{district}')")
    page.click("#district-form button[type=submit]")
    page.locator(f"fieldset[data-contest={contest}] input[data-candidate='{candidate}']").check()
    page.click("#to-review")
    page.click("#encrypt")
    page.wait_for_selector("#step-encrypted")
    page.click("#cast")
    page.fill("#credential", credential)
    page.click("#sign-and-cast")


def test_a_credential_of_another_district_is_told_its_district(page: Any, live_server: Any, web_service: Any,
                                                                web_clock: Any, tmp_path: Any, snap: Any) -> None:
    """A North voter picks South in the booth and fills in its ballot: the refusal names North,
    nothing is on the board, and one button leads back to the district choice."""
    from webkit import SLUG as COUNCIL
    from webkit import open_for_voting

    ensure_booth_built()
    north = open_for_voting(web_service, web_clock, tmp_path)["north"][0]
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    page.goto(live_server(f"/elections/{COUNCIL}/booth"))
    cast_in_district(page, "South", "south-seat", "Volkov", north)
    error = page.locator("#credential-error")
    error.wait_for(state="visible")
    assert error.get_attribute("data-code") == "wrong_district"
    assert "belongs to district North, not South" in error.text_content()
    # told before signing: the booth looked its credential up on the list and sent no ballot
    assert posted == [] and web_service.events(COUNCIL, kinds=["ballot_cast"]) == []
    snap(page, "booth-wrong-district")

    page.click("#choose-district")
    cast_in_district(page, "North", "north-seat", "Ivanov", north)
    page.wait_for_selector("#step-receipt")
    [cast] = web_service.events(COUNCIL, kinds=["ballot_cast"])
    assert [c["contest"] for c in cast.payload["ballot"]["contests"]] == ["north-seat"]
    assert page.vybory_errors == []


def test_a_mistyped_credential_is_told_it_is_not_on_the_list_before_anything_is_sent(
        page: Any, live_server: Any, web_service: Any, web_clock: Any, tmp_path: Any, snap: Any) -> None:
    """A voter types a credential that is well formed but not on the election's list (one letter
    wrong, or another election's letter): the booth says so, in Russian, before it signs or sends
    anything; the right credential then casts."""
    from webkit import SLUG as COUNCIL
    from webkit import open_for_voting

    from vybory import protocol

    ensure_booth_built()
    north = open_for_voting(web_service, web_clock, tmp_path)["north"][0]
    stranger, _public = protocol.generate_credential()
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    page.goto(live_server(f"/elections/{COUNCIL}/booth?lang=ru"))
    cast_in_district(page, "North", "north-seat", "Ivanov", stranger)
    error = page.locator("#credential-error")
    error.wait_for(state="visible")
    assert error.get_attribute("data-code") == "unknown_credential"
    assert "нет в опубликованном списке" in error.text_content()
    assert page.locator("#credential").get_attribute("aria-invalid") == "true"
    assert posted == [] and web_service.events(COUNCIL, kinds=["ballot_cast"]) == []
    snap(page, "booth-credential-not-listed-ru")

    # A credential of the wrong length is refused in Russian too, before any look-up.
    page.fill("#credential", "ABCD")
    page.click("#sign-and-cast")
    page.locator("#credential-error", has_text="24 букв").wait_for()
    assert "24 букв и цифр, а введено 4" in error.text_content()

    page.fill("#credential", north)
    page.click("#sign-and-cast")
    page.wait_for_selector("#step-receipt")
    assert len(web_service.events(COUNCIL, kinds=["ballot_cast"])) == 1
    assert page.vybory_errors == []
