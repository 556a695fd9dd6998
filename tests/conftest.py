"""Database fixtures: every test that asks for ``database`` (or ``database_url``)
runs on SQLite and, when ``VYBORY_TEST_POSTGRES_URL`` is set, on PostgreSQL too.

Isolation under xdist: each SQLite test has its own file under ``tmp_path``;
each PostgreSQL test has its own schema (named after the xdist worker and a
random suffix) in the test database, reached through the URL's
``options=-csearch_path=...``, and dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from vybory.crypto import backend

POSTGRES_VARIABLE = "VYBORY_TEST_POSTGRES_URL"

# VYBORY_BACKEND=sodium|native runs the suite on that crypto backend (default: native when built).
backend.use(os.environ.get("VYBORY_BACKEND"))


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_VARIABLE) else ["sqlite"]


def pytest_report_header(config: pytest.Config) -> list[str]:
    crypto = f"vybory crypto backend: {backend.describe()}"
    if os.environ.get(POSTGRES_VARIABLE):
        return ["vybory databases: SQLite and PostgreSQL", crypto]
    return [f"vybory databases: SQLite only ({POSTGRES_VARIABLE} is not set, PostgreSQL not tested)", crypto]


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL of an empty database of its own (schema not yet created)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vybory.sqlite'}"
        return
    from serverkit import postgres_schema

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with postgres_schema(os.environ[POSTGRES_VARIABLE], f"t_{worker}") as url:
        yield url


@pytest.fixture
def database(database_url: str):  # type: ignore[no-untyped-def]
    """A fresh, upgraded :class:`vybory.store.Database`."""
    from vybory.store import Database

    db = Database(database_url, upgrade=True)
    try:
        yield db
    finally:
        db.dispose()
