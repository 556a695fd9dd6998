"""A newcomer's first clicks: the home page's "Vote" leads to the booth; the election page shows a
motion as a question to answer (no seats, no candidates), lists nominations by contest title;
the footer's API link opens a page for people, with the OpenAPI file one link further.
In English and in Russian."""

from __future__ import annotations

from typing import Any

from booth_kit import SLUG, ensure_booth_built, ready_to_vote


def test_from_the_home_page_to_the_booth_and_the_election_in_words(page: Any, live_server: Any, snap: Any) -> None:
    ensure_booth_built()
    ready_to_vote(live_server.service)
    page.goto(live_server("/?lang=en"))
    vote = page.locator(f"a.vote[href='/elections/{SLUG}/booth']")
    assert vote.inner_text().startswith("Vote")
    snap(page, "home-vote")
    vote.click()
    page.wait_for_selector("#step-choose")

    page.goto(live_server(f"/elections/{SLUG}"))
    contests = {s.locator("h3").inner_text(): s.inner_text() for s in page.locator("section.contest").all()}
    motion = contests["Adopt the budget"]
    assert "a motion: the voters answer yes, no or abstain" in motion
    assert "seat" not in motion and "No registered candidate" not in motion
    assert "1 seat" in contests["Chair of the committee"] and "Orlova" in contests["Chair of the committee"]
    titles = [row.locator("td").nth(2).inner_text() for row in page.locator("table.list tbody tr").all()
              if row.locator("td").count() == 5]
    assert set(titles) == {"Chair of the committee", "Committee"}
    snap(page, "election-motion")

    page.goto(live_server(f"/elections/{SLUG}?lang=ru"))
    motion_ru = page.locator("section.contest", has_text="Adopt the budget").inner_text()
    assert "вопрос: избиратели отвечают «да», «нет» или «воздержался»" in motion_ru
    snap(page, "election-motion-ru")


def test_the_footer_api_link_opens_a_page_for_people(page: Any, live_server: Any, snap: Any) -> None:
    page.goto(live_server("/?lang=en"))
    page.click("footer a:has-text('API for programs')")
    assert page.url.endswith("/api-docs")
    assert page.locator("h1").inner_text() == "API for programs"
    rows = page.locator("table.api tbody tr")
    assert rows.count() > 20
    paths = page.locator("table.api code.path").all_inner_texts()
    assert "/api/elections/{slug}/ballots" in paths
    snap(page, "api-docs")
    response = page.request.get(live_server(page.locator("#openapi-link").get_attribute("href")))
    assert response.status == 200 and response.json()["openapi"].startswith("3.")
    page.goto(live_server("/api-docs?lang=ru"))
    assert page.locator("h1").inner_text() == "API для программ"
    assert page.locator("footer a").inner_text() == "API для программ"
    snap(page, "api-docs-ru")
