"""Brute-force protection: failed attempts per account and per address, with exponential backoff.

Every login (API and page) and every attempt that guesses something (a ballot refused for its
credential or signature, a tracking code that is not on the board) counts against the caller's
address, and a login also against the account it names. A key gets a few free failures
(:attr:`Policy.free`); the last of them locks it for :attr:`Policy.base` seconds, and each
failure after a lock locks it for twice as long as the one before, up to :attr:`Policy.ceiling`.
While a key is locked every attempt with it is refused with 429 and a
``Retry-After`` header *before* any password is checked, the right one included; a success
clears the account, and a key with no failure for :attr:`Policy.forget` seconds starts afresh.

The server keeps the counts in its database (table ``attempts``): every worker process of
``vybory serve --workers N`` and every server on one PostgreSQL counts the same failures, and a
restart forgets none of them, so neither more workers nor a crash buys an attacker more guesses.
The address is the TCP peer, or the client a trusted proxy names (``vybory serve
--trusted-proxy``): a request cannot choose its own address.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from vybory.api.errors import ApiError
from vybory.text import say


@dataclass(frozen=True, slots=True)
class Policy:
    """How many failures are free, then the first lock's length and the longest (seconds)."""

    free: int
    base: float = 5.0
    ceiling: float = 900.0
    forget: float = 3600.0


@dataclass(slots=True)
class _Count:
    failures: int
    locked_until: float
    last: float


class Counts(Protocol):
    """Where a throttle keeps its failure counts: in memory (one process), or in the database
    (:class:`vybory.store.attempts.StoredAttempts`: every worker process, across restarts)."""

    def get(self, key: str) -> tuple[int, float, float] | None: ...

    def update(self, key: str, change: Callable[[tuple[int, float, float] | None], tuple[int, float, float]],
               *, idle_before: float, prefix: str) -> None: ...

    def clear(self, key: str) -> None: ...


class MemoryCounts:
    """Counts in this process's memory; at most ``capacity`` keys (the longest unused are
    forgotten first, so that a flood of names cannot exhaust memory)."""

    def __init__(self, capacity: int = 100_000):
        self.capacity = capacity
        self._counts: OrderedDict[str, tuple[int, float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[int, float, float] | None:
        with self._lock:
            return self._counts.get(key)

    def update(self, key: str, change: Callable[[tuple[int, float, float] | None], tuple[int, float, float]],
               *, idle_before: float, prefix: str) -> None:
        with self._lock:
            self._counts[key] = change(self._counts.get(key))
            self._counts.move_to_end(key)
            while len(self._counts) > self.capacity:
                self._counts.popitem(last=False)

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class Throttle:
    """Failures per key under one :class:`Policy`, kept in ``counts`` under names starting with
    ``prefix``; ``clock`` is the wall clock (Unix seconds), shared by every process."""

    def __init__(self, policy: Policy, *, clock: Callable[[], float] = time.time, counts: Counts | None = None,
                 prefix: str = "", capacity: int = 100_000):
        self.policy = policy
        self.clock = clock
        self.counts = counts if counts is not None else MemoryCounts(capacity)
        self.prefix = prefix

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again (0: now)."""
        now = self.clock()
        count = self._current(self.counts.get(self.prefix + key), now)
        return 0.0 if count is None else max(0.0, count.locked_until - now)

    def failed(self, key: str) -> None:
        now = self.clock()

        def change(stored: tuple[int, float, float] | None) -> tuple[int, float, float]:
            count = self._current(stored, now) or _Count(0, 0.0, now)
            failures = count.failures + 1
            beyond = failures - self.policy.free
            locked_until = count.locked_until
            if beyond >= 0:
                locked_until = now + min(self.policy.ceiling, self.policy.base * 2 ** min(beyond, 60))
            return failures, locked_until, now

        self.counts.update(self.prefix + key, change, idle_before=now - self.policy.forget, prefix=self.prefix)

    def succeeded(self, key: str) -> None:
        self.counts.clear(self.prefix + key)

    def _current(self, stored: tuple[int, float, float] | None, now: float) -> _Count | None:
        """The count, unless there is none or it is forgotten (idle for long, lock run out)."""
        if stored is None:
            return None
        count = _Count(*stored)
        if now - count.last > self.policy.forget and now >= count.locked_until:
            return None
        return count


# Complaints about the roll: anyone may file, so every complaint (accepted or refused) counts
# against the address; ten are free, then a wait from a minute, doubling, up to a day.
COMPLAINT_ADDRESS = Policy(free=10, base=60.0, ceiling=86400.0, forget=86400.0)
LOGIN_ACCOUNT = Policy(free=5)
LOGIN_ADDRESS = Policy(free=20)
GUESS_ADDRESS = Policy(free=50, ceiling=300.0)


class Throttles:
    """The server's throttles: logins per account and per address, other guesses per address,
    all kept in ``counts`` (default: this process's memory; ``vybory serve`` and
    :func:`vybory.api.app.create_app` keep them in the database)."""

    def __init__(
        self,
        *,
        account: Policy = LOGIN_ACCOUNT,
        address: Policy = LOGIN_ADDRESS,
        guesses: Policy = GUESS_ADDRESS,
        complaints: Policy = COMPLAINT_ADDRESS,
        clock: Callable[[], float] = time.time,
        counts: Counts | None = None,
    ):
        counts = counts if counts is not None else MemoryCounts()
        self.accounts = Throttle(account, clock=clock, counts=counts, prefix="login-account:")
        self.addresses = Throttle(address, clock=clock, counts=counts, prefix="login-address:")
        self.guesses = Throttle(guesses, clock=clock, counts=counts, prefix="guess-address:")
        self.complaints = Throttle(complaints, clock=clock, counts=counts, prefix="complaint-address:")

    def check_login(self, request: Request, username: str) -> None:
        """Refuses (429) a login while its account or its address is locked."""
        wait = max(self.accounts.retry_after(_account(username)), self.addresses.retry_after(address_of(request)))
        if wait > 0:
            raise _too_many("logins", wait, "username")

    def login_failed(self, request: Request, username: str) -> None:
        self.accounts.failed(_account(username))
        self.addresses.failed(address_of(request))

    def login_succeeded(self, username: str) -> None:
        self.accounts.succeeded(_account(username))

    def check_guess(self, request: Request, field: str) -> None:
        """Refuses (429) an attempt (ballot, tracking code) while the caller's address is locked."""
        wait = self.guesses.retry_after(address_of(request))
        if wait > 0:
            raise _too_many("guesses", wait, field)

    def guess_failed(self, request: Request) -> None:
        self.guesses.failed(address_of(request))

    def complaint(self, request: Request) -> None:
        """Refuses (429) a complaint about the roll while the caller's address is locked; else counts it."""
        wait = self.complaints.retry_after(address_of(request))
        if wait > 0:
            raise _too_many("complaints", wait, "complaint")
        self.complaints.failed(address_of(request))


def address_of(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _account(username: str) -> str:
    return username.strip().casefold()


def _too_many(what: str, wait: float, field: str) -> ApiError:
    seconds = max(1, math.ceil(wait))
    if what == "logins":
        message = say("too many failed logins: try again in %(seconds)s seconds", seconds=seconds)
    elif what == "complaints":
        message = say("too many complaints from this address: try again in %(seconds)s seconds", seconds=seconds)
    else:
        message = say("too many refused attempts: try again in %(seconds)s seconds", seconds=seconds)
    return ApiError(429, message, code="too_many_attempts", field=field, headers={"retry-after": str(seconds)})


def throttles_of(request: Request) -> Throttles:
    return request.app.state.throttles  # type: ignore[no-any-return]
