"""The public, commission and trustee pages as a person reads them: on a 1280 px desktop and a
390 px phone, in English and Russian, nothing scrolls sideways, every scrolling block can be
reached with the keyboard, and axe-core (run in the page) finds no serious or critical problem.
Screenshots of every page go to test-artifacts/screenshots/, the axe counts to
test-artifacts/axe.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from webkit import PASSWORD, SLUG, post, tallied, trustee_message

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def sideways(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands (WCAG 2.1 A and AA rules, best practices)."""
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate("async () => (await axe.run(document)).violations.map("
                              "v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))"))


def test_every_page_reads_on_a_phone_and_a_desktop_in_both_languages(
        browser: Any, live_server: Any, web_service: Any, web_clock: Any, snap: Any, tmp_path: Path) -> None:
    tallied(web_service, web_clock, tmp_path)
    for trustee in ("anna", "elena"):
        post(web_service, trustee_message(web_service, tmp_path, trustee, "decrypt"))
    web_service.decide(SLUG)
    web_service.add_user("secretary", PASSWORD, "commission")
    web_service.add_user("t-anna", PASSWORD, "trustee", election=SLUG, subject="anna")
    pages = {
        "home": ("/", None),
        "election": (f"/elections/{SLUG}", None),
        "board": (f"/elections/{SLUG}/board", None),
        "event": (f"/elections/{SLUG}/board/3", None),
        "results": (f"/elections/{SLUG}/results", None),
        "api": ("/api-docs", None),
        "commission": (f"/commission/elections/{SLUG}", "secretary"),
        "trustee": (f"/trustee/elections/{SLUG}", "t-anna"),
    }
    counts: dict[str, Any] = {}
    problems: list[str] = []
    # axe itself sees a problem that is there (an image without a text alternative).
    probe = browser.new_context(bypass_csp=True)
    try:
        blank = probe.new_page()
        blank.set_content('<html lang="en"><title>t</title><main><img src="x.png"></main></html>')
        assert "image-alt" in {v["id"] for v in axe(blank)}
    finally:
        probe.close()
    for size, viewport in SIZES.items():
        for lang in ("en", "ru"):
            context = browser.new_context(viewport=viewport, bypass_csp=True, locale=lang,
                                          is_mobile=size == "phone", has_touch=size == "phone")
            page = context.new_page()
            logged_in = None
            try:
                for name, (path, user) in pages.items():
                    if user != logged_in and user is not None:
                        page.goto(live_server("/login"))
                        page.fill("#username", user)
                        page.fill("#password", PASSWORD)
                        page.click("form.narrow button[type=submit]")
                        logged_in = user
                    page.goto(live_server(f"{path}?lang={lang}"))
                    assert page.locator("html").get_attribute("lang") == lang, (name, lang)
                    snap(page, f"readable-{name}-{lang}-{size}")
                    if (wide := sideways(page)) > 0:
                        culprits = page.evaluate("""() => [...document.querySelectorAll('main *')]
                            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                            .slice(-3).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40))""")
                        problems.append(f"{name} ({lang}, {size}) scrolls sideways by {wide}px: {culprits}")
                    found = axe(page)
                    counts[f"{name}/{lang}/{size}"] = {v["id"]: v["nodes"] for v in found}
                    problems += [f"{name} ({lang}, {size}): axe {v['impact']} {v['id']} on {v['nodes']} element(s)"
                                 for v in found if v["impact"] in ("serious", "critical")]
            finally:
                context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert not problems, "\n".join(problems)
