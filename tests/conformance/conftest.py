from __future__ import annotations

import sys
from pathlib import Path

# The kit's modules and the tamper helpers they share with the verifier's tests.
HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent / "verify"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
