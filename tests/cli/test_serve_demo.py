"""`vybory serve --demo` as a newcomer starts it: a real server process, its pages over HTTP.

The booth's "Which booth is this?" compares the script the server serves with the SHA-256
recorded on the board when the round opened; a demo that opened its round without recording
it would show "none" and teach voters to ignore the comparison.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from vybory.web.booth.manifest import load_manifest

VYBORY = Path(sys.executable).parent / "vybory"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The base URL of a running `vybory serve --demo` (started in a fresh folder) and its output."""
    folder = tmp_path_factory.mktemp("serve-demo")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "VYBORY_DATABASE_URL"}
    server = subprocess.Popen([str(VYBORY), "serve", "--demo", "--port", str(port)], cwd=folder, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                if httpx.get(f"{base}/api", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the demo server did not answer"
                time.sleep(0.5)
        yield base, ""
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise


def test_which_booth_compares_with_the_hash_recorded_when_the_round_opened(demo: tuple[str, str]) -> None:
    base, _ = demo
    page = httpx.get(f"{base}/elections/works-council/booth", timeout=30).text
    served = load_manifest()["booth"].sha256
    assert f'<code id="booth-sha256">{served}</code>' in page
    recorded = re.findall(r'<code class="recorded-booth" data-round="1">([0-9a-f]{64})</code>', page)
    assert recorded == [served]
    assert "mismatch" not in page.split('id="booth-pin"')[0].rsplit("<details", 1)[-1]
