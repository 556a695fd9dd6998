"""Shared fixtures for the crypto tests: deterministic randomness, and every test on both backends.

Each test here runs once on libsodium and once on the native backend (curve25519-dalek) when it
is built: the same vectors, the same tampered proofs, the same refusals. Where cargo exists the
native backend must be built (``test_backends.py`` checks it), so its tests cannot silently vanish.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vybory.crypto import backend
from vybory.crypto.rng import DeterministicRng

BACKENDS = ["sodium", "native"] if backend.native_available() else ["sodium"]


@pytest.fixture(params=BACKENDS, autouse=True, scope="module")
def crypto_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """The backend in force for this module's tests; the default one is restored afterwards."""
    before = backend.ops.name
    backend.use(request.param)
    yield request.param
    backend.use(before)


@pytest.fixture
def rng() -> DeterministicRng:
    return DeterministicRng(b"tests/crypto")
