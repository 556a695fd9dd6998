"""The service's sense of time: a callable returning an aware UTC datetime.

The protocol takes ``now`` as a parameter; the service asks its clock once per
operation. Tests and the demo pass a :class:`ManualClock` to move time forward.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC, to the whole second (the definition's deadlines have whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


class ManualClock:
    """A clock that stands still until moved (tests, the demo's simulated days)."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware UTC datetime")
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.now = self.now + delta
