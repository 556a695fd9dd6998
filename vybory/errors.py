"""The few exceptions vybory raises.

Every error names the field it is about and the rule that was broken, and
carries a short machine-readable ``code``. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence


class VyboryError(Exception):
    """Base of every error vybory raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        self.field = field
        if code is not None:
            self.code = code
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class InvalidEncoding(VyboryError):
    """Bytes that do not decode to the value they claim to be."""

    code = "invalid_encoding"


class InvalidProof(VyboryError):
    """A proof or signature that does not verify against its statement."""

    code = "invalid_proof"


class InvalidBallot(VyboryError):
    """A ballot refused by the rules of the election."""

    code = "invalid_ballot"


class InvalidDefinition(VyboryError):
    """An election definition that breaks a rule; ``problems`` lists every one."""

    code = "invalid_definition"

    def __init__(self, problems: Sequence[str], *, field: str | None = None):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems), field=field)


class InvalidInput(VyboryError):
    """A malformed input file or value (ballot files, CSV, TOML, JSON)."""

    code = "invalid_input"


class ThresholdNotMet(VyboryError):
    """Fewer valid decryption shares than the threshold k."""

    code = "threshold_not_met"


class Refused(VyboryError):
    """An operation refused by the election's state (closed, not open, wrong phase, ...)."""

    code = "refused"
