"""`vybory serve --demo` as a newcomer starts it: a real server process, its pages over HTTP.

The booth's "Which booth is this?" compares the script the server serves with the SHA-256
recorded on the board when the round opened; a demo that opened its round without recording
it would show "none" and teach voters to ignore the comparison.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from serverkit import serve_demo

from vybory.web.booth.manifest import load_manifest

# Both tests read the one demo server the module starts: on one worker, so that it starts once.
pytestmark = pytest.mark.xdist_group("serve-demo")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running `vybory serve --demo` (started in a fresh folder)."""
    with serve_demo(tmp_path_factory.mktemp("serve-demo")) as base:
        yield base


def test_which_booth_compares_with_the_hash_recorded_when_the_round_opened(demo: str) -> None:
    page = httpx.get(f"{demo}/elections/works-council/booth", timeout=30).text
    served = load_manifest()["booth"].sha256
    assert f'<code id="booth-sha256">{served}</code>' in page
    recorded = re.findall(r'<code class="recorded-booth" data-round="1">([0-9a-f]{64})</code>', page)
    assert recorded == [served]
    assert "mismatch" not in page.split('id="booth-pin"')[0].rsplit("<details", 1)[-1]


def test_the_demo_has_a_ranked_ballot_to_try_and_a_ranked_count_to_read(demo: str) -> None:
    booth = httpx.get(f"{demo}/api/elections/works-council/booth", params={"district": "office"}, timeout=30).json()
    [office] = [d for d in booth["districts"] if d["id"] == "office"]
    ranked = [c for c in office["contests"] if c["method"] == "stv-scottish"]
    assert [c["contest"] for c in ranked] == ["office-committee"] and ranked[0]["seats"] == 2

    page = httpx.get(f"{demo}/elections/coop-board/results", timeout=30).text
    assert "Board of the co-operative (ranked, 2 seats)" in page
    assert "Elected: Alla Belova, " in page
    # Round by round: a table with a column per count, a chart per count, and the tie for the
    # exclusion after count 1 (Frolov, Lapin and Nosova on 2 votes each), settled by the draw.
    table = page.split('class="list counts-by-round"')[1].split("</table>")[0]
    assert table.count("<th scope=\"col\">Count ") >= 2
    assert page.count('class="count-chart"') >= 2
    assert "Denis Frolov and Kirill Lapin and Marina Nosova were tied on 2 votes, the fewest" in page
    assert "published draw" in page
    summary = page.split('id="summary"')[1].split("</table>")[0]
    assert "Alla Belova" in summary
    record = httpx.get(f"{demo}/elections/coop-board/results.json", timeout=30).json()
    [declared] = record["rounds"]
    assert declared["outcomes"][0]["outcome"]["method"] == "stv-scottish"
