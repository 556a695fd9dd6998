"""A voter's device, as a separate process: reads the public board over HTTP, encrypts ballots,
then casts them as fast as the server answers, retrying the same ballot until it has a receipt.

    python voter_client.py URL SLUG CREDENTIALS.json BALLOTS_PER_CREDENTIAL READY GO RESULTS.json

It writes READY once its ballots are encrypted, waits for the file GO, casts, and writes
RESULTS (one entry per ballot: tracking code, receipt, how many attempts got no receipt and
how they failed). A dropped connection, a refused connection or a 503 means "no receipt yet:
send the same ballot again"; any other answer than 201 is recorded as an error.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from vybory import protocol
from vybory.model.ballot import tracking_code
from vybory.model.board import Event
from vybory.protocol.encrypt import ballot_form
from vybory.protocol.state import replay

CHOICES = {
    "plant": lambda: {
        "plant-delegate": [secrets.choice(["Ivan Petrov", "Maria Smirnova", "Oleg Kuznetsov"])],
        "plant-committee": sorted_pair(["Nina Volkova", "Pavel Sokolov", "Daria Popova", "Sergei Morozov"]),
    },
    "office": lambda: {
        "office-delegate": [secrets.choice(["Elena Fedorova", "Yuri Egorov"])],
        "agreement": secrets.choice(["yes", "no"]),
    },
}

GIVE_UP = 300.0


def sorted_pair(names: list[str]) -> list[str]:
    first = secrets.choice(names)
    return [first, secrets.choice([n for n in names if n != first])]


def board(client: httpx.Client, slug: str) -> list[Event]:
    while True:
        try:
            response = client.get(f"/api/elections/{slug}/board.jsonl")
            if response.status_code == 200:
                return [Event.from_json(json.loads(line)) for line in response.text.splitlines() if line]
        except httpx.HTTPError:
            pass
        time.sleep(0.2)


def cast(client: httpx.Client, slug: str, body: bytes) -> tuple[dict[str, Any] | None, list[str]]:
    """Sends one ballot until it has a receipt; returns it and the failed attempts."""
    failures: list[str] = []
    deadline = time.monotonic() + GIVE_UP
    while time.monotonic() < deadline:
        try:
            response = client.post(f"/api/elections/{slug}/ballots", content=body,
                                   headers={"content-type": "application/json"})
        except httpx.HTTPError as error:
            failures.append(type(error).__name__)
            time.sleep(0.05)
            continue
        if response.status_code == 201:
            return response.json(), failures
        if response.status_code == 503:
            failures.append("503")
            time.sleep(0.1)
            continue
        failures.append(f"{response.status_code} {response.text[:300]}")
        return None, failures
    failures.append("gave up")
    return None, failures


def main(url: str, slug: str, credentials_file: str, per_credential: str, ready: str, go: str,
         results: str) -> None:
    credentials: list[dict[str, str]] = json.loads(Path(credentials_file).read_text())
    with httpx.Client(base_url=url, timeout=30) as client:
        state = replay(board(client, slug))
        ballots = []
        for entry in credentials:
            form = ballot_form(state, protocol.public_credential(entry["secret"]))
            for _ in range(int(per_credential)):
                ballot, _opening = protocol.encrypt_ballot(form, entry["secret"], CHOICES[entry["district"]]())
                ballots.append(ballot)
        Path(ready).write_text("ready")
        while not Path(go).exists():
            time.sleep(0.05)
        out = []
        for ballot in ballots:
            body = json.dumps(ballot.to_json()).encode()
            receipt, failures = cast(client, slug, body)
            out.append({"tracking_code": tracking_code(ballot), "receipt": receipt, "failures": failures,
                        "ballot": ballot.to_json()})
    Path(results).write_text(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:])
