"""`vybory serve --workers 2`, on SQLite and PostgreSQL: two server processes share one database,
ballots sent at once from several connections all land on one unforked board, every receipt
names a ballot that is on the board where it says, and the server stops cleanly.

The adversary is the load itself: two processes that each keep their own copy of the board's
state and append to the same board; a stale copy that let one process append after the head it
remembered would fork the board (two events at one position) or lose a receipt."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
from serverkit import VYBORY, free_port, stop_group, wait_until_answering

from vybory import protocol
from vybory.cli.serve import DemoClock, seed_demo
from vybory.model.board import check_chain
from vybory.service import ElectionService

CHOICE = {"plant-delegate": ["Ivan Petrov"], "plant-committee": ["Nina Volkova"]}


def test_two_worker_processes_share_one_board(database, database_url: str, tmp_path: Path) -> None:
    clock = DemoClock()
    service = ElectionService(database, clock=clock)
    demo = seed_demo(service, clock, tmp_path / "demo", voters=24, ballots=0, slug="works", logins=False)
    secrets = demo.credentials["plant"]
    form = service.ballot_form("works", protocol.public_credential(secrets[0]))
    ballots = [protocol.encrypt_ballot(form, s, CHOICE)[0].to_json() for s in secrets]
    head = service.head("works").position

    port = free_port()
    server = subprocess.Popen([VYBORY, "serve", "--port", str(port), "--workers", "2"],
                              env={**os.environ, "VYBORY_DATABASE_URL": database_url},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base, server, 300, lambda: server.stderr.read().decode() if server.stderr else "")
        workers = [p for p in psutil.Process(server.pid).children(recursive=True)
                   if "multiprocessing.resource_tracker" not in " ".join(p.cmdline())]
        assert len(workers) == 2

        def cast(ballot: dict) -> httpx.Response:  # type: ignore[type-arg]
            # A new connection each: the two processes share the listening socket.
            return httpx.post(f"{base}/api/elections/works/ballots", content=json.dumps(ballot),
                              headers={"Content-Type": "application/json"}, timeout=60)

        with ThreadPoolExecutor(6) as pool:
            responses = list(pool.map(cast, ballots))
        again = cast(ballots[0])  # a copy of a ballot already on the board, through either process
    finally:
        stop_group(server)
    assert [r.status_code for r in responses] == [201] * len(ballots), [r.text for r in responses]
    assert again.status_code == 201 and again.json() == responses[0].json()  # the same receipt, nothing appended
    assert server.returncode == 0

    receipts = [r.json() for r in responses]
    fresh = ElectionService(database, clock=clock)
    fresh.board.forget()
    events = fresh.events("works")
    assert check_chain(events)
    by_position = {e.position: e for e in events}
    assert sorted(r["position"] for r in receipts) == list(range(head + 1, head + 1 + len(ballots)))
    for receipt in receipts:
        event = by_position[receipt["position"]]
        assert event.hash.hex() == receipt["event_hash"]
        assert event.payload["tracking_code"] == receipt["tracking_code"]
    assert fresh.state("works").rounds[1].ballots_cast == len(ballots)
