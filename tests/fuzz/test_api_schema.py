"""The HTTP API fuzzed from its own OpenAPI document (schemathesis), against a real `vybory serve`.

The adversary is anyone on the network: an anonymous caller, or a logged-in commission member
sending what no form would. Every operation in ``/openapi.json`` gets generated requests, both
fitting the document and breaking it (wrong types, missing or unknown fields, bad path values),
anonymously and with the commission's session and CSRF token. The checks:

* no 5xx, ever (a 5xx is a bug: each one found has a regression test in tests/api);
* every status, content type, header and body is one the document declares for that operation
  (so a client written from the document is never surprised, and the document lies about nothing);
* a refused request (any 4xx) wrote nothing: the whole database, apart from the sessions and the
  throttles' attempt counts, is byte for byte what it was before.

``make test`` runs a bounded number of cases per operation (profile ``bounded``), ``make fuzz``
many more (``HYPOTHESIS_PROFILE=long``); the number of requests sent is printed and must reach
the floor below.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from serverkit import Served, seed

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("api-schema")]

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
EXAMPLES = 15 if LONG else 3
"""Cases per operation, per caller and per kind (fitting the document, or not)."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
VOLATILE_TABLES = {"login_sessions", "attempts"}
"""What a refused request may change: the sessions (every visitor gets one) and the throttles'
failure counts (a refused login or ballot is counted: that is the point of them)."""


def database_fingerprint(path: Path) -> str:
    """A hash of every row of every table but the volatile ones, read while the server runs."""
    digest = hashlib.sha256()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            if table in VOLATILE_TABLES:
                continue
            digest.update(table.encode())
            for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode())
    connection.close()
    return digest.hexdigest()


@dataclass
class FuzzedServer:
    served: Served
    path: Path
    slug: str
    password: str
    schema: Any

    def commission_login(self) -> tuple[dict[str, str], dict[str, str]]:
        """Cookies and headers of a fresh commission session."""
        response = httpx.post(f"{self.served.url}/api/session",
                              json={"username": "secretary", "password": self.password}, timeout=60)
        assert response.status_code == 200, response.text
        return dict(response.cookies), {"x-csrf-token": response.json()["csrf_token"]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzedServer]:
    folder = tmp_path_factory.mktemp("api-schema")
    path = folder / "vybory.sqlite"
    demo = seed(f"sqlite:///{path}", folder / "seed", voters=8, ballots=2)
    with Served(f"sqlite:///{path}", folder / "serve.log") as served:
        schema = schemathesis.openapi.from_url(f"{served.url}/openapi.json")
        yield FuzzedServer(served, path, demo.slug, demo.logins["secretary"][1], schema)


def operations(schema: Any) -> list[Any]:
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=lambda op: (op.path, op.method))


def fuzz_operation(server: FuzzedServer, operation: Any, *, commission: bool,
                   mode: schemathesis.GenerationMode, failures: list[str]) -> int:
    """Sends generated requests for one operation; returns how many were sent, and adds what
    went wrong (the shrunk case and the failed check) to ``failures``."""
    strategies = [operation.as_strategy(generation_mode=mode)]
    if "{slug}" in operation.path:  # the demo election too, not only names that do not exist
        strategies.append(operation.as_strategy(generation_mode=mode, path_parameters={"slug": server.slug}))
    login = server.commission_login() if commission else ({}, {})
    sent = 0
    connection = requests.Session()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not LONG,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(strategies))
    def one(case: Any) -> None:
        nonlocal sent, login
        cookies, headers = login
        before = database_fingerprint(server.path)
        response = case.call(base_url=server.served.url, session=connection, cookies=cookies, headers=headers,
                             timeout=60)
        connection.cookies.clear()  # each case is sent as this caller only, with no cookie set by another
        sent += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
        if response.status_code >= 400:
            assert database_fingerprint(server.path) == before, (
                f"{case.method} {case.formatted_path} was refused with {response.status_code} "
                f"but changed the database: {response.text[:300]}")
        if commission and case.path in ("/api/session", "/api/session/password") and response.status_code < 300:
            login = server.commission_login()  # it logged itself out: log in again

    try:
        one()
    except Unsatisfiable:
        # nothing to break (no parameter, no body): only fitting requests exist
        assert mode == schemathesis.GenerationMode.NEGATIVE and sent == 0
    except (AssertionError, FailureGroup) as error:  # a failed check: collected, so that one run shows them all
        failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {error}")
    return sent


@pytest.mark.parametrize("caller", ["anonymous", "commission"])
def test_every_operation_survives_its_fuzzed_requests(server: FuzzedServer, caller: str) -> None:
    if caller == "commission":
        # the probe sees a write: a login added by the commission changes the fingerprint
        cookies, headers = server.commission_login()
        before = database_fingerprint(server.path)
        added = httpx.post(f"{server.served.url}/api/users", cookies=cookies, headers=headers, timeout=60,
                           json={"username": "fuzz-probe", "password": "probe-password-1", "role": "observer"})
        assert added.status_code == 201, added.text
        assert database_fingerprint(server.path) != before
    total = 0
    failures: list[str] = []
    for operation in operations(server.schema):
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            total += fuzz_operation(server, operation, commission=caller == "commission", mode=mode,
                                    failures=failures)
    print(f"\nschemathesis ({caller}): {total} requests over {len(operations(server.schema))} operations")
    assert not failures, "\n\n".join(failures)
    assert total >= 200, total
    health = httpx.get(f"{server.served.url}/api", timeout=30)
    assert health.status_code == 200  # the server still serves
