"""The registry of domain-separation tags (spec §2, table of tags).

Every hash vybory computes starts with one of these tags. The spec's table lists
exactly these strings; ``tests/crypto/test_tags.py`` compares the two.
"""

from __future__ import annotations

KNOWLEDGE = "VYBORY-V1-KNOWLEDGE"
SIGNATURE = "VYBORY-V1-SIGNATURE"
STATEMENT = "VYBORY-V1-STATEMENT"
EQUAL_LOGS = "VYBORY-V1-EQUAL-LOGS"
ZERO_ONE = "VYBORY-V1-ZERO-ONE"
RANGE = "VYBORY-V1-RANGE"
DECRYPTION_SHARE = "VYBORY-V1-DECRYPTION-SHARE"
GENERATOR = "VYBORY-V1-GENERATOR"
DKG_COMMIT = "VYBORY-V1-DKG-COMMIT"
DKG_SHARE_KEY = "VYBORY-V1-DKG-SHARE-KEY"
DKG_ATTEMPT = "VYBORY-V1-DKG-ATTEMPT"
SHUFFLE_WEIGHTS = "VYBORY-V1-SHUFFLE-WEIGHTS"
SHUFFLE = "VYBORY-V1-SHUFFLE"
TEST_RNG = "VYBORY-V1-TEST-RNG"

ALL: frozenset[str] = frozenset(
    value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)
)
