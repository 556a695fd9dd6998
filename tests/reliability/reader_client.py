"""Someone watching the election while it runs, as a separate process: reads the board (the
API's newest page, the board's web page) and the results (the API's and the web page) over HTTP
in turn, one request every ``--interval`` seconds from the file GO on, until the file STOP exists.

    python reader_client.py URL SLUG READY GO STOP RESULTS.json [--interval S] [--offset S] [--first K]

Open loop, as voter_client.py with ``--interval``: read k is due ``offset + k * interval``
seconds after GO, and its latency counts from then. RESULTS: one entry per read (what, the
HTTP status or the error's name, when it was due and answered, in ``time.monotonic`` seconds).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import httpx


def reads(slug: str, head: int) -> list[tuple[str, str]]:
    """The rotation of reads, the board's newest page starting from ``head`` as last seen."""
    return [("board", f"/api/elections/{slug}/board?start={max(1, head - 49)}&limit=50"),
            ("results", f"/api/elections/{slug}/results"),
            ("board_page", f"/elections/{slug}/board"),
            ("results_page", f"/elections/{slug}/results")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("url", "slug", "ready", "go", "stop", "results"):
        parser.add_argument(name)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--offset", type=float, default=0.0)
    parser.add_argument("--first", type=int, default=0, help="which read of the rotation comes first")
    args = parser.parse_args()
    out: list[dict[str, Any]] = []
    head = 1
    with httpx.Client(base_url=args.url, timeout=60) as client:
        client.get("/api").raise_for_status()
        Path(args.ready).write_text("ready")
        while not Path(args.go).exists():
            time.sleep(0.01)
        began = time.monotonic()
        k = 0
        while not Path(args.stop).exists():
            due = began + args.offset + k * args.interval
            time.sleep(max(0.0, due - time.monotonic()))
            what, path = reads(args.slug, head)[(args.first + k) % 4]
            try:
                response = client.get(path)
                status: int | str = response.status_code
                if what == "board" and status == 200:
                    head = int(response.json()["head"]["position"])
            except httpx.HTTPError as error:
                status = type(error).__name__
            out.append({"what": what, "status": status, "due": due, "answered": time.monotonic()})
            k += 1
    Path(args.results).write_text(json.dumps(out))


if __name__ == "__main__":
    main()
