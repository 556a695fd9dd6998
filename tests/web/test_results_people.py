"""Results people can use, read in Chromium: a tie that decides who enters the runoff explained
with its rule and seed, a rejected motion saying one clear thing, who was elected overall and
per round, and the results as CSV and JSON downloads that say what the verified record says.

The liar here is whoever runs the server: a download is what people copy into a newspaper, so
it must not be a second, unchecked account of the count. The downloads carry every
``outcome_declared`` event's outcomes verbatim with the event's position and hash; the test
exports the record, verifies it, and compares.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from booth_kit import SLUG, ensure_booth_built, ready_to_vote, tally

from vybory.cli.record import export_record, run_verification
from vybory.model.layout import contest_seed
from vybory.web.downloads import CSV_COLUMNS

VOTES = [  # chair: a strike-out ballot, the names left standing
    ({"chair": ["Orlova"], "budget": "no"}),
    ({"chair": ["Orlova"], "budget": "no"}),
    ({"chair": ["Zaitsev"], "budget": "yes"}),
    ({"chair": ["Жукова"], "budget": "no"}),
]


def test_a_tie_a_rejected_motion_the_summary_and_the_downloads(page: Any, live_server: Any, snap: Any,
                                                                tmp_path: Path) -> None:
    ensure_booth_built()
    e = ready_to_vote(live_server.service)
    for secret, choices in zip(e.credentials["branch"], VOTES):
        e.vote(secret, choices)
    decision = tally(e)
    [chair] = [r for r in decision.results if r.contest == "chair"]
    assert chair.status == "runoff_required" and chair.runoff_candidates[0] == "Orlova"
    second = chair.runoff_candidates[1]
    assert second in ("Zaitsev", "Жукова")

    page.goto(live_server(f"/elections/{SLUG}/results?lang=en"))
    article = page.locator("#result-1-chair")
    [tie] = article.locator("p.tie").all_inner_texts()
    seed = contest_seed(e.state().definition, "chair", 1).hex()
    assert "Zaitsev and Жукова were tied on 1 vote for a place in the runoff" in tie
    assert f"{second} went to the runoff" in tie and "published draw" in tie and seed in tie
    assert e.state().definition.seed in tie
    budget = page.locator("#result-1-budget")
    assert budget.locator("p.decision").inner_text() == "The motion is rejected."
    assert "No decision" not in budget.inner_text()
    assert budget.locator("table.counts th").first.inner_text() == "Answer"
    summary = {row.get_attribute("data-contest"): row.inner_text() for row in page.locator("#summary tbody tr").all()}
    assert "rejected" in summary["budget"] and "runoff: Orlova and " + second in summary["chair"]
    assert "Adopt the budget" in page.locator("#round-1 dl.round-summary").inner_text()
    snap(page, "results-tie")

    page.goto(live_server(f"/elections/{SLUG}/results?lang=ru"))
    ru = page.locator("#result-1-chair p.tie").inner_text()
    assert "Zaitsev и Жукова набрали поровну — по 1 голосу" in ru and seed in ru
    assert page.locator("#result-1-budget p.decision").inner_text() == "Вопрос отклонён."
    assert page.locator("#result-1-budget table.counts th").first.inner_text() == "Ответ"
    snap(page, "results-tie-ru")
    phone = page.context.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        small = phone.new_page()
        small.goto(live_server(f"/elections/{SLUG}/results?lang=ru"))
        assert small.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        # The chart's text stays readable: drawn at no less than 0.9 of its size.
        scale = small.evaluate("(() => { const s = document.querySelector('svg.chart');"
                               " return s.getBoundingClientRect().width / s.viewBox.baseVal.width; })()")
        assert scale >= 0.9
        snap(small, "results-tie-ru-phone")
    finally:
        phone.close()

    # The downloads, against the verified record.
    with page.expect_download() as info:
        page.click("#results-json")
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    with page.expect_download() as info:
        page.click("#results-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    record = tmp_path / "record.zip"
    export_record(e.service, SLUG, record)
    report = run_verification(record, workers=None, published_head=data["head"]["hash"],
                              expected_fingerprint=data["fingerprint"])
    assert report.ok
    import zipfile
    with zipfile.ZipFile(record) as archive:
        events = [json.loads(line) for line in archive.read("events.jsonl").splitlines()]
    declared = [ev for ev in events if ev["kind"] == "outcome_declared"]
    assert [(r["event"]["position"], r["event"]["hash"]) for r in data["rounds"]] == \
        [(ev["position"], ev["hash"]) for ev in declared]
    assert [r["outcomes"] for r in data["rounds"]] == [ev["payload"]["outcomes"] for ev in declared]
    assert list(rows[0]) == list(CSV_COLUMNS)
    chair_rows = {r["selection"]: r for r in rows if r["contest"] == "chair"}
    [outcome] = [o["outcome"] for o in declared[0]["payload"]["outcomes"] if o["contest"] == "chair"]
    assert {k: int(v["votes"]) for k, v in chair_rows.items()} == outcome["rounds"][0]["counts"]
    assert {k for k, v in chair_rows.items() if v["runoff"] == "yes"} == set(outcome["runoff_candidates"])
    assert chair_rows["Orlova"]["title"] == "Chair of the committee"
    assert {r["event_hash"] for r in rows} == {declared[0]["hash"]}
