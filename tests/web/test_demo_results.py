"""The counted election of `vybory serve --demo` (coop-board: Scottish STV, two seats, a tie for
an exclusion settled by the draw) as a reader meets it in Chromium: the results page round by
round, each count with its chart, in English and in Russian, on a 1280 px desktop and a 390 px
phone. Nothing scrolls sideways, axe-core finds no violation of any impact, and the Russian page
holds no English word that is not the election's own data. Screenshots go to
test-artifacts/screenshots/demo-results-<lang>-<size>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from russiankit import data_words, english_left
from serverkit import serve_demo
from test_readable_pages import SIZES, axe, sideways

pytestmark = pytest.mark.xdist_group("serve-demo")

SLUG = "coop-board"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_demo(tmp_path_factory.mktemp("demo-results")) as base:
        yield base


def election_data(base: str) -> set[str]:
    """What the commission wrote (titles, names, ids): a page shows it as written."""
    definition = httpx.get(f"{base}/api/elections/{SLUG}/definition", timeout=30).json()
    board = httpx.get(f"{base}/elections/{SLUG}/results.json", timeout=30).json()
    names = {c for r in board["rounds"] for o in r["outcomes"] for c in o["candidates"]}
    return data_words(definition) | names


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_ranked_results_read_round_by_round(demo: str, browser: Any, snap: Any, lang: str, size: str) -> None:
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True, locale=lang,
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    try:
        page.goto(f"{demo}/elections/{SLUG}/results?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        # Round by round: one column per count, and one chart per count, each drawn with its bars.
        table = page.locator("table.counts-by-round")
        counts = table.locator("thead th[scope=col]").count() - 1
        assert counts >= 2, counts
        charts = page.locator(".count-chart")
        assert charts.count() == counts
        for k in range(counts):
            chart = charts.nth(k)
            chart.scroll_into_view_if_needed()
            assert chart.is_visible()
            assert chart.locator("rect").count() >= 2
            box = chart.bounding_box()
            assert box is not None and box["width"] <= SIZES[size]["width"]
        # The tie for the exclusion, and the draw that settled it, said in the page's language.
        tie = {"en": "were tied on 2 votes, the fewest", "ru": "набрали поровну — по 2 голоса, меньше всех"}[lang]
        assert tie in page.content(), tie
        # The table scrolls inside its own focusable region, never the page.
        region = page.locator("[role=region]:has(table.counts-by-round)")
        assert region.get_attribute("tabindex") == "0"
        assert sideways(page) == 0
        snap(page, f"demo-results-{lang}-{size}")
        violations = axe(page)
        assert violations == [], violations
        if lang == "ru":
            assert english_left(page.content(), election_data(demo)) == []
    finally:
        context.close()
