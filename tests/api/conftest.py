from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from apikit import T0, ApiElection, make_users


@pytest.fixture
def api_clock():  # type: ignore[no-untyped-def]
    from vybory.service import ManualClock

    return ManualClock(T0)


@pytest.fixture
def api_service(database, api_clock):  # type: ignore[no-untyped-def]
    from vybory.service import ElectionService

    service = ElectionService(database, clock=api_clock)
    make_users(service)
    return service


@pytest.fixture
def client(api_service):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from vybory.api import create_app

    app = create_app(service=api_service, secret_key=b"api-test-secret", secure_cookies=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def election(client, api_service, api_clock, tmp_path):  # type: ignore[no-untyped-def]
    return ApiElection(client, api_service, api_clock, tmp_path)
