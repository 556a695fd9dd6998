"""Pages without a browser: languages and catalogues, CSP-clean markup, the election form,
charts, the offline trustee tool, credential files, and the demo that `vybory serve --demo` seeds."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from apikit import DEFINITION, SLUG, ApiElection, Caller, create, ready_to_vote
from electionkit import identity_file

from vybory.errors import InvalidInput, Refused, VyboryError
from vybory.web import charts, i18n, offline
from vybory.web.commission import signed_statement


def extracted_messages() -> set[str]:
    """Every message the pages and the booth use, as scripts/update-catalogues extracts them."""
    return {m.id if isinstance(m.id, str) else m.id[0] for m in i18n.extract_messages() if m.id}


def test_every_message_has_a_russian_translation_with_the_same_placeholders() -> None:
    catalogue = i18n.catalogue("ru")
    translated = {}
    for message in catalogue:
        if message.id:
            key = message.id if isinstance(message.id, str) else message.id[0]
            translated[key] = message.string
    missing = sorted(m for m in extracted_messages() if not translated.get(m))
    assert missing == []
    for key, text in translated.items():
        forms = text if isinstance(text, tuple) else (text,)
        for form in forms:
            assert set(re.findall(r"%\((\w+)\)s", form)) <= set(re.findall(r"%\((\w+)\)s", key)) | {
                "num"
            }, key


def test_the_language_comes_from_the_query_the_cookie_or_the_browser(client) -> None:  # type: ignore[no-untyped-def]
    assert i18n.choose_language(None, None, "ru-RU,ru;q=0.9,en;q=0.5") == "ru"
    assert i18n.choose_language(None, None, "de-DE,de;q=0.9") == "en"
    assert i18n.choose_language("en", "ru", "ru") == "en"
    assert i18n.choose_language(None, "ru", "en") == "ru"
    assert "Выборы" in client.get("/", headers={"accept-language": "ru"}).text
    english = client.get("/?lang=en", headers={"accept-language": "ru"})
    assert "Elections" in english.text and english.cookies.get("vybory_lang") == "en"
    russian = client.get("/?lang=ru")
    assert russian.cookies.get("vybory_lang") == "ru"
    assert '<html lang="ru">' in client.get("/").text  # the cookie remembers
    client.cookies.clear()
    catalogue = client.get("/i18n/ru.json").json()
    assert catalogue["lang"] == "ru" and catalogue["messages"]["Results"] == "Результаты"
    assert client.get("/i18n/xx.json").json()["code"] == "unknown_language"


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    re.compile(r"\sstyle\s*=", re.IGNORECASE),
    re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    re.compile(r"<style", re.IGNORECASE),
    re.compile(r"javascript:", re.IGNORECASE),
    re.compile(r"(src|href)=\"https?://", re.IGNORECASE),
]


def test_pages_have_no_inline_script_or_style_and_no_other_origin(election: ApiElection) -> None:
    ready_to_vote(election)
    client = election.client
    secretary = election.secretary
    trustee = election.trustee("anna")
    pages = [
        (None, "/"),
        (None, "/login"),
        (None, f"/elections/{SLUG}"),
        (None, f"/elections/{SLUG}/board"),
        (None, f"/elections/{SLUG}/board/1"),
        (None, f"/elections/{SLUG}/results"),
        (None, "/elections/none"),
        (secretary, "/commission"),
        (secretary, "/commission/elections/new"),
        (secretary, f"/commission/elections/{SLUG}"),
        (trustee, f"/trustee/elections/{SLUG}"),
    ]
    for caller, path in pages:
        response = (
            caller.call("GET", path)
            if caller
            else client.get(path, headers={"accept": "text/html"})
        )
        assert response.headers["content-type"].startswith("text/html"), path
        for pattern in INLINE:
            assert not pattern.search(response.text), (path, pattern.pattern)
    assert client.get("/elections/none", headers={"accept": "text/html"}).status_code == 404


def test_commission_pages_need_a_commission_login(election: ApiElection) -> None:
    create(election)
    organisation = election.organisation("union")
    assert organisation.call("GET", f"/commission/elections/{SLUG}").status_code == 403
    assert (
        election.client.get(f"/commission/elections/{SLUG}", follow_redirects=False).status_code
        == 303
    )
    page = organisation.call("GET", f"/organisation/elections/{SLUG}")
    assert page.status_code == 200 and "Nominate a candidate" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    posted = organisation.call(
        "POST",
        f"/organisation/elections/{SLUG}/nominations",
        data={"csrf_token": token, "contest": "north-seat", "name": "Ivanov", "consent": "yes"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert election.service.state(SLUG).nominations[0].organisation == "union"
    forged = organisation.call(
        "POST",
        f"/organisation/elections/{SLUG}/nominations",
        data={"contest": "north-seat", "name": "Petrov", "consent": "yes"},
        headers={"accept": "text/html"},
    )
    assert forged.status_code == 403 and len(election.service.state(SLUG).nominations) == 1


def test_charts_escape_text_and_scale_bars() -> None:
    svg = charts.bar_chart(
        [charts.Bar("<b>Ann</b>", Fraction(10), "won"), charts.Bar("Bo", Fraction(5))],
        "Votes & more",
        quota=Fraction(15, 2),
        quota_label="needed",
    )
    assert "<b>" not in svg and "&lt;b&gt;Ann&lt;/b&gt;" in svg and "Votes &amp; more" in svg
    widths = [int(w) for w in re.findall(r'<rect class="[^"]*" x="\d+" y="\d+" width="(\d+)"', svg)]
    assert widths == [charts.BAR_WIDTH, charts.BAR_WIDTH // 2]
    assert 'class="bar won"' in svg and '<line class="quota"' in svg
    assert charts.parse_number("7/2") == Fraction(7, 2) and charts.parse_number("x") == 0


def test_signed_files_are_one_json_object() -> None:
    assert signed_statement('{"districts": []}\n', "statement") == {"districts": []}
    for text in ("credential,district,weight\nab,north,2\n", "[1, 2]", '{"a": 1.5}', ""):
        with pytest.raises(VyboryError) as bad:
            signed_statement(text, "credentials")
        assert bad.value.field == "credentials"


def test_the_offline_tool_refuses_what_it_cannot_trust(
    election: ApiElection, tmp_path: Path
) -> None:
    create(election)
    board = election.client.get(f"/api/elections/{SLUG}/board.jsonl").text
    lines = board.splitlines()
    (tmp_path / "board.jsonl").write_text(board, encoding="utf-8")
    tampered = lines[0].replace("Town council", "Town cuncil")
    (tmp_path / "tampered.jsonl").write_text(tampered + "\n", encoding="utf-8")
    with pytest.raises(Exception) as broken:
        offline.read_board(tampered)
    assert "hash" in str(broken.value) or "fingerprint" in str(broken.value)
    assert (
        offline.main(
            [
                "commit",
                "--board",
                str(tmp_path / "tampered.jsonl"),
                "--key",
                str(tmp_path / "k"),
                "--out",
                str(tmp_path / "m.json"),
            ]
        )
        == 1
    )
    assert (
        offline.main(
            [
                "commit",
                "--board",
                str(tmp_path / "board.jsonl"),
                "--key",
                str(tmp_path / "none"),
                "--out",
                str(tmp_path / "m.json"),
            ]
        )
        == 1
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vybory.web.offline",
            "keygen",
            "--board",
            str(tmp_path / "board.jsonl"),
            "--trustee",
            "nobody",
            "--identity",
            identity_file("anna", tmp_path),
            "--key",
            str(tmp_path / "k"),
            "--out",
            str(tmp_path / "m.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and "nobody" in result.stderr and not (tmp_path / "k").exists()
    message = election.trustee_step("anna", "keygen")
    with pytest.raises(Refused):
        offline.read_message(
            '{"format": "vybory-trustee-message", "fingerprint": "00", "kind": "x", "payload": {}}',
            message["fingerprint"],
        )
    with pytest.raises(InvalidInput):
        offline.read_message("[]", message["fingerprint"])


def test_finish_stores_the_secret_share_for_the_browser_decryption(
    election: ApiElection, tmp_path: Path
) -> None:
    import json

    ready_to_vote(election)
    board = tmp_path / "board.jsonl"
    board.write_text(
        election.client.get(f"/api/elections/{SLUG}/board.jsonl").text, encoding="utf-8"
    )
    key = election.folder / "anna.json"
    assert json.loads(key.read_text())["secrets"]["secret_share"] is None
    assert offline.main(["finish", "--board", str(board), "--key", str(key)]) == 0
    share = json.loads(key.read_text())["secrets"]["secret_share"]
    assert isinstance(share, str) and len(share) == 64
    with pytest.raises(SystemExit):  # every step but finish writes a message: --out is required
        offline.main(["commit", "--board", str(board), "--key", str(key)])


def test_the_trustee_page_refuses_a_foreign_message_file(
    election: ApiElection, tmp_path: Path
) -> None:
    create(election)
    trustee = election.trustee("clara")
    page = trustee.call("GET", f"/trustee/elections/{SLUG}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    other = DEFINITION.replace('slug = "council-2025"', 'slug = "other"')
    election.secretary.ok("POST", "/api/elections", 201, json={"definition": other})
    foreign = offline.compute_step(
        "keygen",
        offline.read_board(election.client.get("/api/elections/other/board.jsonl").text),
        None,
        trustee_id="clara",
        identity=Path(identity_file("clara", tmp_path)),
    )[0]
    import json

    response = trustee.call(
        "POST",
        f"/trustee/elections/{SLUG}/messages",
        data={"csrf_token": token},
        files={"message": ("message.json", json.dumps(foreign).encode(), "application/json")},
    )
    assert response.status_code == 409 and "not this one" in response.text
    assert election.service.state(SLUG).keys.messaging_keys == {}


def test_the_demo_seeds_an_open_election_a_newcomer_can_vote_in(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from vybory import protocol
    from vybory.api import create_app
    from vybory.cli.serve import DemoClock, seed_demo
    from vybory.service import ElectionService
    from vybory.store import Database

    clock = DemoClock()
    service = ElectionService(Database(f"sqlite:///{tmp_path / 'demo.sqlite'}"), clock=clock)
    demo = seed_demo(service, clock, tmp_path / "demo", voters=8, ballots=2)
    assert service.status(demo.slug).phase == "voting" and demo.ballots == 2
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [
        "anna-key.json",
        "boris-key.json",
        "credentials.csv",
        "election.toml",
        "identity-authority-authority.json",
        "identity-commission-commission.json",
        "identity-trustee-anna.json",
        "identity-trustee-boris.json",
        "identity-trustee-vera.json",
        "logins.txt",
        "roll.csv",
        "vera-key.json",
    ]
    secret = demo.credentials["plant"][0]
    form = service.ballot_form(demo.slug, protocol.public_credential(secret))
    ballot, _ = protocol.encrypt_ballot(
        form, secret, {"plant-delegate": ["Ivan Petrov"], "plant-committee": ["Nina Volkova"]}
    )
    with TestClient(create_app(service=service)) as client:
        booth = client.get(f"/api/elections/{demo.slug}/booth").json()
        assert [c["method"] for c in booth["districts"][0]["contests"]] == ["majority", "strikeout"]
        assert booth["districts"][0]["round"]["open"] is True
        import json

        receipt = client.post(
            f"/api/elections/{demo.slug}/ballots", content=json.dumps(ballot.to_json())
        )
        assert receipt.status_code == 201, receipt.text
        role, password = demo.logins["secretary"]
        assert role == "commission"
        manage = Caller(client, "secretary", password).call(
            "GET", f"/commission/elections/{demo.slug}"
        )
        assert manage.status_code == 200 and "Works council election (demo)" in manage.text
    assert clock() > service.state(demo.slug).rounds[1].opens_at - timedelta(seconds=1)


def fake_request(lang: str = "en") -> object:
    from starlette.requests import Request

    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/",
            "query_string": f"lang={lang}".encode(),
            "headers": [],
        }
    )


def test_a_multi_round_count_gets_a_round_by_round_table() -> None:
    from vybory.rules import count
    from vybory.rules.base import Contest, RankedBallot
    from vybory.web.public import _count_rounds

    ballots = (
        [RankedBallot((("A",), ("B",)))] * 4
        + [RankedBallot((("B",), ("A",)))] * 3
        + [RankedBallot((("C",), ("B",)))] * 2
    )
    outcome = count("irv", Contest("mayor", ("A", "B", "C")), ballots=ballots).to_json()
    table = _count_rounds(outcome)
    assert table is not None and table["rounds"] == [1, 2]
    rows = dict(table["rows"])
    assert rows["C"] == [("2", ""), (None, "eliminated")]  # C's votes go to B in count 2
    assert rows["B"][1] == ("5", "elected") and outcome["winners"] == ["B"]
    assert _count_rounds({"rounds": [outcome["rounds"][0]]}) is None


def test_for_against_and_motion_charts_show_every_side() -> None:
    from vybory.web.public import _chart_for, decision_words

    base = {
        "title": "T",
        "winners": [],
        "runoff_candidates": [],
        "status": "elected",
        "outcome": {"rounds": []},
    }
    for_against = _chart_for(
        fake_request(),
        {
            **base,
            "method": "for-against",
            "candidates": ["Ann"],
            "winners": ["Ann"],
            "counts": {"Ann:for": 7, "Ann:against": 2},
        },
    )
    assert for_against["bars"] == [("Ann: for", "7", "won"), ("Ann: against", "2", "against")]
    motion = _chart_for(
        fake_request("ru"),
        {**base, "method": "motion", "candidates": [], "counts": {"yes": 5, "no": 1, "abstain": 0}},
    )
    assert [b[:2] for b in motion["bars"]] == [("да", "5"), ("нет", "1"), ("воздержаться", "0")]
    words = decision_words(
        fake_request(),
        {**base, "status": "repeat_required"},
        {"round": 2, "closes_at": "2025-04-04 20:00 UTC"},
    )
    assert words == (
        "No decision: a repeat election with all registered candidates in round 2, "
        "voting until 2025-04-04 20:00 UTC."
    )
