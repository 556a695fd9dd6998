"""The public pages after the count: results with the right winners, a chart, the runoff explained
in words (English and Russian), the board searched by tracking code, the record download."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

from webkit import SLUG, VOTING_CLOSE, post, tallied, trustee_message, vote


def test_results_board_and_record(
    live_server, web_service, web_clock, page, snap, tmp_path: Path
) -> None:
    service = web_service
    credentials = tallied(service, web_clock, tmp_path)
    for trustee in ("anna", "elena"):
        post(service, trustee_message(service, tmp_path, trustee, "decrypt"))
    decision = service.decide(SLUG)
    assert decision.next_round == 2

    page.goto(live_server(f"/elections/{SLUG}/results"))
    south = page.locator("#result-1-south-seat")
    assert "Elected: Volkov." in south.inner_text()
    assert south.locator("svg.chart rect.won").count() == 1
    assert "Volkov" in south.locator("svg.chart").inner_html()
    rows = south.locator("table.counts tbody tr")
    assert rows.nth(0).inner_text().split() == ["Volkov", "✓", "elected", "4"]
    north = page.locator("#result-1-north-seat").inner_text()
    assert (
        "runoff between Ivanov and Petrova in round 2, voting until 2025-03-28 20:05 UTC" in north
    )
    assert "in the runoff" in north
    assert "Round 2 follows" in page.inner_text("#round-1")
    assert "Voting until" in page.inner_text("#round-2")
    snap(page, "results-round-1")

    # The runoff is voted and decided: the round-by-round view shows both rounds.
    web_clock.set(VOTING_CLOSE + timedelta(days=2))
    for secret, name in zip(
        credentials["north"], ["Petrova", "Petrova", "Petrova", "Petrova", "Ivanov"]
    ):
        vote(service, secret, {"north-seat": [name]}, seed="runoff")
    web_clock.set(VOTING_CLOSE + timedelta(days=8))
    service.close_round(SLUG)
    service.compute_tally(SLUG)
    for trustee in ("anna", "clara"):
        post(service, trustee_message(service, tmp_path, trustee, "decrypt", round=2))
    service.decide(SLUG)
    page.goto(live_server(f"/elections/{SLUG}/results"))
    assert "Elected: Petrova." in page.inner_text("#result-2-north-seat")
    assert "Elected: Volkov." in page.inner_text("#result-1-south-seat")
    snap(page, "results-after-runoff")

    page.goto(live_server(f"/elections/{SLUG}/results?lang=ru"))
    text = page.inner_text("main")
    assert "Результаты" in text and "Избран(а): Petrova." in text
    assert "повторное голосование между Ivanov и Petrova" in text
    snap(page, "results-ru")
    page.goto(live_server(f"/elections/{SLUG}/board"))  # the language is remembered (cookie)
    assert "Бюллетень" in page.inner_text("main") or "Доска" in page.inner_text("main")
    page.goto(live_server(f"/elections/{SLUG}/board?lang=en"))

    # The board: paged, and a voter finds their ballot by tracking code.
    code = service.events(SLUG, kinds=["ballot_cast"])[0].payload["tracking_code"]
    page.fill("#code", code.upper())
    page.click("form.search button")
    assert "Your ballot is on the board at position" in page.inner_text("#lookup")
    assert "replaced it" in page.inner_text("#lookup") or "it counts" in page.inner_text("#lookup")
    snap(page, "board-lookup")
    page.fill("#code", "f" * 64)
    page.click("form.search button")
    assert "No ballot with this tracking code" in page.inner_text("#lookup")
    page.goto(live_server(f"/elections/{SLUG}/board?page=2"))
    assert page.locator("table.board tbody tr").first.inner_text().startswith("51")
    snap(page, "board-page-2")

    response = page.request.get(live_server(f"/elections/{SLUG}/record"))
    assert response.status == 200
    assert zipfile.ZipFile(io.BytesIO(response.body())).namelist()
    assert page.vybory_errors == []
