"""Browser tests: a live vybory server (Uvicorn in a thread, on a free 127.0.0.1 port) and
Debian's Chromium driven by Playwright.

Fixtures:
- ``web_clock``: a :class:`~vybory.service.ManualClock` (the server's "now"; move it to open rounds);
- ``web_service``: an :class:`~vybory.service.ElectionService` on a fresh SQLite file, with that clock;
- ``live_server``: the whole application (API, pages, booth) served on ``live_server.url``;
  seed elections through ``live_server.service`` (or ``web_service``) before opening pages;
- ``browser`` (one per test process) and ``page`` (a fresh context per test);
- ``snap`` (a fixture): ``snap(page, name)`` saves a screenshot under ``test-artifacts/screenshots/`` (ignored by git).

Chromium is ``$VYBORY_CHROMIUM`` or ``/usr/bin/chromium`` (``.ci/run`` installs Debian's
package); Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("VYBORY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    """A running server: its base URL, the service behind it, and the application."""

    url: str
    service: Any
    app: Any

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def serve_in_thread(app: Any) -> tuple[Any, threading.Thread, str]:
    """Starts Uvicorn on a free 127.0.0.1 port in a daemon thread; returns (server, thread, url)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"uvicorn-{port}"
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def web_clock() -> Any:
    from vybory.service import ManualClock

    return ManualClock(T0)


@pytest.fixture
def web_service(tmp_path: Path, web_clock: Any) -> Iterator[Any]:
    from vybory.service import ElectionService
    from vybory.store import Database

    database = Database(f"sqlite:///{tmp_path / 'web.sqlite'}")
    try:
        yield ElectionService(database, clock=web_clock)
    finally:
        database.dispose()


@pytest.fixture
def live_server(web_service: Any) -> Iterator[LiveServer]:
    from vybory.api import create_app

    app = create_app(
        service=web_service, secret_key=b"test-secret-key-of-32-bytes-long", secure_cookies=False
    )
    server, thread, url = serve_in_thread(app)
    try:
        yield LiveServer(url, web_service, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM} (apt-get install chromium, or set VYBORY_CHROMIUM)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.vybory_errors = errors  # JavaScript errors seen on the page, for tests to assert on
    try:
        yield page
    finally:
        context.close()


def save_screenshot(page: Any, name: str) -> Path:
    """Saves a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def snap() -> Any:
    """``snap(page, name)`` saves a screenshot of the page under test-artifacts/screenshots/."""
    return save_screenshot
