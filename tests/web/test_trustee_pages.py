"""Trustees follow the key ceremony and the decryption on their pages, computing every message
offline (``python -m vybory.web.offline``) from the board they download, and posting the file."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from electionkit import identity_file
from webkit import (
    DEFINITION,
    NOMINATIONS_CLOSE,
    PASSWORD,
    ROLL,
    SLUG,
    VOTING_CLOSE,
    VOTING_OPEN,
    issue_credentials,
    nominate_all,
    post,
    trustee_message,
    vote,
)

from vybory.web import offline

TRUSTEES = ("anna", "clara", "elena")


def trustee_page(browser: Any, url: str, trustee: str) -> Any:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.goto(url + "/trustee")
    assert "/login" in page.url  # the trustee pages need a login
    page.fill("#username", f"t-{trustee}")
    page.fill("#password", PASSWORD)
    page.click("form.narrow button[type=submit]")
    assert page.url.endswith(f"/trustee/elections/{SLUG}")
    return page


def download_board(page: Any, folder: Path) -> Path:
    """What the trustee does on a connected machine: save the board."""
    with page.expect_download() as download:
        page.click("text=Download the board (board.jsonl)")
    path = folder / "board.jsonl"
    download.value.save_as(str(path))
    return path


def upload(page: Any, message: Path) -> str:
    page.set_input_files("#message-file", str(message))
    page.click("#message-form button[type=submit]")
    return page.inner_text("main")


def run_offline(step: str, board: Path, key: Path, out: Path, *extra: str) -> None:
    code = offline.main([step, "--board", str(board), "--key", str(key), "--out", str(out), *extra])
    assert code == 0


def test_trustees_complete_the_key_ceremony_and_the_decryption(
    live_server, web_service, web_clock, browser, snap, tmp_path: Path
) -> None:
    service = web_service
    service.create_election(DEFINITION, roll_csv=ROLL)
    for trustee in TRUSTEES:
        service.add_user(f"t-{trustee}", PASSWORD, "trustee", election=SLUG, subject=trustee)
    service.add_user("secretary", PASSWORD, "commission")
    nominate_all(service)
    pages = {t: trustee_page(browser, live_server.url, t) for t in TRUSTEES}
    homes = {t: tmp_path / t for t in TRUSTEES}
    for home in homes.values():
        home.mkdir()

    first = pages["anna"]
    assert "your turn" in first.inner_text("#step-0")
    with first.expect_download() as download:
        first.click("text=Download the instructions")
    instructions = Path(download.value.path()).read_text(encoding="utf-8")
    assert (
        "python -m vybory.web.offline keygen   --board board.jsonl --trustee anna" in instructions
    )
    assert f"vybory trustee decrypt {SLUG} --key anna-key.json" in instructions
    snap(first, "trustee-steps-start")

    # Step 0 on an offline machine, through the command line, for one trustee.
    board = download_board(first, homes["anna"])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vybory.web.offline",
            "keygen",
            "--board",
            str(board),
            "--trustee",
            "anna",
            "--identity",
            identity_file("anna", homes["anna"]),
            "--key",
            str(homes["anna"] / "key.json"),
            "--out",
            str(homes["anna"] / "message.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Your message is on the board." in upload(first, homes["anna"] / "message.json")
    assert "done" in first.inner_text("#step-0")

    # A message posted twice, or by another trustee, is refused with words.
    again = upload(pages["clara"], homes["anna"] / "message.json")
    assert "you are number 2" in again
    snap(pages["clara"], "trustee-refused-message")

    # Elena runs every step offline and posts it on her page; Anna (after her first step) and Clara
    # use `vybory trustee` with database access, which posts directly.
    for step in ("keygen", "commit", "reveal", "shares", "complain"):
        for trustee in TRUSTEES:
            home = homes[trustee]
            if trustee != "elena":
                if (trustee, step) != ("anna", "keygen"):
                    post(
                        service,
                        trustee_message(service, home, trustee, step, key=home / "key.json"),
                    )
                continue
            page = pages[trustee]
            board = download_board(page, home)
            run_offline(
                step,
                board,
                home / "key.json",
                home / "message.json",
                *(["--trustee", trustee, "--identity", identity_file(trustee, home)] if step == "keygen" else []),
            )
            assert "Your message is on the board." in upload(page, home / "message.json"), step
            assert "done" in page.inner_text(
                f"#step-{('keygen', 'commit', 'reveal', 'shares', 'complain').index(step)}"
            )
    assert "The key ceremony is completed." in pages["elena"].inner_text("main")
    snap(pages["elena"], "trustee-keys-completed")
    assert service.state(SLUG).public_key is not None
    assert "key.json" not in json.dumps([e.to_json() for e in service.iter_events(SLUG)])

    # Voting happens; the commission starts the tally.
    web_clock.set(NOMINATIONS_CLOSE + timedelta(days=1))
    service.close_nominations(SLUG)
    credentials = issue_credentials(service)
    service.open_round(SLUG)
    web_clock.set(VOTING_OPEN + timedelta(hours=1))
    for secret, name in zip(
        credentials["north"], ["Ivanov", "Ivanov", "Ivanov", "Ivanov", "Petrova"]
    ):
        vote(service, secret, {"north-seat": [name]})
    for secret in credentials["south"][:4]:
        vote(service, secret, {"south-seat": ["Volkov"]})
    web_clock.set(VOTING_CLOSE + timedelta(minutes=1))
    service.close_round(SLUG)
    service.compute_tally(SLUG)

    # Two trustees of three decrypt (k = 2); the third never acts.
    for trustee in ("clara", "elena"):
        page, home = pages[trustee], homes[trustee]
        page.reload()
        assert "your decryption share is needed" in page.inner_text("#round-1")
        assert (
            page.locator("#round-1 a", has_text="Decrypt in this browser").get_attribute("href")
            == f"/trustee/elections/{SLUG}/decrypt?round=1"
        )
        board = download_board(page, home)
        run_offline("decrypt", board, home / "key.json", home / "share.json")
        assert "Your decryption share is on the board." in upload(page, home / "share.json")
        assert "your share is on the board" in page.inner_text("#round-1")
    snap(pages["elena"], "trustee-share-posted")
    # Two of the two shares needed are in: anna is no longer waited for, the commission is.
    waiting = service.status(SLUG).waiting
    assert not [w for w in waiting if w.role == "trustee"]
    assert [str(w.action) for w in waiting if w.role != "witness"] == ["combine the shares of round 1"]
    assert {w.who for w in waiting if w.role == "witness"} == {"anna", "clara", "elena"}

    decision = service.decide(SLUG)
    assert decision.shares_used == (2, 3)
    assert {r.contest: r.winners for r in decision.results} == {
        "north-seat": ("Ivanov",),
        "south-seat": ("Volkov",),
    }
    for page in pages.values():
        page.context.close()
