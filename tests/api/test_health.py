"""Health, readiness, and an outage told apart from a misconfiguration.

The adversaries are bad luck and a hurried operator. A load balancer that keeps sending voters
to a server whose database is down loses their ballots to error pages: `/api/ready` says 503
until the database answers and is at the server's schema, while `/api/health` (the process
answers at all) stays 200 so that the supervisor does not restart a server that is fine. An
operator who mistyped the database password, or forgot `vybory db upgrade`, must not be told
"try again in a moment" (503) forever: that is a 500 logged with its cause, where a database
that refuses connections (down, restarting) is a 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serverkit import free_port
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from vybory.api import create_app
from vybory.service import ElectionService
from vybory.store import Database
from vybory.store.database import is_outage


def served(database: Database) -> Iterator[TestClient]:
    app = create_app(service=ElectionService(database), secret_key=b"health-test-secret", secure_cookies=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    database.dispose()


def postgres_url() -> str:
    url = os.environ.get("VYBORY_TEST_POSTGRES_URL")
    if not url:
        pytest.fail("VYBORY_TEST_POSTGRES_URL is not set: the outage is tested against a real PostgreSQL")
    return url


def test_a_working_server_is_alive_and_ready(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/health").json() == {"status": "alive"}
    assert client.get("/api/ready").json() == {"status": "ready"}


def test_a_database_that_refuses_connections_is_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    down = f"postgresql+psycopg://vybory:vybory@127.0.0.1:{free_port()}/vybory"  # nothing listens there
    for client in served(Database(down, upgrade=False)):
        assert client.get("/api/health").status_code == 200  # the process is fine: do not restart it
        ready = client.get("/api/ready")
        assert ready.status_code == 503 and ready.json()["code"] == "database_unavailable"
        assert int(ready.headers["retry-after"]) >= 1
        with caplog.at_level(logging.WARNING):
            listed = client.get("/api/elections")
        assert listed.status_code == 503 and listed.json()["code"] == "database_unavailable"
        assert listed.headers["retry-after"] == "1"


@pytest.mark.postgres
def test_a_wrong_password_is_a_server_error_not_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    wrong = make_url(postgres_url()).set(password="not the password").render_as_string(hide_password=False)
    for client in served(Database(wrong, upgrade=False)):
        with caplog.at_level(logging.ERROR, logger="vybory"):
            listed = client.get("/api/elections")
        assert listed.status_code == 500 and listed.json()["code"] == "server_error"
        assert "password authentication failed" in caplog.text  # the operator's log names the cause
        assert "not the password" not in caplog.text and "password" not in listed.text
        assert client.get("/api/ready").status_code == 503


def test_a_database_without_the_schema_is_a_server_error_and_not_ready(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    for client in served(Database(empty, upgrade=False)):  # `vybory db upgrade` forgotten
        listed = client.get("/api/elections")
        assert listed.status_code == 500 and listed.json()["code"] == "server_error"
        ready = client.get("/api/ready")
        assert ready.status_code == 503 and ready.json()["code"] == "schema_out_of_date"
        assert "vybory db upgrade" in ready.json()["message"]


def real_error(statement: str, error: BaseException) -> OperationalError:
    return OperationalError(statement, {}, error)


def test_what_counts_as_an_outage() -> None:
    connection = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as missing:
        connection.execute("SELECT * FROM no_such_table")
    assert not is_outage(real_error("SELECT", missing.value))
    assert is_outage(real_error("BEGIN", sqlite3.OperationalError("database is locked")))
    assert is_outage(real_error("SELECT 1", ConnectionResetError("connection reset by peer")))
    assert not is_outage(ValueError("not a database error"))
