"""vybory.service: the election lifecycle on a database, one transaction per operation.

Use :class:`ElectionService` (``ElectionService(Database(url), clock=...)``);
its methods return the values of :mod:`vybory.service.results` and
:mod:`vybory.service.tallying`, or raise a :class:`~vybory.errors.VyboryError`
with a ``code`` and words a commission secretary understands.
"""

from vybory.service.clock import Clock, ManualClock, system_clock
from vybory.service.elections import ElectionService
from vybory.service.results import (
    BallotLookup,
    ElectionStatus,
    ElectionSummary,
    Posted,
    Receipt,
    RoundSummary,
    Waiting,
)
from vybory.service.tallying import ContestResult, Decision

__all__ = [
    "BallotLookup",
    "Clock",
    "ContestResult",
    "Decision",
    "ElectionService",
    "ElectionStatus",
    "ElectionSummary",
    "ManualClock",
    "Posted",
    "Receipt",
    "RoundSummary",
    "Waiting",
    "system_clock",
]
