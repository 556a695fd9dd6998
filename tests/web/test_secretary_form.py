"""A commission secretary fills in the new-election form in Chromium, in English and in Russian,
on a desktop and on a 390 px phone: rows added and removed, methods chosen by name, times typed in
Moscow time, every problem shown beside its field, nothing created until the form is right."""

from __future__ import annotations

from typing import Any

from electionkit import PASSWORD, signing_key
from webkit import fill_election_form

SLUG = "plant-2025"
FORM = {
    "#title": "Plant committee",
    "#slug": SLUG,
    "#timezone": "Europe/Moscow",
    "#nominations_close": "2025-03-10T12:00",
    "#voting_open": "2025-03-20T08:00",
    "#voting_close": "2025-03-21T20:00",
    "#threshold": "2",
    "#commission_key": signing_key("commission"),
    "#credential_authority": "Отдел кадров",
    "#authority_key": signing_key("authority"),
}
ROWS = {
    "districts": [{"name": "Цех 1"}, {"name": "Office"}],
    "organisations": [
        {"name": "Профсоюз", "type": "trade union"},
        {"name": "Кооператив", "type": "co-operative"},
        {"name": "Youth league", "type": "youth organisation"},
    ],
    "trustees": [
        {"name": "Анна", "organisation": "Профсоюз", "signing_key": signing_key("trustee", "anna")},
        {"name": "Клара", "organisation": "Кооператив", "signing_key": signing_key("trustee", "clara")},
        {"name": "Елена", "organisation": "Профсоюз", "signing_key": signing_key("trustee", "elena")},
    ],
    "contests": [
        {"title": "Заводской комитет", "district": "Цех 1", "seats": "3",
         "method": "Single transferable vote, Scottish rules (ranked)"},
        {"title": "Chair", "district": "Office", "seats": "2", "method": "Instant runoff (ranked, one seat)"},
    ],
}


def log_in(page: Any, url: str, lang: str) -> None:
    page.goto(f"{url}/login?lang={lang}")
    page.fill("#username", "secretary")
    page.fill("#password", PASSWORD)
    page.click("form.narrow button[type=submit]")
    page.goto(f"{url}/commission/elections/new")


def phone_and_desktop(page: Any, snap: Any, name: str) -> None:
    """Screenshots at 1200 px and 390 px; at 390 px nothing is wider than the screen."""
    snap(page, name)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    snap(page, f"{name}-phone")
    page.set_viewport_size({"width": 1200, "height": 900})


def test_a_secretary_fills_in_the_form_and_each_problem_is_beside_its_field(
    live_server, web_service, page, snap
) -> None:
    web_service.add_user("secretary", PASSWORD, "commission")
    log_in(page, live_server.url, "en")
    text = page.inner_text("main")
    assert "Time zone of the times below" in text and "Times are UTC" not in text
    assert "Single transferable vote, Scottish rules (ranked)" in page.inner_text("#method-help")
    phone_and_desktop(page, snap, "election-form-new")

    fill_election_form(page, FORM, ROWS)
    # A row added by mistake is removed again; what was typed elsewhere stays.
    page.click("button[value='add:districts']")
    page.fill("#districts-2-name", "Склад")
    page.click("button[value='remove:districts:2']")
    assert page.locator("#districts-2").count() == 0 and page.input_value("#districts-1-name") == "Office"
    # Enter in a field checks the form; it never creates the election.
    page.press("#title", "Enter")
    page.wait_for_selector("#error")
    assert web_service.list_elections() == []

    page.click("button[value=create]")
    summary = page.inner_text("#error")
    assert "The form has 2 problems; nothing was created" in summary
    assert "Contest 2: Seats" in summary
    assert page.inner_text("#contests-1-seats-problems") == (
        "IRV fills one seat, not 2 (for several seats use an STV method)")
    assert "organisation 'organisation-1' alone holds 2 trustees" in page.inner_text(
        "#allow_organisation_threshold-problems")
    assert page.get_attribute("#contests-1-seats", "aria-invalid") == "true"
    # The summary links to the field.
    page.click("#error a[href='#contests-1-seats']")
    assert page.evaluate("location.hash") == "#contests-1-seats"
    # The ids the form made are written into their rows: the problem's 'organisation-1' is findable.
    assert page.input_value("#organisations-0-id") == "organisation-1"
    # Everything typed is still there.
    assert page.input_value("#contests-0-title") == "Заводской комитет"
    assert page.input_value("#timezone") == "Europe/Moscow"
    assert page.input_value("#contests-0-method") == "stv-scottish"
    assert web_service.list_elections() == []
    phone_and_desktop(page, snap, "election-form-refused")

    # Fixed as a secretary would: one seat for the chair, the third trustee from the youth league.
    page.fill("#contests-1-seats", "1")
    page.fill("#trustees-2-organisation", "Youth league")
    page.click(".actions button[value=check]")
    assert "The form has no problems" in page.inner_text("#checked")
    # 08:00 in Moscow is 05:00 UTC, shown before anything is created
    assert page.inner_text("#voting_open-utc") == "that is 2025-03-20 05:00 UTC"
    page.click("button[value=create]")
    assert page.url.endswith(f"/commission/elections/{SLUG}?done=created")
    definition = web_service.state(SLUG).definition
    assert definition.deadlines.voting_open.isoformat() == "2025-03-20T05:00:00+00:00"
    assert [(c.method, c.seats, c.district) for c in definition.contests] == [
        ("stv-scottish", 3, "district-1"), ("irv", 1, "office")]
    assert "2025-03-20 05:00 UTC" in page.inner_text("main")


def test_a_russian_secretary_meets_the_same_form_in_russian(live_server, web_service, page, snap) -> None:
    web_service.add_user("secretary", PASSWORD, "commission")
    log_in(page, live_server.url, "ru")
    assert "Часовой пояс для указанного ниже времени" in page.inner_text("main")
    phone_and_desktop(page, snap, "election-form-new-ru")
    codes = {"trade union": "trade_union", "co-operative": "cooperative", "youth organisation": "youth",
             "Single transferable vote, Scottish rules (ranked)": "stv-scottish",
             "Instant runoff (ranked, one seat)": "irv"}
    fill_election_form(page, FORM, {name: [{k: codes.get(v, v) for k, v in row.items()} for row in rows]
                                    for name, rows in ROWS.items()})
    page.fill("#contests-0-options", "без знака равенства")
    page.click("button[value=create]")
    summary = page.inner_text("#error")
    assert "В форме 1 ошибка; ничего не создано" in summary
    assert "Голосование 1: Параметры способа" in summary
    assert "нужно записать как имя = значение" in page.inner_text("#contests-0-options-problems")
    phone_and_desktop(page, snap, "election-form-refused-ru")
    page.fill("#contests-0-options", "shortcut_last_vacancies = false")
    page.click("button[value=create]")
    assert "IRV заполняет одно место, а не 2" in page.inner_text("#contests-1-seats-problems")
    assert "Голосование 2: Мест" in page.inner_text("#error")
    assert web_service.list_elections() == []
