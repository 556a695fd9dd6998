"""A voter's device, as a separate process: reads the public board over HTTP, encrypts ballots,
then casts them, retrying the same ballot until it has a receipt.

    python voter_client.py URL SLUG CREDENTIALS.json BALLOTS_PER_CREDENTIAL READY GO RESULTS.json
                           [--paced K/N] [--no-bodies]

It writes READY once its ballots are encrypted, waits for the file GO, casts, and writes
RESULTS (one entry per ballot: tracking code, receipt, how many attempts got no receipt and
how they failed, and when it was due, sent and answered, in ``time.monotonic`` seconds, which
every process on the machine shares). A dropped connection, a refused connection or a 503 means
"no receipt yet: send the same ballot again"; any other answer than 201 is recorded as an error.

Without ``--paced`` it casts as fast as the server answers (closed loop). With ``--paced K/N``
it is client K of N sharing a rate that GO gives as JSON, ``{"rate": R, "seconds": S}``: its
ballot j is due ``(K + j N) / R`` seconds after GO, whatever happened to the ones before (open
loop: a slow answer makes the next ballots late, and their latency counts from when they were
due, as a voter's would). When GO gives ``"seconds": S``, it casts only the ballots due (closed
loop: sent) within S seconds of GO; the others it encrypted stay unsent. ``--no-bodies`` leaves
the ballots themselves out of RESULTS.
"""

from __future__ import annotations

import argparse
import json
import math
import secrets
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


def schedule(share: str, go: str, began: float, count: int) -> tuple[list[float] | None, float]:
    """When each of up to ``count`` ballots is due (``time.monotonic``) for client ``share``
    ("K/N", or "" for a closed loop: ``None``) at the rate GO gives, and until when to cast."""
    pace = json.loads(go) if go.startswith("{") else {}
    until = began + float(pace.get("seconds", math.inf))
    if not share:
        return None, until
    k, n = (int(x) for x in share.split("/"))
    rate = float(pace["rate"])
    return [d for j in range(count) if (d := began + (k + j * n) / rate) < until], until


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("url", "slug", "credentials", "per_credential", "ready", "go", "results"):
        parser.add_argument(name)
    parser.add_argument("--paced", default="", help="K/N: client K of N casting at the rate GO gives")
    parser.add_argument("--no-bodies", action="store_true", help="leave the ballots out of RESULTS")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    credentials: list[dict[str, str]] = json.loads(Path(args.credentials).read_text())
    with httpx.Client(base_url=args.url, timeout=30) as client:
        state = replay(board(client, args.slug))
        ballots = []
        for entry in credentials:
            form = ballot_form(state, protocol.public_credential(entry["secret"]))
            for _ in range(int(args.per_credential)):
                ballot, _opening = protocol.encrypt_ballot(form, entry["secret"], CHOICES[entry["district"]]())
                ballots.append((tracking_code(ballot), json.dumps(ballot.to_json()).encode()))
        Path(args.ready).write_text("ready")
        while not Path(args.go).exists():
            time.sleep(0.01)
        began = time.monotonic()
        dues, until = schedule(args.paced, Path(args.go).read_text(), began, len(ballots))
        out = []
        for k, (code, body) in enumerate(ballots):
            if (dues is not None and k == len(dues)) or (dues is None and time.monotonic() >= until):
                break
            due = dues[k] if dues is not None else time.monotonic()
            time.sleep(max(0.0, due - time.monotonic()))
            sent = time.monotonic()
            receipt, failures = cast(client, args.slug, body)
            entry: dict[str, Any] = {"tracking_code": code, "receipt": receipt, "failures": failures,
                                     "due": due, "sent": sent, "answered": time.monotonic()}
            if not args.no_bodies:
                entry["ballot"] = json.loads(body)
            out.append(entry)
    Path(args.results).write_text(json.dumps(out))


if __name__ == "__main__":
    main()
