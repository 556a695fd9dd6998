"""Shared fixture for the crypto tests: deterministic randomness."""

from __future__ import annotations

import pytest

from vybory.crypto.rng import DeterministicRng


@pytest.fixture
def rng() -> DeterministicRng:
    return DeterministicRng(b"tests/crypto")
