from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from kit import T0

from vybory.service import ElectionService, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def service(database, clock):  # type: ignore[no-untyped-def]
    return ElectionService(database, clock=clock)
