"""Sources of random bytes (spec §1.3 and §9).

Core functions take ``rng``: a callable ``rng(n) -> n bytes``. In production it is
``secrets.token_bytes`` (the default everywhere); tests and test vectors pass a
``DeterministicRng`` so that every output can be reproduced, also by the booth.
"""

from __future__ import annotations

import hashlib
import secrets

from .encoding import lp, u64
from .tags import TEST_RNG

system_rng = secrets.token_bytes


class DeterministicRng:
    """A reproducible byte stream for tests and vectors. NEVER for real elections.

    Stream = block_0 ‖ block_1 ‖ …, block_i = SHA-512(lp("VYBORY-V1-TEST-RNG") ‖ lp(seed) ‖ u64be(i)).
    ``draws`` records every request (hex), so vectors can list the bytes each prover took.
    """

    __slots__ = ("_buffer", "_counter", "_seed", "draws")

    def __init__(self, seed: bytes | str):
        self._seed = seed.encode() if isinstance(seed, str) else bytes(seed)
        self._counter = 0
        self._buffer = b""
        self.draws: list[str] = []

    def __call__(self, n: int) -> bytes:
        while len(self._buffer) < n:
            block = hashlib.sha512(lp(TEST_RNG.encode()) + lp(self._seed) + u64(self._counter)).digest()
            self._buffer += block
            self._counter += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        self.draws.append(out.hex())
        return out
